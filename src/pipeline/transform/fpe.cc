#include "pipeline/transform/fpe.h"

#include <sodium.h>

namespace dbtwin::pipeline {
namespace {

constexpr int kRounds = 10;

}  // namespace

FormatCipher::FormatCipher(const MaskKey& key, std::string_view tweak) {
  keyed_hash(key, {"fpe", tweak}, subkey_.data());
}

void FormatCipher::prf(std::string& buf, unsigned char out[32]) const {
  crypto_generichash(out, 32, reinterpret_cast<const unsigned char*>(buf.data()), buf.size(),
                     nullptr, 0);
}

void FormatCipher::permute(std::vector<uint32_t>& digits,
                           const std::vector<uint32_t>& radices) const {
  size_t n = digits.size();
  size_t half = n / 2;
  // The shape (every radix) keys the rounds: two shapes never share a permutation.
  std::string buf(reinterpret_cast<const char*>(subkey_.data()), subkey_.size());
  buf.push_back('S');
  for (uint32_t r : radices) buf.push_back(static_cast<char>(r - 1));
  unsigned char shape[32];
  prf(buf, shape);
  for (int round = 0; round < kRounds; ++round) {
    bool even = round % 2 == 0;
    // Even rounds change [half, n) from [0, half); odd rounds the reverse.
    size_t src_from = even ? 0 : half, src_to = even ? half : n;
    size_t dst_from = even ? half : 0, dst_to = even ? n : half;
    if (dst_from == dst_to) continue;
    buf.assign(reinterpret_cast<const char*>(subkey_.data()), subkey_.size());
    buf.append(reinterpret_cast<const char*>(shape), 16);
    buf.push_back(static_cast<char>(round));
    for (size_t i = src_from; i < src_to; ++i) buf.push_back(static_cast<char>(digits[i]));
    unsigned char seed[32];
    prf(buf, seed);
    Rng f(seed);
    for (size_t i = dst_from; i < dst_to; ++i) {
      if (radices[i] <= 1) continue;
      digits[i] = static_cast<uint32_t>((digits[i] + f.below(radices[i])) % radices[i]);
    }
  }
}

}  // namespace dbtwin::pipeline
