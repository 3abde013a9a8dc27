#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "base/log.h"
#include "base/strings.h"

namespace dbtwin {
namespace {

TEST(Names, AcceptsTheDocumentedShape) {
  for (const std::string& ok :
       std::vector<std::string>{"a", "shop", "dev-1", "ci_42", "0day", std::string(63, 'x')}) {
    EXPECT_TRUE(validate_name("clone", ok).ok()) << ok;
  }
}

TEST(Names, RefusesHostileAndMalformedNames) {
  for (const std::string& bad :
       std::vector<std::string>{"", "../x", "a b", "a;b", "a;rm -rf", "A", "-x", "_x", "x/y", "a$b",
                                "a\nb", std::string(64, 'x'), "é"}) {
    auto r = validate_name("clone", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("invalid clone name"), std::string::npos);
  }
}

TEST(Durations, ParsesUnitsAndCombinations) {
  EXPECT_EQ(parse_duration("90s")->count(), 90);
  EXPECT_EQ(parse_duration("15m")->count(), 900);
  EXPECT_EQ(parse_duration("8h")->count(), 8 * 3600);
  EXPECT_EQ(parse_duration("2d")->count(), 2 * 86400);
  EXPECT_EQ(parse_duration("1h30m")->count(), 5400);
  EXPECT_EQ(parse_duration("45")->count(), 45);
  for (const char* bad : {"", "h", "8x", "0s", "-1h", "99999999999h"}) {
    EXPECT_FALSE(parse_duration(bad).ok()) << bad;
  }
}

TEST(Durations, FormatsForHumans) {
  EXPECT_EQ(format_duration(std::chrono::seconds(42)), "42s");
  EXPECT_EQ(format_duration(std::chrono::seconds(600)), "10m");
  EXPECT_EQ(format_duration(std::chrono::seconds(5400)), "1h30m");
  EXPECT_EQ(format_duration(std::chrono::seconds(-120)), "-2m");
}

TEST(Sizes, ParsesBinaryUnits) {
  EXPECT_EQ(*parse_size("4096"), 4096u);
  EXPECT_EQ(*parse_size("512M"), 512ull << 20);
  EXPECT_EQ(*parse_size("2G"), 2ull << 30);
  EXPECT_EQ(*parse_size("10GiB"), 10ull << 30);
  EXPECT_EQ(*parse_size("1.5G"), 3ull << 29);
  for (const char* bad : {"", "G", "12Q", "-1G"}) EXPECT_FALSE(parse_size(bad).ok()) << bad;
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(3ull << 29), "1.5 GiB");
}

TEST(Tokens, AreRandomAlphanumeric) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto t = random_token(20);
    ASSERT_EQ(t.size(), 20u);
    for (char c : t) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Urls, EncodeAndRedact) {
  EXPECT_EQ(url_encode("p@ss:w/rd"), "p%40ss%3Aw%2Frd");
  EXPECT_EQ(log::redact("copy from postgres://bob:s3cret@db:5432/x done"),
            "copy from postgres://bob:***@db:5432/x done");
  EXPECT_EQ(log::redact("mysql://root:pw@127.0.0.1/shop"), "mysql://root:***@127.0.0.1/shop");
  EXPECT_EQ(log::redact("no secrets here"), "no secrets here");
}

TEST(Strings, SplitTrimAffixes) {
  EXPECT_EQ(split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(trim("  x y \n"), "x y");
  EXPECT_TRUE(starts_with("snapshot:3", "snapshot:"));
  EXPECT_TRUE(ends_with("x.sql.gz", ".sql.gz"));
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00Z");
}

TEST(Strings, CountCharAgreesWithStdCountOnEveryLengthAndOffset) {
  // Long enough for the 255-block flush of the byte counters, with every tail length.
  std::string text;
  for (int i = 0; i < 9000; ++i) text.push_back("ab\ncd\n\n\xff"[i * 7 % 8]);
  for (size_t offset = 0; offset < 17; ++offset) {
    for (size_t len : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{4079},
                       size_t{4080}, size_t{4081}, text.size() - offset}) {
      std::string_view s(text.data() + offset, std::min(len, text.size() - offset));
      for (char c : {'\n', 'a', '\xff', 'z'}) {
        EXPECT_EQ(count_char(s, c), static_cast<size_t>(std::count(s.begin(), s.end(), c)))
            << offset << " " << len << " " << int(c);
      }
    }
  }
}

}  // namespace
}  // namespace dbtwin
