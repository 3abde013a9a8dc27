#!/usr/bin/env bash
# Builds dbtwin and dbtwin_api_bench if needed, then measures the clone service: clone-create
# latency through the HTTP API beside the CLI, the throughput of parallel creators both ways, and
# the daemon's CPU and memory at rest with 100 running clones. Prints the figures (also saved to
# a report file). About 5 minutes on 2 cores.
# Usage: sudo bench/api.sh [dbtwin_api_bench options...]   (see bench/README.md)
# Environment: DBTWIN_BUILD_DIR (default build/), DBTWIN_BENCH_WORK (default /var/tmp/dbtwin-api-bench).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DBTWIN_BUILD_DIR:-$root/build}"
work="${DBTWIN_BENCH_WORK:-/var/tmp/dbtwin-api-bench}"

if [[ $(id -u) -ne 0 ]]; then
  echo "bench/api.sh: needs root (a loop-mounted pool, the service user)" >&2
  exit 2
fi

"$root/scripts/install-deps.sh"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
jobs=$(nproc)
((jobs > 2)) && jobs=2
cmake --build "$build" -j"$jobs" --target dbtwin dbtwin_api_bench >/dev/null

report="/var/tmp/dbtwin-api-bench-$(date +%Y%m%d-%H%M%S).txt"

# dbtwin_api_bench cleans up after itself, even on Ctrl-C; this catches a harder death.
cleanup() {
  local rc=$?
  if ((rc != 0)) && [[ -e $work ]]; then
    "$build/bench/dbtwin_api_bench" --dbtwin "$build/dbtwin" --work "$work" --cleanup || true
  fi
  exit "$rc"
}
trap cleanup EXIT

# Progress goes to stderr; the figures to stdout and to the report file.
"$build/bench/dbtwin_api_bench" --dbtwin "$build/dbtwin" --work "$work" "$@" | tee -i "$report"
echo "report saved to $report" >&2
