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

# Build speed (the suite must stay well under CI's 90 minutes on 2 cores): Ninja when present, and
# ccache when present, with one cache per machine so that repeated runs recompile only what
# changed. An empty or missing cache only costs a cold build. base_dir and hash_dir=false let a
# clone at another path hit the cache (the debug info then names the folder of the build that
# filled it); the sloppiness is what ccache needs with precompiled headers.
cache_args=()
if command -v ccache >/dev/null && mkdir -p /var/cache/dbtwin-ccache 2>/dev/null &&
  [[ -w /var/cache/dbtwin-ccache ]]; then
  export CCACHE_DIR=/var/cache/dbtwin-ccache CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
  export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
  export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}
  ccache --zero-stats >/dev/null
  cache_args=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# The generator of a new build folder; an existing one keeps its own (CMake refuses a change).
generator() { [[ -e $1/CMakeCache.txt ]] || ! command -v ninja >/dev/null || echo "-GNinja"; }

echo "== build (warnings as errors)"
cmake -S . -B build $(generator build) "${cache_args[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDBTWIN_WERROR=ON >/dev/null
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
cmake -S . -B build-asan $(generator build-asan) "${cache_args[@]}" -DCMAKE_BUILD_TYPE=Debug \
  -DDBTWIN_WERROR=ON -DDBTWIN_SANITIZE=ON -DDBTWIN_BENCH=OFF >/dev/null
# Only what the tests below run: the test binaries (dbtwin_unit brings the fuzz targets) and the
# dbtwin executable the integration tests spawn.
cmake --build build-asan -j"$jobs" --target dbtwin dbtwin_unit dbtwin_integration
if ((${#cache_args[@]})); then ccache --show-stats; fi
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 900 -R "${DBTWIN_ASAN_TESTS:-$asan_tests}"
