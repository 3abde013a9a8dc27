#!/usr/bin/env bash
# Installs what the web page's browser test (tests/ui/ui_test.mjs) needs from npm: puppeteer-core,
# which drives the Debian `chromium` and never downloads a browser of its own. It goes into
# DBTWIN_NODE_DIR (see npm-install-pinned.sh). Idempotent and silent when present.
set -euo pipefail

# puppeteer-core 25 needs Node 22; 24.x runs on Node 18+ and speaks to current Chromium.
"$(dirname "${BASH_SOURCE[0]}")/npm-install-pinned.sh" install-ui-test-deps puppeteer-core 24.43.1
