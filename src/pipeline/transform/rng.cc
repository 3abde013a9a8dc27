#include "pipeline/transform/rng.h"

#include "pipeline/transform/siphash_many.h"

#include <sodium.h>

#include <bit>
#include <cstring>

namespace dbtwin::pipeline {

Rng::Rng(const unsigned char* seed32) {
  std::memcpy(s_.data(), seed32, 32);
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 0x9e3779b97f4a7c15ULL;
}

Rng Rng::from_seed16(const unsigned char* seed16) {
  // The words as memcpy gave them before from_seed_words existed: native byte order.
  uint64_t w0, w1;
  std::memcpy(&w0, seed16, 8);
  std::memcpy(&w1, seed16 + 8, 8);
  return from_seed_words(w0, w1);
}

int64_t Rng::between(int64_t lo, int64_t hi) {  // not hot: a draw or two per value at most
  if (hi <= lo) return lo;
  uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<int64_t>(next());
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + below(span + 1));
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

ShortPrf::ShortPrf(const MaskKey& key, std::string_view domain) {
  unsigned char full[32];
  keyed_hash(key, {"prf", domain}, full);
  key_ = sip::key_of(full);  // the first 16 bytes
}

void ShortPrf::hash(std::string_view data, unsigned char out[16]) const {
  sip::hash128(key_, data, out);
}

Rng ShortPrf::rng(std::string_view data) const {
  uint64_t h[2];
  hash(data, h);
  return rng_from_hash(h);
}

void ShortPrf::hash_many(const std::string_view* data, size_t n, uint64_t (*out)[2]) const {
  sip::hash128_many(key_, data, n, out);
}

ShortPrf ShortPrf::derive(std::string_view data) const {
  // The subkey is the 16 output bytes, as the key bytes are read.
  ShortPrf out;
  uint64_t h[2];
  hash(data, h);
  out.key_ = {h[0], h[1]};
  return out;
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
