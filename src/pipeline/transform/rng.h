// Random numbers for masking: a small fast generator (xoshiro256**) seeded either by a keyed
// BLAKE2b hash (deterministic mode) or from the kernel once per thread.
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

// A generator drawn from this thread's generator, itself seeded once from the kernel.
Rng thread_rng();

}  // namespace dbtwin::pipeline
