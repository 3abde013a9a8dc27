// Format-preserving encryption for unique-preserving masking: a keyed permutation of digit
// vectors in which each position keeps its own radix (a mixed-radix number), so a string of
// lowercase letters stays lowercase letters of the same length, digits stay digits, and distinct
// inputs always give distinct outputs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/transform/rng.h"

namespace dbtwin::pipeline {

// One value for permute_many: digits[i] < radices[i] <= 256, for i < n. Both arrays hold
// kFpePad more entries that belong to this value alone (radix 1, digit 0): a round updates eight
// positions at a time, and its last block may run past n.
constexpr size_t kFpePad = 8;
struct FpeValue {
  uint16_t* digits;
  const uint16_t* radices;
  size_t n;
};

class FormatCipher {
 public:
  // `tweak` separates domains (the transformer's name): the same key gives unrelated
  // permutations for different tweaks.
  FormatCipher(const MaskKey& key, std::string_view tweak);

  // Permutes `digits` in place (digits[i] < radices[i] <= 256; a radix of 1 is a kept
  // position). A balanced Feistel network whose rounds add a keyed pseudo-random vector,
  // position by position modulo that position's radix, to one half from the other: each round
  // is invertible, so the whole is a bijection on the mixed-radix domain without cycle-walking.
  void permute(std::vector<uint32_t>& digits, const std::vector<uint32_t>& radices) const;
  // permute() on each of `count` values, all at once: the values go through each round together,
  // so that the round hashes of different values fill the lanes of sip::hash128_words_x8.
  void permute_many(const FpeValue* values, size_t count) const;

 private:
  ShortPrf prf_;  // the round function's PRF, keyed for this tweak
};

}  // namespace dbtwin::pipeline
