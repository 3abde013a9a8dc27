// SipHash-2-4-128 of many messages at once, eight lanes a step in vector registers: one hash is
// a chain of dependent rounds (about 50 cycles for a short value), but eight independent ones
// fit in the same time with AVX-512, and about four with AVX2. Masking hashes every
// deterministic value and every Feistel round, so a batch of values is hashed together.
// Outputs are those of sip::hash128 (and so of libsodium), lane by lane.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/transform/siphash.h"

namespace dbtwin::pipeline::sip {

constexpr size_t kLanes = 8;

// Eight messages laid out for whole-vector loads: lane j's key in k0[j], k1[j]; its full blocks
// (full[j] of them) in words[b][j]; its last block, the length byte included, in last[j].
// Filling a vector a lane at a time goes through memory (eight small stores, then a wide load
// that misses store forwarding), so callers write their lanes here and the vectors load whole.
struct alignas(64) LaneInput {
  static constexpr size_t kMaxBlocks = 32;  // 256-byte messages; longer ones are hashed apart
  uint64_t k0[kLanes], k1[kLanes], full[kLanes], last[kLanes];
  uint64_t words[kMaxBlocks][kLanes];
  size_t most = 0;  // the largest full[j]

  // Lane j hashes `data` (or `len` bytes of packed words) under `key`; false (lane unchanged)
  // for a message longer than kMaxBlocks blocks.
  bool set(size_t j, const Key& key, std::string_view data);
  bool set(size_t j, const Key& key, const uint64_t* packed, size_t len);
};

// out[j] = the hash of lane j, for every lane.
void hash_lanes(const LaneInput& in, uint64_t out[kLanes][2]);

// out[i] = hash128(key, data[i]) for i < n.
void hash128_many(const Key& key, const std::string_view* data, size_t n, uint64_t (*out)[2]);

// Eight packed messages, each under its own key: out[j] = hash128_words(keys[j], words[j],
// len[j]). A lane with words[j] == nullptr is skipped (its output is unspecified).
void hash128_words_x8(const Key keys[kLanes], const uint64_t* const words[kLanes],
                      const size_t len[kLanes], uint64_t out[kLanes][2]);

// The instruction set the eight-lane code runs with here: "avx512", "avx2" or "generic" (the
// best this CPU has, found at first use).
const char* lanes_isa();
// Every one this CPU can run, best first; and a switch to one of them (false if it is not
// among them), so that tests check each against the scalar hash.
std::vector<std::string> supported_lanes_isas();
bool use_lanes_isa(std::string_view name);

}  // namespace dbtwin::pipeline::sip
