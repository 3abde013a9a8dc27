#!/usr/bin/env bash
# Long fuzzing runs with clang's libFuzzer, AddressSanitizer and UBSan, for the dump-stream
# parsers in tests/fuzz/. ctest runs the same targets briefly under g++ (fuzz.*); this script is
# for hours, not seconds.
#   scripts/fuzz.sh [TARGET] [SECONDS]      e.g. scripts/fuzz.sh fuzz_chunk_stream 3600
# TARGET defaults to every target (SECONDS each, default 300). New findings land in
# build-fuzz/findings/<target>/; crashes are written as crash-* files there.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
targets=(fuzz_frames fuzz_chunk_header fuzz_chunk_stream)
if [[ $# -ge 1 ]]; then targets=("$1"); fi
seconds="${2:-300}"

cxx="${CLANGXX:-clang++}"
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  > "$probe/p.cc"
if ! "$cxx" -fsanitize=fuzzer "$probe/p.cc" -o "$probe/p" 2>/dev/null; then
  echo "fuzz.sh: $cxx has no libFuzzer (-fsanitize=fuzzer); install clang with compiler-rt" >&2
  exit 2
fi

# The library is built with clang too, with sanitizers and fuzzer coverage instrumentation.
flags="-fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer -g"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
  -DDBTWIN_BENCH=OFF -DDBTWIN_TESTS=OFF -DDBTWIN_WERROR=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" -j2 --target dbtwin_lib

for t in "${targets[@]}"; do
  out="$build/fuzz/$t"
  mkdir -p "$build/fuzz" "$build/findings/$t"
  # Link lines come from pkg-config, as the CMake build does.
  "$cxx" -std=c++20 $flags -fsanitize=fuzzer -I"$root/src" -I"$root/tests" -I"$root/tests/fuzz" \
    -DSPDLOG_FMT_EXTERNAL "$root/tests/fuzz/$t.cc" "$build/libdbtwin_lib.a" \
    $(pkg-config --libs libzstd libsodium libcurl libssh libmariadb tomlplusplus cpp-httplib) \
    -lpq -lsqlite3 -lspdlog -lfmt -larchive -lyaml-cpp -lpthread -o "$out"
  echo "== $t for ${seconds}s"
  "$out" -max_total_time="$seconds" -artifact_prefix="$build/findings/$t/" \
    "$build/findings/$t" "$root/tests/fuzz/corpus/$t"
done
