#!/usr/bin/env bash
# Long fuzzing runs with clang's libFuzzer, AddressSanitizer and UBSan, for the dump-stream
# parsers in tests/fuzz/. ctest runs the same targets briefly under g++ (fuzz.*); this script is
# for hours, not seconds.
#   scripts/fuzz.sh [TARGET] [SECONDS]      e.g. scripts/fuzz.sh fuzz_chunk_stream 3600, or "" 60
# TARGET defaults to every target (SECONDS each, default 300). The corpus each run grows is kept
# in build-fuzz/corpus/<target>/ (seeded from tests/fuzz/corpus/<target>/); findings (crash-*,
# leak-*, timeout-*, oom-*) land in build-fuzz/findings/<target>/. A target that finds something
# does not stop the others; the script then exits 1. FUZZ_BUILD_DIR overrides build-fuzz.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
targets=(fuzz_frames fuzz_chunk_header fuzz_chunk_stream)
if [[ -n "${1:-}" ]]; then targets=("$1"); fi  # "" also means every target
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

# The parsers and what they link against (base/, os/, engine/, pipeline/) are compiled with
# clang, sanitizers and fuzzer coverage into one archive; the linker takes only the objects a
# target needs. Building all of dbtwin_lib this way took about an hour on 2 cores; these
# folders take minutes. UBSan must abort (not print and go on), or libFuzzer never sees undefined
# behaviour as a crash.
flags=("-fsanitize=address,undefined" -fno-sanitize-recover=undefined -fno-omit-frame-pointer
  -g -O1 -std=c++20)
pkgs=(libzstd libsodium libcurl libssh libmariadb tomlplusplus cpp-httplib spdlog fmt)
read -ra pkg_cflags <<< "$(pkg-config --cflags "${pkgs[@]}")"
read -ra pkg_libs <<< "$(pkg-config --libs "${pkgs[@]}")"
includes=(-I"$root/src" -I"$root/tests" -I"$root/tests/fuzz" -I/usr/include/postgresql "${pkg_cflags[@]}")
# pkg-config's flags tell spdlog's and toml++'s headers that they are compiled libraries.
defines=(-DSPDLOG_FMT_EXTERNAL)
launcher=()
command -v ccache >/dev/null && launcher=(env CCACHE_DIR="${CCACHE_DIR:-/var/cache/dbtwin-ccache}" ccache)
rm -rf "$build/obj"  # no object of a deleted source may linger in the archive
mkdir -p "$build/obj"
export cxx root build
export flags_line="${flags[*]} -fsanitize=fuzzer-no-link ${includes[*]} ${defines[*]}"
export launcher_line="${launcher[*]}"
printf '%s\n' "$root"/src/{base,os,engine,pipeline}/*.cc | xargs -P "$(nproc)" -I{} sh -c '
  obj="$build/obj/$(echo "${1#$root/src/}" | tr / _).o"
  exec $launcher_line "$cxx" $flags_line -c "$1" -o "$obj"' _ {}
rm -f "$build/libfuzzlib.a"
ar rcs "$build/libfuzzlib.a" "$build"/obj/*.o

failed=()
for t in "${targets[@]}"; do
  out="$build/fuzz/$t"
  mkdir -p "$build/fuzz" "$build/corpus/$t" "$build/findings/$t"
  "$cxx" "${flags[@]}" -fsanitize=fuzzer "${includes[@]}" "${defines[@]}" \
    "$root/tests/fuzz/$t.cc" "$build/libfuzzlib.a" \
    "${pkg_libs[@]}" -lpq -lsqlite3 -larchive -lyaml-cpp -lpthread -o "$out"
  echo "== $t for ${seconds}s"
  # New inputs go to the first directory; the checked-in seeds are only read.
  if ! "$out" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$build/findings/$t/" "$build/corpus/$t" "$root/tests/fuzz/corpus/$t"; then
    failed+=("$t")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: findings for ${failed[*]}; see $build/findings/" >&2
  exit 1
fi
