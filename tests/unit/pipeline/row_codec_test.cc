#include <gtest/gtest.h>

#include <random>

#include "pipeline/row_codec.h"

namespace dbtwin::pipeline {
namespace {

std::vector<std::string> split_ok(std::string_view line) {
  auto r = split_fields(line);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  std::vector<std::string> out;
  if (r.ok()) {
    for (auto f : *r) out.emplace_back(f);
  }
  return out;
}

TEST(RowCodec, SplitsOnTabsAndKeepsEscapedTabsInsideAField) {
  EXPECT_EQ(split_ok("a\tb\tc"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split_ok(""), (std::vector<std::string>{""}));
  EXPECT_EQ(split_ok("\t"), (std::vector<std::string>{"", ""}));
  EXPECT_EQ(split_ok("a\\\tb\tc"), (std::vector<std::string>{"a\\\tb", "c"}));
  EXPECT_EQ(split_ok("x\\\\\ty"), (std::vector<std::string>{"x\\\\", "y"}));
  EXPECT_EQ(split_ok("\\N\t1"), (std::vector<std::string>{"\\N", "1"}));
}

TEST(RowCodec, RefusesADanglingBackslash) {
  auto r = split_fields("a\tb\\");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_FALSE(decode_field(RowFormat::pg_copy_text, "ab\\").ok());
}

TEST(RowCodec, DecodesPostgresEscapes) {
  auto d = [](std::string_view f) { return *decode_field(RowFormat::pg_copy_text, f); };
  EXPECT_EQ(d("plain"), std::optional<std::string>("plain"));
  EXPECT_EQ(d("\\N"), std::nullopt);
  EXPECT_EQ(d("\\\\N"), std::optional<std::string>("\\N"));
  EXPECT_EQ(d("\\N\\N"), std::optional<std::string>("NN"));
  EXPECT_EQ(d("a\\b\\f\\n\\r\\t\\v\\\\z"), std::optional<std::string>("a\b\f\n\r\t\v\\z"));
  EXPECT_EQ(d("\\101\\7\\0123"), std::optional<std::string>("A\a\n3"));
  EXPECT_EQ(d("\\x41\\x4a\\x7g\\xz"), std::optional<std::string>("AJ\agxz"));
  EXPECT_EQ(d("\\q\\é"), std::optional<std::string>("q\xc3\xa9"));
  EXPECT_EQ(d(""), std::optional<std::string>(""));
}

TEST(RowCodec, DecodesMysqlEscapes) {
  auto d = [](std::string_view f) { return *decode_field(RowFormat::mysql_load_text, f); };
  EXPECT_EQ(d("\\N"), std::nullopt);
  EXPECT_EQ(d("\\0\\b\\n\\r\\t\\Z\\\\\\x"),
            std::optional<std::string>(std::string("\0\b\n\r\t\x1a\\x", 8)));
  EXPECT_EQ(d("a\\\nb"), std::optional<std::string>("a\nb"));  // INTO OUTFILE's escaped newline
}

TEST(RowCodec, EncodesEachFormatsEscapes) {
  std::string pg;
  append_field(RowFormat::pg_copy_text, pg, std::string_view("a\tb\nc\\d\re\bf\fg\vh\x1a"));
  EXPECT_EQ(pg, "a\\tb\\nc\\\\d\\re\\bf\\fg\\vh\x1a");
  std::string my;
  append_field(RowFormat::mysql_load_text, my, std::string_view("a\tb\nc\\d\r\x1a\0e", 11));
  EXPECT_EQ(my, "a\\tb\\nc\\\\d\\r\\Z\\0e");
  std::string n;
  append_field(RowFormat::mysql_load_text, n, std::optional<std::string>());
  append_field(RowFormat::pg_copy_text, n, std::optional<std::string>("\\N"));
  EXPECT_EQ(n, "\\N\\\\N");
}

// append_field scans eight bytes at a time for bytes that may need an escape: one special byte at
// every position of a long field, among neighbours that must pass (0x20, '[', ']', UTF-8 bytes),
// is escaped once and only once.
TEST(RowCodec, EscapesOneSpecialByteAtAnyPositionOfALongField) {
  const std::string filler = "a []\x7f\x80\xc3\xa9\xff~";
  for (RowFormat f : {RowFormat::pg_copy_text, RowFormat::mysql_load_text}) {
    std::string plain;
    for (int i = 0; i < 7; ++i) plain += filler;
    std::string out;
    append_field(f, out, std::string_view(plain));
    EXPECT_EQ(out, plain);  // nothing to escape: the bytes go out as they are
    for (char special : {'\\', '\t', '\n', '\r'}) {
      for (size_t pos = 0; pos < plain.size(); ++pos) {
        std::string raw = plain;
        raw[pos] = special;
        std::string line;
        append_field(f, line, std::string_view(raw));
        ASSERT_EQ(line.size(), raw.size() + 1) << "position " << pos;
        EXPECT_EQ(line[pos], '\\') << "position " << pos;
        EXPECT_EQ(**decode_field(f, line), raw);
      }
    }
  }
}

TEST(RowCodec, RoundTripsArbitraryBytes) {
  std::mt19937 rng(42);
  for (RowFormat f : {RowFormat::pg_copy_text, RowFormat::mysql_load_text}) {
    for (int i = 0; i < 2000; ++i) {
      std::string raw(rng() % 40, '\0');
      for (char& c : raw) {
        c = static_cast<char>(rng() % 256);
        if (f == RowFormat::pg_copy_text && c == '\0') c = '\\';
      }
      std::string line;
      append_field(f, line, std::string_view(raw));
      line.push_back('\t');
      append_field(f, line, std::optional<std::string>());
      line.push_back('\t');
      append_field(f, line, std::string_view("x"));
      ASSERT_EQ(line.find('\n'), std::string::npos);
      auto fields = split_fields(line);
      ASSERT_TRUE(fields.ok());
      ASSERT_EQ(fields->size(), 3u);
      auto back = decode_field(f, (*fields)[0]);
      ASSERT_TRUE(back.ok());
      ASSERT_TRUE(back->has_value());
      EXPECT_EQ(**back, raw);
      EXPECT_FALSE(decode_field(f, (*fields)[1])->has_value());
      EXPECT_EQ(**decode_field(f, (*fields)[2]), "x");
    }
  }
}

}  // namespace
}  // namespace dbtwin::pipeline
