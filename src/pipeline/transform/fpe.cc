#include "pipeline/transform/fpe.h"

#include <bit>
#include <cstring>
#include <string>

namespace dbtwin::pipeline {
namespace {

constexpr int kRounds = 10;
// One round's PRF output (128 bits) gives eight 16-bit lanes, one per changed position.
constexpr size_t kLanes = 8;

// Writes bytes through a 64-bit register, eight at a time, little-endian on every machine. The
// hash loads its input eight bytes at a time, and a load that spans several one-byte stores
// misses store forwarding: perf showed that stall as a fifth of the hash's time.
class WordWriter {
 public:
  explicit WordWriter(char* out) : out_(out) {}
  void put(uint8_t byte) {
    word_ |= uint64_t{byte} << (8 * fill_);
    if (++fill_ == 8) flush();
  }
  void put_u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) put(static_cast<uint8_t>(v >> (8 * i)));
  }
  // The length written. Stores a whole word even for a partial one: `out` needs 7 spare bytes.
  size_t finish() {
    size_t len = len_ + fill_;
    if (fill_ > 0) flush();
    return len;
  }

 private:
  void flush() {
    uint64_t w = word_;
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    std::memcpy(out_ + len_, &w, sizeof w);
    len_ += 8;
    word_ = 0;
    fill_ = 0;
  }
  char* out_;
  size_t len_ = 0;
  uint64_t word_ = 0;
  int fill_ = 0;
};

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
  // block number (little-endian), since a half longer than kLanes takes several blocks.
  thread_local std::string input;
  input.resize(1 + (n - half) + 4 + 7);  // 7: WordWriter stores whole words
  char* in = input.data();
  for (int round = 0; round < kRounds; ++round) {
    bool even = round % 2 == 0;
    // Even rounds change [half, n) from [0, half); odd rounds the reverse.
    size_t src_from = even ? 0 : half, src_to = even ? half : n;
    size_t dst_from = even ? half : 0, dst_to = even ? n : half;
    if (dst_from == dst_to) continue;
    unsigned char block[16];
    for (size_t i = dst_from; i < dst_to; ++i) {
      size_t lane = (i - dst_from) % kLanes;
      if (lane == 0) {
        WordWriter w(in);
        w.put(static_cast<uint8_t>(round));
        for (size_t j = src_from; j < src_to; ++j) w.put(static_cast<uint8_t>(digits[j]));
        w.put_u32(static_cast<uint32_t>((i - dst_from) / kLanes));
        round_prf.hash(std::string_view(in, w.finish()), block);
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
