#!/usr/bin/env bash
# Removes what a killed test run leaves behind: loop-mounted test pools (tests/support/pools.h)
# under the temp folder, which a SIGKILLed test cannot unmount. Runs before the suite; does
# nothing while another test binary runs, since the mounts may be its own.
set -euo pipefail
tmp="${TMPDIR:-/tmp}"
if pgrep -f 'dbtwin_(unit|integration)' >/dev/null; then
  echo "sweep: a test run is in progress; leaving its mounts alone"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || exit 0
# Deepest first, so that a pool mounted inside another comes off before it.
leftovers=$(findmnt -rn -o TARGET | grep -E "^${tmp}/dbtwin-loopfs-[A-Za-z0-9]{6}(/|$)" | sort -r || true)
for target in $leftovers; do
  echo "sweep: unmounting $target, left by an earlier test run"
  umount "$target" || umount -l "$target"
done
for dir in "$tmp"/dbtwin-loopfs-??????; do
  [[ -d $dir ]] || continue
  findmnt -rn -o TARGET | grep -q "^$dir" && continue  # still mounted: umount -l is under way
  rm -rf -- "$dir"
done
