#include "pipeline/transform/fpe.h"

#include <cstring>
#include <string>

namespace dbtwin::pipeline {
namespace {

constexpr int kRounds = 10;
// One round's PRF output (128 bits) gives eight 16-bit lanes, one per changed position.
constexpr size_t kLanes = 8;

}  // namespace

FormatCipher::FormatCipher(const MaskKey& key, std::string_view tweak)
    : prf_(key, std::string("fpe:").append(tweak)) {}

void FormatCipher::permute(std::vector<uint32_t>& digits,
                           const std::vector<uint32_t>& radices) const {
  size_t n = digits.size();
  size_t half = n / 2;
  // The shape (every radix) keys the rounds: two shapes never share a permutation. Its own PRF
  // is derived once per value, so a round hashes only its number and the other half.
  thread_local std::string shape;  // reused: no allocation per value
  shape.assign(1, 'S');
  for (uint32_t r : radices) shape.push_back(static_cast<char>(r - 1));
  ShortPrf round_prf = prf_.derive(shape);
  // A round's input: its number, the source half (a byte per digit, as radices <= 256) and a
  // block number, since a half longer than kLanes takes several blocks.
  thread_local std::string input;
  input.resize(1 + (n - half) + 4);
  char* in = input.data();
  for (int round = 0; round < kRounds; ++round) {
    bool even = round % 2 == 0;
    // Even rounds change [half, n) from [0, half); odd rounds the reverse.
    size_t src_from = even ? 0 : half, src_to = even ? half : n;
    size_t dst_from = even ? half : 0, dst_to = even ? n : half;
    if (dst_from == dst_to) continue;
    size_t len = 0;
    in[len++] = static_cast<char>(round);
    for (size_t i = src_from; i < src_to; ++i) in[len++] = static_cast<char>(digits[i]);
    std::string_view round_input(in, len + 4);
    unsigned char block[16];
    for (size_t i = dst_from; i < dst_to; ++i) {
      size_t lane = (i - dst_from) % kLanes;
      if (lane == 0) {
        auto number = static_cast<uint32_t>((i - dst_from) / kLanes);
        std::memcpy(in + len, &number, sizeof number);
        round_prf.hash(round_input, block);
      }
      uint32_t r = radices[i];
      if (r <= 1) continue;
      // A lane scaled to [0, r): at most r/65536 of bias, which the bijection does not need
      // away (any added vector is undone by subtracting it), for a multiply instead of a draw.
      uint32_t x = static_cast<uint32_t>(block[2 * lane]) | (uint32_t{block[2 * lane + 1]} << 8);
      uint32_t d = digits[i] + ((x * r) >> 16);
      digits[i] = d >= r ? d - r : d;
    }
  }
}

}  // namespace dbtwin::pipeline
