#!/usr/bin/env bash
# Installs one npm package at an exact version into DBTWIN_NODE_DIR (default
# /var/cache/dbtwin/node), outside the work tree; tests find it with
# NODE_PATH=<that folder>/node_modules. Silent when that version is already there.
# Usage: scripts/npm-install-pinned.sh LABEL PACKAGE VERSION   (LABEL prefixes what it prints)
set -euo pipefail
label=$1 package=$2 version=$3
dir=${DBTWIN_NODE_DIR:-/var/cache/dbtwin/node}
manifest=$dir/node_modules/$package/package.json

if [[ -f $manifest ]] && grep -q "\"version\": \"$version\"" "$manifest"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "$label: npm is missing; install nodejs and npm first" >&2
  exit 1
fi
sudo_cmd=()
[[ -w $(dirname "$dir") || $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
echo "$label: installing $package@$version into $dir"
"${sudo_cmd[@]}" mkdir -p "$dir"
[[ -f $dir/package.json ]] ||
  echo '{"name":"dbtwin-test-deps","private":true}' | "${sudo_cmd[@]}" tee "$dir/package.json" >/dev/null
"${sudo_cmd[@]}" npm install --prefix "$dir" --no-audit --no-fund --silent --save-exact \
  "$package@$version" >/dev/null
