#include "pipeline/transform/fpe.h"

#include <algorithm>
#include <string>

#include "pipeline/transform/siphash_many.h"

namespace dbtwin::pipeline {
namespace {

constexpr int kRounds = 10;
// One round's PRF output (128 bits) gives eight 16-bit lanes, one per changed position.
constexpr size_t kLanes = 8;

struct Scratch {
  std::string shapes;
  std::vector<size_t> shape_ends;
  std::vector<std::string_view> shape_views;
  std::vector<sip::Key> keys;  // each value's round key
  std::vector<uint64_t> hashes;
};

// Writes the round message of block `block` of a value into lane j of `in`: the round number,
// the source half a byte per digit, the block number little-endian. Bytes gather in a register
// and each word is stored once: or-ing bytes into memory made a chain of loads and stores.
void pack_lane(sip::LaneInput& in, size_t j, const sip::Key& key, int round, const FpeValue& v,
               size_t src_from, size_t src_to, size_t block) {
  size_t len = 1 + (src_to - src_from) + 4;
  uint64_t word = 0;
  unsigned fill = 0;
  size_t blocks = 0;
  auto put = [&](uint64_t byte) {
    word |= byte << (8 * fill);
    if (++fill == 8) {
      in.words[blocks++][j] = word;
      word = 0;
      fill = 0;
    }
  };
  put(static_cast<uint64_t>(round));
  for (size_t i = src_from; i < src_to; ++i) put(v.digits[i] & 0xff);
  for (int i = 0; i < 4; ++i) put((block >> (8 * i)) & 0xff);
  in.k0[j] = key.k0;
  in.k1[j] = key.k1;
  in.full[j] = blocks;
  in.last[j] = word | (static_cast<uint64_t>(len) << 56);
  in.most = std::max(in.most, blocks);
}

// The changed and source halves of a round: even rounds change [half, n) from [0, half), odd
// rounds the reverse.
struct Halves {
  size_t src_from, src_to, dst_from, dst_to;
};
Halves halves(int round, size_t n) {
  size_t half = n / 2;
  if (round % 2 == 0) return {0, half, half, n};
  return {half, n, 0, half};
}

// Adds a round output's 16-bit lanes to positions [from, to) of `v`, one lane a position.
void add_lanes(const FpeValue& v, size_t from, size_t to, const uint64_t out[2]) {
  for (size_t i = from; i < to; ++i) {
    uint32_t r = v.radices[i];
    if (r <= 1) continue;
    // Lane L is bytes 2L and 2L + 1 of the output, little-endian.
    size_t lane = i - from;
    auto x = static_cast<uint32_t>((out[lane / 4] >> (16 * (lane % 4))) & 0xffff);
    // A lane scaled to [0, r): at most r/65536 of bias, which the bijection does not need away
    // (any added vector is undone by subtracting it), for a multiply instead of a draw.
    uint32_t d = v.digits[i] + ((x * r) >> 16);
    v.digits[i] = d >= r ? d - r : d;
  }
}

// One round block hashed on its own: a source half too long for the lanes.
void hash_apart(const sip::Key& key, int round, const FpeValue& v, const Halves& h, size_t block,
                size_t from, size_t to) {
  std::vector<uint64_t> words((5 + (h.src_to - h.src_from) + 7) / 8, 0);
  size_t k = 0;
  auto put = [&](uint64_t byte) {
    words[k / 8] |= byte << (8 * (k % 8));
    ++k;
  };
  put(static_cast<uint64_t>(round));
  for (size_t i = h.src_from; i < h.src_to; ++i) put(v.digits[i] & 0xff);
  for (int i = 0; i < 4; ++i) put((block >> (8 * i)) & 0xff);
  uint64_t out[2];
  sip::hash128_words(key, words.data(), k, out);
  add_lanes(v, from, to, out);
}

}  // namespace

FormatCipher::FormatCipher(const MaskKey& key, std::string_view tweak)
    : prf_(key, std::string("fpe:").append(tweak)) {}

void FormatCipher::permute(std::vector<uint32_t>& digits,
                           const std::vector<uint32_t>& radices) const {
  FpeValue v{digits.data(), radices.data(), digits.size()};
  permute_many(&v, 1);
}

void FormatCipher::permute_many(const FpeValue* values, size_t count) const {
  thread_local Scratch sc;
  // The shape (every radix) keys the rounds: two shapes never share a permutation. Its own PRF is
  // derived once per value, so a round hashes only its number and the other half.
  sc.shapes.clear();
  sc.shape_ends.clear();
  for (size_t i = 0; i < count; ++i) {
    sc.shapes.push_back('S');
    for (size_t j = 0; j < values[i].n; ++j)
      sc.shapes.push_back(static_cast<char>(values[i].radices[j] - 1));
    sc.shape_ends.push_back(sc.shapes.size());
  }
  sc.shape_views.resize(count);
  for (size_t i = 0, from = 0; i < count; from = sc.shape_ends[i++])
    sc.shape_views[i] = std::string_view(sc.shapes).substr(from, sc.shape_ends[i] - from);
  sc.hashes.resize(2 * count);
  prf_.hash_many(sc.shape_views.data(), count, reinterpret_cast<uint64_t(*)[2]>(sc.hashes.data()));
  sc.keys.resize(count);
  for (size_t i = 0; i < count; ++i) sc.keys[i] = {sc.hashes[2 * i], sc.hashes[2 * i + 1]};

  for (int round = 0; round < kRounds; ++round) {
    // Every (value, block) of this round takes a lane; each full set of lanes is hashed and its
    // outputs added at once. Within a round the source halves do not change, so the order in
    // which blocks are done does not matter.
    sip::LaneInput in;
    const FpeValue* lane_value[sip::kLanes];
    size_t lane_from[sip::kLanes], lane_to[sip::kLanes];
    size_t used = 0;
    auto flush = [&] {
      uint64_t out[sip::kLanes][2];
      sip::hash_lanes(in, out);
      for (size_t j = 0; j < used; ++j) add_lanes(*lane_value[j], lane_from[j], lane_to[j], out[j]);
      in.most = 0;
      used = 0;
    };
    for (size_t i = 0; i < count; ++i) {
      const FpeValue& v = values[i];
      Halves h = halves(round, v.n);
      // Messages longer than the lanes take (halves of over 250 positions) are hashed apart.
      bool apart = 5 + (h.src_to - h.src_from) > 8 * sip::LaneInput::kMaxBlocks;
      for (size_t b = 0; h.dst_from + kLanes * b < h.dst_to; ++b) {
        size_t from = h.dst_from + kLanes * b, to = std::min(h.dst_to, from + kLanes);
        if (apart) {
          hash_apart(sc.keys[i], round, v, h, b, from, to);
          continue;
        }
        pack_lane(in, used, sc.keys[i], round, v, h.src_from, h.src_to, b);
        lane_value[used] = &v;
        lane_from[used] = from;
        lane_to[used] = to;
        if (++used == sip::kLanes) flush();
      }
    }
    if (used > 0) {
      // Unused lanes hash empty messages.
      for (size_t j = used; j < sip::kLanes; ++j) in.set(j, sip::Key{}, std::string_view());
      flush();
    }
  }
}

}  // namespace dbtwin::pipeline
