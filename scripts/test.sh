#!/usr/bin/env bash
# Quick start 2: installs every package, builds with warnings as errors, and runs the whole test
# suite (unit and integration tests with real PostgreSQL, MariaDB, loop-mounted btrfs and XFS,
# overlayfs), then the AddressSanitizer + UBSan build and its tests. Run as root: tests that need
# root (mounts, loop devices, the service user) say so and skip otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/sweep-test-leftovers.sh
jobs=$(nproc)

echo "== build (warnings as errors)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDBTWIN_WERROR=ON >/dev/null
cmake --build build -j"$jobs"

echo "== format check"
scripts/check-format.sh

echo "== tests"
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 900

# Under the sanitizers: every unit test, and the integration tests that drive each layer's
# riskiest code (pool drivers, engines, every failure path, the daemon's threads under parallel
# requests and kills) without repeating the whole matrix.
asan_tests='^(unit\.|fuzz\.|integration\.(Drivers/PoolDriverTest|Engines/EngineTest|Failure|Engines/Failure|Api|DaemonParallel|DaemonCrash))'
echo "== AddressSanitizer + UBSan build and tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DDBTWIN_WERROR=ON -DDBTWIN_SANITIZE=ON \
  -DDBTWIN_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 900 -R "${DBTWIN_ASAN_TESTS:-$asan_tests}"
