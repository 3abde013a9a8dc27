// A value's "shape": which characters are ASCII letters (and their case) or digits. The random
// and format-keeping transformers change characters within their class and keep everything
// else, so separators, punctuation and non-ASCII text keep their places and UTF-8 stays valid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/transform/fpe.h"
#include "pipeline/transform/rng.h"
#include "pipeline/transform/transformer.h"

namespace dbtwin::pipeline {

enum class CharSet {
  alnum,   // letters (keeping case) and digits
  digits,  // digits only; letters are kept
  hex,     // hexadecimal digits (keeping case); others kept
};

// Digits: the first digit of a run of several keeps being non-zero (or zero), so integers keep
// their number of digits and stay valid integers.
std::string randomize_shape(std::string_view value, CharSet set, Rng& rng);
// The same classes through a keyed bijection: distinct inputs give distinct outputs.
std::string permute_shape(std::string_view value, CharSet set, const FormatCipher& cipher);
// The same two, appended to `out`.
void randomize_shape_to(std::string_view value, CharSet set, Rng& rng, std::string& out);
void permute_shape_to(std::string_view value, CharSet set, const FormatCipher& cipher,
                      std::string& out);

// A batch for permute_shapes: value i is parts[i] permuted, then suffixes[i] as it is (the
// domain of an e-mail address), or NULL where nulls[i].
struct ShapeBatch {
  const std::string_view* parts = nullptr;
  const std::string_view* suffixes = nullptr;
  const uint8_t* nulls = nullptr;
  size_t size = 0;
};
// permute_shape_to on every value of a batch, through FormatCipher::permute_many; closes one
// output per value in `out`.
void permute_shapes(const ShapeBatch& in, CharSet set, const FormatCipher& cipher,
                    MaskedBatch& out);
// The same on the values of `in` whole (`split` empty), or on what precedes the last `split`
// character of each, the rest kept (an e-mail address's domain).
void permute_values(const ValueBatch& in, CharSet set, const FormatCipher& cipher, MaskedBatch& out,
                    std::optional<char> split = std::nullopt);

// The code points of a UTF-8 string as slices; an invalid byte is a slice of its own.
std::vector<std::string_view> code_points(std::string_view s);

}  // namespace dbtwin::pipeline
