#include "pipeline/transform/siphash_many.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

// The helpers below pass vectors by value, which GCC warns changes the calling convention between
// instruction sets; they are always inlined into one function per instruction set, so no call
// between code built for different ones exists.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace dbtwin::pipeline::sip {
namespace {

// W 64-bit lanes (GCC's vector extension): 8 in one zmm register with AVX-512, 4 in a ymm with
// AVX2. The same source compiles for each; the eight lanes of a job are 8 / W vectors.
// (Spelled out per width: GCC drops the attribute from an alias template on a dependent size.)
template <size_t W>
struct VecOf;
template <>
struct VecOf<8> {
  using type = uint64_t __attribute__((vector_size(64)));
};
template <>
struct VecOf<4> {
  using type = uint64_t __attribute__((vector_size(32)));
};
template <size_t W>
using Vec = typename VecOf<W>::type;

template <int B, typename V>
[[gnu::always_inline]] inline V rotl(V x) {
  return (x << B) | (x >> (64 - B));  // vprolq with AVX-512
}

template <typename V>
struct Lanes {
  V v0, v1, v2, v3;

  [[gnu::always_inline]] inline void round() {
    v0 += v1;
    v1 = rotl<13>(v1);
    v1 ^= v0;
    v0 = rotl<32>(v0);
    v2 += v3;
    v3 = rotl<16>(v3);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl<21>(v3);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl<17>(v1);
    v1 ^= v2;
    v2 = rotl<32>(v2);
  }

