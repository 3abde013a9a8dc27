#include "pipeline/transform/decimal.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace dbtwin::pipeline {
namespace {

__extension__ using u128 = unsigned __int128;

// Powers of ten that doubles hold exactly (up to 10^22), and as integers up to 10^19.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr uint64_t kTen19 = 10000000000000000000ULL;
constexpr uint64_t kPow10u[] = {1,      10,      100,      1000,      10000,
                                100000, 1000000, 10000000, 100000000, 1000000000};

// Appends q in decimal.
void append_u128(std::string& out, u128 q) {
  char text[24];
  if (q < kTen19) {
    char* end = std::to_chars(text, text + sizeof text, static_cast<uint64_t>(q)).ptr;
    out.append(text, static_cast<size_t>(end - text));
    return;
  }
  auto hi = static_cast<uint64_t>(q / kTen19), lo = static_cast<uint64_t>(q % kTen19);
  char* end = std::to_chars(text, text + sizeof text, hi).ptr;
  out.append(text, static_cast<size_t>(end - text));
  end = std::to_chars(text, text + sizeof text, lo).ptr;
  out.append(19 - static_cast<size_t>(end - text), '0')
      .append(text, static_cast<size_t>(end - text));
}

// The fixed text of x with `decimals` digits, from x's exact binary value: x = m * 2^e, so
// x * 10^decimals = m * 10^decimals * 2^e, rounded half to even, exactly (128-bit). false where
// that does not fit (huge, tiny, subnormal or not finite x, or many decimals).
bool append_fixed_exact(std::string& out, double x, int decimals) {
  if (decimals > 9 || !std::isfinite(x)) return false;
  auto bits = std::bit_cast<uint64_t>(x);
  bool negative = (bits >> 63) != 0;
  auto exponent = static_cast<int>((bits >> 52) & 0x7ff);
  uint64_t fraction = bits & ((uint64_t{1} << 52) - 1);
  uint64_t m = 0;
  int e = 0;
  if (exponent != 0) {
    m = fraction | (uint64_t{1} << 52);
    e = exponent - 1075;
  } else if (fraction != 0) {
    return false;  // subnormal
  }
  u128 n = static_cast<u128>(m) * kPow10u[decimals];  // below 2^83
  u128 q;
  if (e >= 0) {
    if (e > 40) return false;
    q = n << e;
  } else {
    int s = -e;
    if (s > 110) return false;
    q = n >> s;
    u128 rest = n - (q << s), half = static_cast<u128>(1) << (s - 1);
    if (rest > half || (rest == half && (q & 1) != 0)) ++q;
  }
  if (negative) out.push_back('-');
  size_t at = out.size();
  append_u128(out, q);
  auto d = static_cast<size_t>(decimals);
  size_t digits = out.size() - at;
  if (d == 0) return true;
  if (digits <= d) out.insert(at, d - digits + 1, '0');  // 0.00ddd
  out.insert(out.size() - d, 1, '.');
  return true;
}

}  // namespace

bool parse_decimal_text(std::string_view v, double& value, int& decimals) {
  size_t i = 0;
  bool negative = false;
  if (i < v.size() && (v[i] == '-' || v[i] == '+')) negative = v[i++] == '-';
  uint64_t m = 0;
  size_t digits = 0, int_digits = 0, frac_digits = 0;
  auto take = [&](char c) {
    if (digits < 19) m = m * 10 + static_cast<uint64_t>(c - '0');
    ++digits;
  };
  for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i, ++int_digits) take(v[i]);
  if (i < v.size() && v[i] == '.') {
    for (++i; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i, ++frac_digits) take(v[i]);
  }
  if (i != v.size() || int_digits + frac_digits == 0) return false;
  decimals = static_cast<int>(frac_digits);
  // Clinger's fast path: both operands exact doubles, so one division rounds correctly.
  if (digits <= 19 && m < (uint64_t{1} << 53) && frac_digits <= 22) {
    double x = static_cast<double>(m) / kPow10[frac_digits];
    value = negative ? -x : x;
    return true;
  }
  // from_chars takes no '+'; the shape is already checked, so it cannot fail on the rest.
  size_t from = v[0] == '+' ? 1 : 0;
  std::from_chars(v.data() + from, v.data() + v.size(), value);
  return true;
}

void append_fixed(std::string& out, double x, int decimals) {
  if (append_fixed_exact(out, x, decimals)) return;
  // Room for the longest fixed double: a sign, 309 integer digits, the point and decimals.
  thread_local std::string text;
  text.resize(312 + static_cast<size_t>(decimals));
  char* end =
      std::to_chars(text.data(), text.data() + text.size(), x, std::chars_format::fixed, decimals)
          .ptr;
  out.append(text.data(), static_cast<size_t>(end - text.data()));
}

}  // namespace dbtwin::pipeline
