#include "pipeline/transform/rng.h"

#include <sodium.h>

#include <cstring>

namespace dbtwin::pipeline {
namespace {

uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

Rng::Rng(const unsigned char* seed32) {
  std::memcpy(s_.data(), seed32, 32);
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 0x9e3779b97f4a7c15ULL;
}

uint64_t Rng::next() {
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

uint64_t Rng::below(uint64_t n) {
  // Rejection sampling keeps the draw unbiased (the FPE relies on exact uniformity only for
  // quality, never for correctness).
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = next();
  } while (x >= limit);
  return x % n;
}

int64_t Rng::between(int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<int64_t>(next());
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + below(span + 1));
}

double Rng::unit() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

void keyed_hash(const MaskKey& key, std::initializer_list<std::string_view> parts,
                unsigned char out[32]) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.data(), key.size(), 32);
  for (std::string_view p : parts) {
    uint64_t n = p.size();
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
    crypto_generichash_update(&st, len, sizeof len);
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(p.data()), p.size());
  }
  crypto_generichash_final(&st, out, 32);
}

Rng keyed_rng(const MaskKey& key, std::initializer_list<std::string_view> parts) {
  unsigned char seed[32];
  keyed_hash(key, parts, seed);
  return Rng(seed);
}

Rng thread_rng() {
  thread_local Rng base = [] {
    unsigned char seed[32];
    randombytes_buf(seed, sizeof seed);
    return Rng(seed);
  }();
  unsigned char seed[32];
  for (int i = 0; i < 4; ++i) {
    uint64_t v = base.next();
    std::memcpy(seed + 8 * i, &v, 8);
  }
  return Rng(seed);
}

}  // namespace dbtwin::pipeline