  [[gnu::always_inline]] inline void compress(V m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

using Prepared = LaneInput;
constexpr size_t kMaxBlocks = LaneInput::kMaxBlocks;

template <typename V>
[[gnu::always_inline]] inline V load(const uint64_t* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

// The hashes of eight prepared messages, as G = 8 / W groups of W lanes whose rounds interleave.
// Lanes with fewer blocks keep their state while the longer ones compress theirs.
template <size_t W>
[[gnu::always_inline]] inline void hash8(const Prepared& in, uint64_t out[kLanes][2]) {
  using V = Vec<W>;
  constexpr size_t G = kLanes / W;
  Lanes<V> s[G];
  V full[G];
  for (size_t g = 0; g < G; ++g) {
    V k0 = load<V>(in.k0 + g * W), k1 = load<V>(in.k1 + g * W);
    full[g] = load<V>(in.full + g * W);
    s[g] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL ^ 0xee,
            k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
  }
  for (size_t b = 0; b < in.most; ++b) {
    for (size_t g = 0; g < G; ++g) {
      V m = load<V>(in.words[b] + g * W);
      V active = reinterpret_cast<V>(full[g] > b);  // all ones where the lane has block b
      Lanes<V> next = s[g];
      next.compress(m);
      s[g].v0 = (next.v0 & active) | (s[g].v0 & ~active);
      s[g].v1 = (next.v1 & active) | (s[g].v1 & ~active);
      s[g].v2 = (next.v2 & active) | (s[g].v2 & ~active);
      s[g].v3 = (next.v3 & active) | (s[g].v3 & ~active);
    }
  }
  alignas(64) uint64_t h[2][kLanes];
  for (size_t g = 0; g < G; ++g) {
    s[g].compress(load<V>(in.last + g * W));
    s[g].v2 ^= 0xee;
  }
  for (int i = 0; i < 4; ++i)
    for (size_t g = 0; g < G; ++g) s[g].round();
  for (size_t g = 0; g < G; ++g) {
    V h0 = s[g].v0 ^ s[g].v1 ^ s[g].v2 ^ s[g].v3;
    __builtin_memcpy(h[0] + g * W, &h0, sizeof h0);
    s[g].v1 ^= 0xdd;
  }
  for (int i = 0; i < 4; ++i)
    for (size_t g = 0; g < G; ++g) s[g].round();
  for (size_t g = 0; g < G; ++g) {
    V h1 = s[g].v0 ^ s[g].v1 ^ s[g].v2 ^ s[g].v3;
    __builtin_memcpy(h[1] + g * W, &h1, sizeof h1);
  }
  for (size_t j = 0; j < kLanes; ++j) {
    out[j][0] = h[0][j];
    out[j][1] = h[1][j];
  }
}

using Runner = void (*)(const Prepared&, uint64_t (*)[2]);

#if defined(__x86_64__)
__attribute__((target("avx512f"))) void run_avx512(const Prepared& in, uint64_t (*out)[2]) {
  hash8<8>(in, out);
}
__attribute__((target("avx2"))) void run_avx2(const Prepared& in, uint64_t (*out)[2]) {
  hash8<4>(in, out);
}
#endif

// Without wide vectors, the plain hash lane by lane (SSE2's two lanes were slower than it).
void run_generic(const Prepared& in, uint64_t (*out)[2]) {
  for (size_t j = 0; j < kLanes; ++j) {
    State st(Key{in.k0[j], in.k1[j]});
    for (size_t b = 0; b < in.full[j]; ++b) st.compress(in.words[b][j]);
    // `last` already carries the length byte: finish() would add it again, so finish by hand.
    uint64_t last = in.last[j];
    st.compress(last);
    st.v2 ^= 0xee;
    for (int i = 0; i < 4; ++i) st.round();
    out[j][0] = st.v0 ^ st.v1 ^ st.v2 ^ st.v3;
    st.v1 ^= 0xdd;
    for (int i = 0; i < 4; ++i) st.round();
    out[j][1] = st.v0 ^ st.v1 ^ st.v2 ^ st.v3;
  }
}

struct Isa {
  Runner runner;
  const char* name;
};

const Isa kGeneric{run_generic, "generic"};
#if defined(__x86_64__)
const Isa kAvx2{run_avx2, "avx2"};
const Isa kAvx512{run_avx512, "avx512"};
#endif

// The instruction sets this CPU runs, best first.
std::vector<const Isa*> supported() {
  std::vector<const Isa*> out;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) out.push_back(&kAvx512);
  if (__builtin_cpu_supports("avx2")) out.push_back(&kAvx2);
#endif
  out.push_back(&kGeneric);
  return out;
}

std::atomic<const Isa*>& chosen() {
  static std::atomic<const Isa*> isa{supported().front()};
  return isa;
}

const Isa& isa() {
  return *chosen().load(std::memory_order_relaxed);
}

}  // namespace

bool LaneInput::set(size_t j, const Key& key, std::string_view data) {
  size_t blocks = data.size() / 8;
  if (blocks > kMaxBlocks) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  k0[j] = key.k0;
  k1[j] = key.k1;
  full[j] = blocks;
  for (size_t b = 0; b < blocks; ++b) words[b][j] = load_le64(p + 8 * b);
  last[j] = message_tail(p, data.size()) | (static_cast<uint64_t>(data.size()) << 56);
  most = std::max(most, blocks);
  return true;
}

bool LaneInput::set(size_t j, const Key& key, const uint64_t* packed, size_t len) {
  size_t blocks = len / 8;
  if (blocks > kMaxBlocks) return false;
  k0[j] = key.k0;
  k1[j] = key.k1;
  full[j] = blocks;
  for (size_t b = 0; b < blocks; ++b) words[b][j] = packed[b];
  last[j] = (len % 8 ? packed[blocks] : 0) | (static_cast<uint64_t>(len) << 56);
  most = std::max(most, blocks);
  return true;
}

void hash_lanes(const LaneInput& in, uint64_t out[kLanes][2]) {
  isa().runner(in, out);
}

void hash128_many(const Key& key, const std::string_view* data, size_t n, uint64_t (*out)[2]) {
  Runner runner = isa().runner;
  Prepared in;
  uint64_t lanes_out[kLanes][2];
  for (size_t i = 0; i < n; i += kLanes) {
    size_t count = std::min(kLanes, n - i);
    in.most = 0;
    bool apart[kLanes] = {};
    for (size_t j = 0; j < kLanes; ++j) {
      // Unused lanes hash an empty message.
      apart[j] = !in.set(j, key, j < count ? data[i + j] : std::string_view());
      if (apart[j]) in.set(j, key, std::string_view());
    }
    runner(in, lanes_out);
    for (size_t j = 0; j < count; ++j) {
      if (apart[j]) {
        hash128(key, data[i + j], out[i + j]);
      } else {
        out[i + j][0] = lanes_out[j][0];
        out[i + j][1] = lanes_out[j][1];
      }
    }
  }
}

void hash128_words_x8(const Key keys[kLanes], const uint64_t* const words[kLanes],
                      const size_t len[kLanes], uint64_t out[kLanes][2]) {
  Prepared in;
  bool apart[kLanes] = {};
  for (size_t j = 0; j < kLanes; ++j) {
    // A skipped lane hashes an empty message (no word is read).
    bool skip = words[j] == nullptr;
    apart[j] = !skip && !in.set(j, keys[j], words[j], len[j]);
    if (skip || apart[j]) in.set(j, keys[j], std::string_view());
  }
  isa().runner(in, out);
  for (size_t j = 0; j < kLanes; ++j)
    if (apart[j]) hash128_words(keys[j], words[j], len[j], out[j]);
}

const char* lanes_isa() {
  return isa().name;
}

std::vector<std::string> supported_lanes_isas() {
  std::vector<std::string> out;
  for (const Isa* i : supported()) out.emplace_back(i->name);
  return out;
}

bool use_lanes_isa(std::string_view name) {
  for (const Isa* i : supported()) {
    if (name == i->name) {
      chosen().store(i);
      return true;
    }
  }
  return false;
}

}  // namespace dbtwin::pipeline::sip
