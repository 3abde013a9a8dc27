// A value's "shape": which characters are ASCII letters (and their case) or digits. The random
// and format-keeping transformers change characters within their class and keep everything
// else, so separators, punctuation and non-ASCII text keep their places and UTF-8 stays valid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/transform/fpe.h"
#include "pipeline/transform/rng.h"

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

// The code points of a UTF-8 string as slices; an invalid byte is a slice of its own.
std::vector<std::string_view> code_points(std::string_view s);

}  // namespace dbtwin::pipeline
