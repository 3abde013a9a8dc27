#include "pipeline/transform/fpe.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "pipeline/transform/siphash_many.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dbtwin::pipeline {
namespace {

constexpr int kRounds = 10;
// One round's PRF output (128 bits) gives eight 16-bit lanes, one per changed position.
constexpr size_t kLanes = 8;

__extension__ using u128 = unsigned __int128;

struct Scratch {
  std::string shapes;
  std::vector<size_t> shape_ends;
  std::vector<std::string_view> shape_views;
  std::vector<sip::Key> keys;  // each value's round key
  std::vector<uint64_t> hashes;
};

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

// Up to eight digits at p as bytes of a little-endian word (each digit is below 256).
uint64_t digit_bytes(const uint16_t* p, size_t count) {
#if defined(__SSE2__)
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));  // within the padding
  uint64_t bytes = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_packus_epi16(v, v)));
#else
  uint64_t bytes = 0;
  for (size_t i = 0; i < 8; ++i) bytes |= static_cast<uint64_t>(p[i] & 0xff) << (8 * i);
#endif
  return count >= 8 ? bytes : bytes & ((uint64_t{1} << (8 * count)) - 1);
}

// The round message of one block, packed little-endian into `words` (zero past its end; room
// for (1 + source half + 4 + 7) / 8 words), a byte at a time through a register.
void pack_words(int round, const FpeValue& v, const Halves& h, size_t block, uint64_t* words) {
  uint64_t word = 0;
  unsigned fill = 0;
  auto put = [&](uint64_t byte) {
    word |= byte << (8 * fill);
    if (++fill == 8) {
      *words++ = word;
      word = 0;
      fill = 0;
    }
  };
  put(static_cast<uint64_t>(round));
  for (size_t i = h.src_from; i < h.src_to; ++i) put(v.digits[i] & 0xff);
  for (int i = 0; i < 4; ++i) put((block >> (8 * i)) & 0xff);
  if (fill > 0) *words = word;
}

// The round message of one block (the round number, the source half a byte per digit, the
// block number little-endian) into lane j of `in`. Built in registers: bytes written one by
// one and read back eight at a time miss store forwarding.
void pack_lane(sip::LaneInput& in, size_t j, const sip::Key& key, int round, const FpeValue& v,
               const Halves& h, size_t block) {
  size_t src = h.src_to - h.src_from, len = 1 + src + 4;
  in.k0[j] = key.k0;
  in.k1[j] = key.k1;
  if (len <= 16) {  // a source half of at most 11 positions: the message is one 128-bit number
    const uint16_t* d = v.digits + h.src_from;
    u128 m = static_cast<u128>(digit_bytes(d, std::min<size_t>(src, 8))) << 8;
    if (src > 8) m |= static_cast<u128>(digit_bytes(d + 8, src - 8)) << 72;
    m |= round;
    m |= static_cast<u128>(static_cast<uint32_t>(block)) << (8 * (1 + src));
    auto lo = static_cast<uint64_t>(m), hi = static_cast<uint64_t>(m >> 64);
    size_t full = len / 8;
    if (full >= 1) in.words[0][j] = lo;
    if (full >= 2) in.words[1][j] = hi;
    uint64_t tail = full == 0 ? lo : full == 1 ? hi : 0;
    in.full[j] = full;
    in.last[j] = tail | (static_cast<uint64_t>(len) << 56);
    in.most = std::max(in.most, full);
    return;
  }
  // Longer halves (that still fit the lanes).
  uint64_t words[sip::LaneInput::kMaxBlocks + 1];
  pack_words(round, v, h, block, words);
  in.set(j, key, words, len);
}

// Adds a round output's 16-bit lanes to positions [from, to) of `v` (to - from <= 8), lane L to
// position from + L. A lane is scaled to [0, r) as (x * r) >> 16: at most r/65536 of bias, which
// the bijection does not need away (any added vector is undone by subtracting it), for a
// multiply instead of a draw.
void add_lanes(const FpeValue& v, size_t from, size_t to, const uint64_t out[2]) {
#if defined(__SSE2__)
  // Eight positions at once; lanes past `to` add nothing (and stores there rewrite what was).
  __m128i x = _mm_set_epi64x(static_cast<long long>(out[1]), static_cast<long long>(out[0]));
  __m128i r = _mm_loadu_si128(reinterpret_cast<const __m128i*>(v.radices + from));
  __m128i d = _mm_loadu_si128(reinterpret_cast<__m128i*>(v.digits + from));
  static const uint16_t kOnes[16] = {0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff,
                                     0,      0,      0,      0,      0,      0,      0,      0};
  __m128i used = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kOnes + 8 - (to - from)));
  d = _mm_add_epi16(d, _mm_and_si128(_mm_mulhi_epu16(x, r), used));
  // d < 2r <= 512: a signed compare is exact. d >= r takes r off.
  __m128i below = _mm_cmpgt_epi16(r, d);
  d = _mm_sub_epi16(d, _mm_andnot_si128(below, r));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(v.digits + from), d);
#else
  for (size_t i = from; i < to; ++i) {
    uint32_t r = v.radices[i];
    size_t lane = i - from;
    auto x = static_cast<uint32_t>((out[lane / 4] >> (16 * (lane % 4))) & 0xffff);
    uint32_t d = v.digits[i] + ((x * r) >> 16);
    v.digits[i] = static_cast<uint16_t>(d >= r ? d - r : d);
  }
#endif
}

// One round block hashed on its own: a source half too long for the lanes.
void hash_apart(const sip::Key& key, int round, const FpeValue& v, const Halves& h, size_t block,
                size_t from, size_t to) {
  size_t len = 1 + (h.src_to - h.src_from) + 4;
  std::vector<uint64_t> words((len + 7) / 8);
  pack_words(round, v, h, block, words.data());
  uint64_t out[2];
  sip::hash128_words(key, words.data(), len, out);
  add_lanes(v, from, to, out);
}

}  // namespace

FormatCipher::FormatCipher(const MaskKey& key, std::string_view tweak)
    : prf_(key, std::string("fpe:").append(tweak)) {}

void FormatCipher::permute(std::vector<uint32_t>& digits,
                           const std::vector<uint32_t>& radices) const {
  std::vector<uint16_t> d(digits.size() + kFpePad, 0), r(digits.size() + kFpePad, 1);
  for (size_t i = 0; i < digits.size(); ++i) {
    d[i] = static_cast<uint16_t>(digits[i]);
    r[i] = static_cast<uint16_t>(radices[i]);
  }
  FpeValue v{d.data(), r.data(), digits.size()};
  permute_many(&v, 1);
  for (size_t i = 0; i < digits.size(); ++i) digits[i] = d[i];
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
        pack_lane(in, used, sc.keys[i], round, v, h, b);
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
