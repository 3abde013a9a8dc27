#include "pipeline/transform/fpe.h"

#include <string>

namespace dbtwin::pipeline {
namespace {

constexpr int kRounds = 10;

}  // namespace

FormatCipher::FormatCipher(const MaskKey& key, std::string_view tweak)
    : prf_(key, std::string("fpe:").append(tweak)) {}

void FormatCipher::permute(std::vector<uint32_t>& digits,
                           const std::vector<uint32_t>& radices) const {
  size_t n = digits.size();
  size_t half = n / 2;
  // The shape (every radix) keys the rounds: two shapes never share a permutation.
  thread_local std::string buf;  // reused: no allocation per value
  buf.assign(1, 'S');
  for (uint32_t r : radices) buf.push_back(static_cast<char>(r - 1));
  unsigned char shape[16];
  prf_.hash(buf, shape);
  for (int round = 0; round < kRounds; ++round) {
    bool even = round % 2 == 0;
    // Even rounds change [half, n) from [0, half); odd rounds the reverse.
    size_t src_from = even ? 0 : half, src_to = even ? half : n;
    size_t dst_from = even ? half : 0, dst_to = even ? n : half;
    if (dst_from == dst_to) continue;
    buf.assign(reinterpret_cast<const char*>(shape), sizeof shape);
    buf.push_back(static_cast<char>(round));
    for (size_t i = src_from; i < src_to; ++i) buf.push_back(static_cast<char>(digits[i]));
    Rng f = prf_.rng(buf);
    for (size_t i = dst_from; i < dst_to; ++i) {
      if (radices[i] <= 1) continue;
      digits[i] = static_cast<uint32_t>((digits[i] + f.below(radices[i])) % radices[i]);
    }
  }
}

}  // namespace dbtwin::pipeline
