#!/usr/bin/env bash
# Installs what the web page's browser test (tests/ui/ui_test.mjs) needs from npm: puppeteer-core,
# which drives the Debian `chromium` and never downloads a browser of its own. It goes into a
# folder outside the work tree (DBTWIN_NODE_DIR, default /var/cache/dbtwin/node); the test
# finds it with NODE_PATH=<that folder>/node_modules. Idempotent and silent when present.
set -euo pipefail

# puppeteer-core 25 needs Node 22; 24.x runs on Node 18+ and speaks to current Chromium.
version=24.43.1
dir=${DBTWIN_NODE_DIR:-/var/cache/dbtwin/node}
manifest=$dir/node_modules/puppeteer-core/package.json

if [[ -f $manifest ]] && grep -q "\"version\": \"$version\"" "$manifest"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "install-ui-test-deps: npm is missing; install nodejs and npm first" >&2
  exit 1
fi

sudo_cmd=()
[[ -w $(dirname "$dir") || $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
echo "install-ui-test-deps: installing puppeteer-core@$version into $dir"
"${sudo_cmd[@]}" mkdir -p "$dir"
[[ -f $dir/package.json ]] ||
  echo '{"name":"dbtwin-ui-test-deps","private":true}' | "${sudo_cmd[@]}" tee "$dir/package.json" >/dev/null
"${sudo_cmd[@]}" npm install --prefix "$dir" --no-audit --no-fund --silent --save-exact \
  "puppeteer-core@$version" >/dev/null
