// Random numbers for masking: a small fast generator (xoshiro256**) seeded either by a keyed
// SipHash of the value (deterministic mode) or from the kernel once per thread.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "pipeline/transform/siphash.h"

namespace dbtwin::pipeline {

using MaskKey = std::array<unsigned char, 32>;

// Inline: masking draws a few numbers per value, and a call per draw cost as much as the draw.
class Rng {
 public:
  // Seeds from 32 bytes (a hash output); an all-zero state is avoided.
  explicit Rng(const unsigned char* seed32);
  // Seeds from 16 bytes (a SipHash-128 output), spread over the state by splitmix64.
  static Rng from_seed16(const unsigned char* seed16);
  // The same from the two little-endian words of those 16 bytes.
  static Rng from_seed_words(uint64_t w0, uint64_t w1) {
    // The seed is already pseudo-random: its halves fill two words, and splitmix64's finalizer
    // of each (with distinct constants) the other two.
    auto mix = [](uint64_t z) {
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      return z ^ (z >> 31);
    };
    Rng r;
    r.s_ = {w0, w1, mix(w0 ^ 0x9e3779b97f4a7c15ULL), mix(w1 ^ 0x3c6ef372fe94f82aULL)};
    if ((r.s_[0] | r.s_[1] | r.s_[2] | r.s_[3]) == 0) r.s_[0] = 0x9e3779b97f4a7c15ULL;
    return r;
  }

  uint64_t next() {
    uint64_t result = rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n); n must be > 0.
  uint64_t below(uint64_t n) {
    // Lemire's multiply-and-shift with rejection: unbiased, and a division only in the rare
    // case where a draw may need rejecting.
    u128 m = static_cast<u128>(next()) * n;
    auto low = static_cast<uint64_t>(m);
    if (low < n) [[unlikely]] {
      uint64_t threshold = -n % n;
      while (low < threshold) {
        m = static_cast<u128>(next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }
  // Uniform in [lo, hi] (inclusive).
  int64_t between(int64_t lo, int64_t hi);
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  // GCC and Clang's 128-bit integer; __extension__ keeps -Wpedantic quiet about it.
  __extension__ using u128 = unsigned __int128;
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  Rng() = default;
  std::array<uint64_t, 4> s_{};
};

// Keyed BLAKE2b-256 of `parts`, each length-prefixed so that part boundaries matter.
void keyed_hash(const MaskKey& key, std::initializer_list<std::string_view> parts,
                unsigned char out[32]);

// A generator seeded by keyed_hash(key, parts).
Rng keyed_rng(const MaskKey& key, std::initializer_list<std::string_view> parts);

// The per-value PRF of deterministic masking: SipHash-2-4 with a 128-bit output, keyed by a
// subkey derived once per transformer. A keyed BLAKE2b costs two compressions per value and was
// most of a masked dump's CPU; SipHash is a PRF made for short inputs, at a tenth of the cost.
class ShortPrf {
 public:
  // The subkey is keyed_hash(key, {"prf", domain}): domains never share outputs.
  ShortPrf(const MaskKey& key, std::string_view domain);
  // 16 bytes of PRF output for `data`.
  void hash(std::string_view data, unsigned char out[16]) const;
  // The same 16 bytes as two little-endian words (first eight bytes, last eight).
  void hash(std::string_view data, uint64_t out[2]) const { sip::hash128(key_, data, out); }
  // The same for a message packed into words (see sip::hash128_words).
  void hash_words(const uint64_t* words, size_t len, uint64_t out[2]) const {
    sip::hash128_words(key_, words, len, out);
  }
  // hash(data[i], out[i]) for i < n, eight at a time (sip::hash128_many).
  void hash_many(const std::string_view* data, size_t n, uint64_t (*out)[2]) const;
  // A generator seeded by hash(data).
  Rng rng(std::string_view data) const;
  // The generator rng(data) is, from hash(data) computed already (as words).
  static Rng rng_from_hash(const uint64_t h[2]) {
    // from_seed16 read the output bytes in native order; on a little-endian machine that is h.
    if constexpr (std::endian::native == std::endian::little)
      return Rng::from_seed_words(h[0], h[1]);
    unsigned char seed[16];
    sip::store_le64(seed, h[0]);
    sip::store_le64(seed + 8, h[1]);
    return Rng::from_seed16(seed);
  }
  // The PRF keyed by hash(data): a keyed family of PRFs, one per `data`, whose later inputs need
  // not repeat `data` (the Feistel rounds of one value shape hash a few bytes each, not 20).
  ShortPrf derive(std::string_view data) const;

 private:
  ShortPrf() = default;
  sip::Key key_;  // SipHash-2-4's 16-byte key, as two words
};

// A generator drawn from this thread's generator, itself seeded once from the kernel.
Rng thread_rng();

}  // namespace dbtwin::pipeline
