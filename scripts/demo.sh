#!/usr/bin/env bash
# Quick start 1: installs every package, builds, and runs the demo on the embedded defaults
# (state in /var/lib/dbtwin, pool driver detected): a generated shop database becomes a template on
# PostgreSQL and on MariaDB, two clones of each are ready in well under a second, and a write in one
# is shown invisible in the other and in the template. Run as root. Extra arguments go to
# `dbtwin demo` (e.g. --engine postgres --keep).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDBTWIN_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)" --target dbtwin
exec build/dbtwin demo "$@"
