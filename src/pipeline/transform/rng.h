// Random numbers for masking: a small fast generator (xoshiro256**) seeded either by a keyed
// SipHash of the value (deterministic mode) or from the kernel once per thread.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace dbtwin::pipeline {

using MaskKey = std::array<unsigned char, 32>;

class Rng {
 public:
  // Seeds from 32 bytes (a hash output); an all-zero state is avoided.
  explicit Rng(const unsigned char* seed32);
  // Seeds from 16 bytes (a SipHash-128 output), spread over the state by splitmix64.
  static Rng from_seed16(const unsigned char* seed16);

  uint64_t next();
  // Uniform in [0, n); n must be > 0.
  uint64_t below(uint64_t n);
  // Uniform in [lo, hi] (inclusive).
  int64_t between(int64_t lo, int64_t hi);
  // Uniform in [0, 1).
  double unit();

 private:
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
  // A generator seeded by hash(data).
  Rng rng(std::string_view data) const;
  // The PRF keyed by hash(data): a keyed family of PRFs, one per `data`, whose later inputs need
  // not repeat `data` (the Feistel rounds of one value shape hash a few bytes each, not 20).
  ShortPrf derive(std::string_view data) const;

 private:
  ShortPrf() = default;
  std::array<unsigned char, 16> subkey_{};
};

// A generator drawn from this thread's generator, itself seeded once from the kernel.
Rng thread_rng();

}  // namespace dbtwin::pipeline
