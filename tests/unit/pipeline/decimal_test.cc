// The noise transformer's number reading and writing must be std::from_chars and std::to_chars
// exactly: masks made before these fast paths existed must not change.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <random>
#include <string>

#include "pipeline/transform/decimal.h"

namespace dbtwin::pipeline {
namespace {

std::string library_fixed(double x, int decimals) {
  std::string text(400, '\0');
  char* end =
      std::to_chars(text.data(), text.data() + text.size(), x, std::chars_format::fixed, decimals)
          .ptr;
  return std::string(text.data(), end);
}

std::string ours_fixed(double x, int decimals) {
  std::string out = "prefix";  // appends
  append_fixed(out, x, decimals);
  return out.substr(6);
}

TEST(Decimal, FixedTextEqualsToCharsOnRandomAndTieValues) {
  std::mt19937_64 gen(11);
  std::uniform_real_distribution<double> unit(-1, 1);
  std::vector<double> xs = {0.0,
                            -0.0,
                            0.125,
                            0.375,
                            2.5,
                            -2.5,
                            1e-300,
                            5e-324,
                            1e300,
                            1e22,
                            1e23,
                            0.005,
                            0.015,
                            0.025,
                            123.455,
                            -0.0049999,
                            9.995,
                            99.5,
                            1.0 / 3,
                            std::nextafter(0.125, 1.0),
                            std::nextafter(0.125, 0.0),
                            4503599627370496.5,
                            9007199254740993.0};
  for (int i = 0; i < 300000; ++i) {
    // Numbers of every magnitude, amounts like a numeric(10,2) column moved by noise, and exact
    // binary fractions (k / 2^j), whose digits can tie at the rounding place.
    xs.push_back(unit(gen) * std::pow(10.0, static_cast<int>(gen() % 40) - 12));
    xs.push_back(static_cast<double>(gen() % 10000000) / 100.0 * (1 + 0.1 * unit(gen)));
    xs.push_back(static_cast<double>(static_cast<int64_t>(gen() % 2000001) - 1000000) /
                 std::ldexp(1.0, static_cast<int>(gen() % 12)));
  }
  for (double x : xs) {
    for (int d : {0, 1, 2, 3, 4, 6, 9, 12}) {
      ASSERT_EQ(ours_fixed(x, d), library_fixed(x, d)) << x << " with " << d << " decimals";
    }
  }
}

TEST(Decimal, ParsingEqualsFromChars) {
  std::mt19937_64 gen(12);
  std::vector<std::string> texts = {"0",
                                    "-0",
                                    "+0.00",
                                    "00012.5000",
                                    "9007199254740993",
                                    "0.1",
                                    "-123.456",
                                    "1e5",
                                    "1.",
                                    ".5",
                                    "",
                                    "-",
                                    "1.2.3",
                                    "12345678901234567890.123",
                                    "+7",
                                    "99999999999999999999",
                                    "0.000000000000000000000001"};
  for (int i = 0; i < 300000; ++i) {
    std::string t = gen() % 3 == 0 ? "-" : "";
    for (size_t n = gen() % 22; n > 0; --n) t.push_back(static_cast<char>('0' + gen() % 10));
    if (gen() % 2) {
      t.push_back('.');
      for (size_t n = gen() % 12; n > 0; --n) t.push_back(static_cast<char>('0' + gen() % 10));
    }
    texts.push_back(t);
  }
  for (const std::string& t : texts) {
    double ours = 0;
    int decimals = -1;
    bool ok = parse_decimal_text(t, ours, decimals);
    // The shape: [+-]digits[.digits], a digit somewhere.
    size_t i = t.empty() || (t[0] != '-' && t[0] != '+') ? 0 : 1;
    size_t int_digits = 0, frac = 0;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i, ++int_digits;
    if (i < t.size() && t[i] == '.')
      for (++i; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) ++frac;
    bool shaped = i == t.size() && int_digits + frac > 0;
    ASSERT_EQ(ok, shaped) << "'" << t << "'";
    if (!ok) continue;
    double want = 0;
    size_t from = t[0] == '+' ? 1 : 0;
    std::from_chars(t.data() + from, t.data() + t.size(), want);
    ASSERT_EQ(std::signbit(ours), std::signbit(want)) << t;
    ASSERT_EQ(ours, want) << t;
    ASSERT_EQ(decimals, static_cast<int>(frac)) << t;
  }
}

}  // namespace
}  // namespace dbtwin::pipeline
