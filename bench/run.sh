#!/usr/bin/env bash
# Builds dbtwin and dbtwin_bench if needed, then measures clone-ready latency and clone space
# on every pool driver and engine, and prints the final tables (also saved to a report file).
# Usage: sudo bench/run.sh [--quick] [dbtwin_bench options...]   (see bench/README.md)
# Environment: DBTWIN_BUILD_DIR (default build/), DBTWIN_BENCH_WORK (default /var/tmp/dbtwin-bench).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DBTWIN_BUILD_DIR:-$root/build}"
work="${DBTWIN_BENCH_WORK:-/var/tmp/dbtwin-bench}"

if [[ $(id -u) -ne 0 ]]; then
  echo "bench/run.sh: needs root (loop-backed pools, overlay mounts, the service user)" >&2
  exit 2
fi

"$root/scripts/install-deps.sh"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
jobs=$(nproc)
((jobs > 2)) && jobs=2
cmake --build "$build" -j"$jobs" --target dbtwin dbtwin_bench >/dev/null

mode=full
for a in "$@"; do [[ $a == --quick ]] && mode=quick; done
report="/var/tmp/dbtwin-bench-$mode-$(date +%Y%m%d-%H%M%S).txt"

# dbtwin_bench cleans up after itself, even on Ctrl-C; this catches a harder death.
cleanup() {
  local rc=$?
  if ((rc != 0)) && [[ -e $work ]]; then
    "$build/bench/dbtwin_bench" --dbtwin "$build/dbtwin" --work "$work" --cleanup || true
  fi
  exit "$rc"
}
trap cleanup EXIT

# Progress goes to stderr; the final tables to stdout and to the report file.
"$build/bench/dbtwin_bench" --dbtwin "$build/dbtwin" --work "$work" "$@" | tee -i "$report"
echo "report saved to $report" >&2
