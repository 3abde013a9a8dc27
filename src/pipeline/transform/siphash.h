// SipHash-2-4 with a 128-bit output, the function of libsodium's crypto_shorthash_siphashx24,
// inline. Masking computes it about twenty times per row (once per deterministic value, once per
// Feistel round); libsodium's copy is a call through the PLT that reads its tail a byte at a
// time. Same outputs: tests/unit/pipeline/siphash_test.cc compares the two on every length.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace dbtwin::pipeline::sip {

// The 16-byte key as two little-endian words.
struct Key {
  uint64_t k0 = 0, k1 = 0;
};

inline uint64_t load_le64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

inline void store_le64(unsigned char* p, uint64_t v) {
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

inline Key key_of(const unsigned char bytes[16]) {
  return {load_le64(bytes), load_le64(bytes + 8)};
}

struct State {
  uint64_t v0, v1, v2, v3;

  explicit State(const Key& k)
      : v0(0x736f6d6570736575ULL ^ k.k0),
        v1(0x646f72616e646f6dULL ^ k.k1 ^ 0xee),  // 0xee: the 128-bit output variant
        v2(0x6c7967656e657261ULL ^ k.k0),
        v3(0x7465646279746573ULL ^ k.k1) {}

  void round() {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }

  void compress(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }

  // The last block (`tail`: the message's last len % 8 bytes, little-endian) and both halves of
  // the output: h[0] is its first eight bytes as a little-endian word, h[1] the last eight.
  void finish(uint64_t tail, size_t len, uint64_t h[2]) {
    compress(tail | (static_cast<uint64_t>(len) << 56));
    v2 ^= 0xee;
    for (int i = 0; i < 4; ++i) round();
    h[0] = v0 ^ v1 ^ v2 ^ v3;
    v1 ^= 0xdd;
    for (int i = 0; i < 4; ++i) round();
    h[1] = v0 ^ v1 ^ v2 ^ v3;
  }
};

inline uint64_t load_le32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}

// The n (< 8) bytes at p, little-endian, without reading outside [p, p + n): overlapping loads
// instead of a switch on n, whose branch mispredicts when value lengths vary.
inline uint64_t load_tail(const unsigned char* p, size_t n) {
  if (n >= 4) return load_le32(p) | (load_le32(p + n - 4) << (8 * (n - 4)));
  if (n == 0) return 0;
  return uint64_t{p[0]} | (uint64_t{p[n / 2]} << (8 * (n / 2))) |
         (uint64_t{p[n - 1]} << (8 * (n - 1)));
}

// The last len % 8 bytes of the len-byte message at p, little-endian: for a message of eight
// bytes or more, one load of its last eight, shifted.
inline uint64_t message_tail(const unsigned char* p, size_t len) {
  size_t n = len % 8;
  if (len < 8) return load_tail(p, n);
  uint64_t w = load_le64(p + len - 8);
  return n == 0 ? 0 : w >> (64 - 8 * n);
}

// SipHash-2-4-128 of `data`, as two words (see State::finish).
inline void hash128(const Key& key, std::string_view data, uint64_t h[2]) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t len = data.size();
  State s(key);
  size_t full = len / 8;
  for (size_t i = 0; i < full; ++i) s.compress(load_le64(p + 8 * i));
  s.finish(message_tail(p, len), len, h);
}

// The same as the 16 bytes libsodium writes.
inline void hash128(const Key& key, std::string_view data, unsigned char out[16]) {
  uint64_t h[2];
  hash128(key, data, h);
  store_le64(out, h[0]);
  store_le64(out + 8, h[1]);
}

// The same for a message already packed into little-endian words: `words` holds len bytes, and
// the bytes of the last word past len are zero. Callers that build a message in registers use
// this: bytes stored one by one and read back eight at a time miss store forwarding.
inline void hash128_words(const Key& key, const uint64_t* words, size_t len, uint64_t h[2]) {
  State s(key);
  size_t full = len / 8;
  for (size_t i = 0; i < full; ++i) s.compress(words[i]);
  s.finish(len % 8 ? words[full] : 0, len, h);
}

}  // namespace dbtwin::pipeline::sip
