#!/usr/bin/env bash
# Builds dbtwin (warnings as errors) into build/ after installing what it needs.
# Usage: scripts/build.sh [extra cmake -D options...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDBTWIN_WERROR=ON "$@" >/dev/null
cmake --build build -j"$(nproc)"
