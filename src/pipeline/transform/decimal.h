// Decimal text to double and back, exactly as std::from_chars and std::to_chars (fixed) do, with
// fast paths for the numbers a numeric column holds. noise reads and writes one number per value,
// and the two library calls were most of its time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dbtwin::pipeline {

// [+-]digits[.digits] (at least one digit) as the nearest double, as from_chars gives it (a '+'
// is allowed); false for any other text. `decimals` gets the number of digits after the point.
bool parse_decimal_text(std::string_view text, double& value, int& decimals);

// Appends what std::to_chars(x, std::chars_format::fixed, decimals) writes (0 <= decimals).
void append_fixed(std::string& out, double x, int decimals);

}  // namespace dbtwin::pipeline
