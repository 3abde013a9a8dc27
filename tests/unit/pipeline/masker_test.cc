#include <gtest/gtest.h>

#include <thread>

#include "pipeline/masker.h"
#include "pipeline/row_codec.h"

namespace dbtwin::pipeline {
namespace {

Rules rules_of(const std::string& yaml) {
  auto r = parse_rules(yaml, [](const std::string&) -> std::optional<std::string> {
    return "a-test-secret-long-enough-1234";
  });
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(*r) : Rules{};
}

TableInfo customer() {
  TableInfo t;
  t.schema = "public";
  t.name = "customer";
  for (const char* c : {"id", "name", "note", "email"}) t.columns.push_back({c, "text"});
  return t;
}

std::vector<std::optional<std::string>> decode_line(RowFormat f, std::string_view line) {
  std::vector<std::optional<std::string>> out;
  auto fields = split_fields(line);
  EXPECT_TRUE(fields.ok());
  if (!fields.ok()) return out;
  for (auto field : *fields) {
    auto v = decode_field(f, field);
    EXPECT_TRUE(v.ok());
    out.push_back(v.ok() ? v.value() : std::nullopt);
  }
  return out;
}

TEST(Masker, TablesWithoutChangingRulesPassThrough) {
  Rules r = rules_of("columns: {public.customer.id: transient, public.other.x: email}\n");
  auto m = TableMasker::make(r, customer(), RowFormat::pg_copy_text);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, nullptr);
}

TEST(Masker, MasksOnlyRuledColumnsAndCopiesTheRestVerbatim) {
  Rules r = rules_of(R"(
columns:
  public.customer.name: {transformer: constant, value: "tab\there\nnewline \\ back"}
  public.customer.email: {transformer: mask, keep_last: 4}
)");
  for (RowFormat f : {RowFormat::pg_copy_text, RowFormat::mysql_load_text}) {
    auto m = TableMasker::make(r, customer(), f);
    ASSERT_TRUE(m.ok() && *m);
    // note carries escapes that must survive byte for byte (including PG-only \x41 and octal).
    std::string in =
        "1\tJoe\tkeep\\tme \\\\ \\x41\\101\tjoe@x.example\n"
        "2\t\\N\t\\N\t\\N\n"
        "3\tAnn\t\t\\\\N\n";
    std::string out;
    ASSERT_TRUE((*m)->apply(in, out).ok());
    std::vector<std::string> lines;
    for (size_t p = 0, nl; (nl = out.find('\n', p)) != std::string::npos; p = nl + 1) {
      lines.push_back(out.substr(p, nl - p));
    }
    ASSERT_EQ(lines.size(), 3u);
    auto split0 = split_fields(lines[0]);
    ASSERT_TRUE(split0.ok());
    const auto& l0 = *split0;
    EXPECT_EQ(l0[0], "1");
    EXPECT_EQ(l0[2], "keep\\tme \\\\ \\x41\\101");  // untouched, still encoded
    auto d0 = decode_line(f, lines[0]);
    EXPECT_EQ(d0[1], std::optional<std::string>("tab\there\nnewline \\ back"));
    EXPECT_EQ(d0[3], std::optional<std::string>("*********mple"));
    auto d1 = decode_line(f, lines[1]);
    EXPECT_EQ(d1[1], std::optional<std::string>("tab\there\nnewline \\ back"));  // constant
    EXPECT_FALSE(d1[2].has_value());
    EXPECT_FALSE(d1[3].has_value());  // NULL stays NULL
    auto d2 = decode_line(f, lines[2]);
    EXPECT_EQ(d2[2], std::optional<std::string>(""));
    EXPECT_EQ(d2[3], std::optional<std::string>("**"));  // the text "\N" (masked), not NULL
  }
}

TEST(Masker, MysqlNulBytesSurvive) {
  Rules r = rules_of("columns: {public.customer.name: random}\n");
  auto m = TableMasker::make(r, customer(), RowFormat::mysql_load_text);
  std::string out;
  ASSERT_TRUE((*m)->apply("1\ta\\0b\\Zc\tn\te\n", out).ok());
  auto d = decode_line(RowFormat::mysql_load_text, out.substr(0, out.size() - 1));
  ASSERT_TRUE(d[1].has_value());
  EXPECT_EQ(d[1]->size(), 5u);
  EXPECT_EQ((*d[1])[1], '\0');
  EXPECT_EQ((*d[1])[3], '\x1a');
}

TEST(Masker, WrongFieldCountNamesTheTable) {
  Rules r = rules_of("columns: {public.customer.name: random}\n");
  auto m = TableMasker::make(r, customer(), RowFormat::pg_copy_text);
  std::string out;
  auto s = (*m)->apply("1\tonly two\n", out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("public.customer"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("2 fields"), std::string::npos) << s.error().message;
  EXPECT_FALSE((*m)->apply("1\ta\tb\tc\\\n", out).ok());
}

TEST(Masker, DeterministicAcrossThreadsAndTables) {
  Rules r = rules_of("columns: {\"*.*.email\": email}\n");
  TableInfo other = customer();
  other.name = "staff";
  auto a = TableMasker::make(r, customer(), RowFormat::pg_copy_text);
  auto b = TableMasker::make(r, other, RowFormat::pg_copy_text);
  std::string rows;
  for (int i = 0; i < 2000; ++i) rows += fmt::format("{}\tn\tx\tuser{}@corp.example\n", i, i % 50);
  std::string out_a, out_b1, out_b2;
  std::thread t1([&] { ASSERT_TRUE((*a)->apply(rows, out_a).ok()); });
  std::thread t2([&] { ASSERT_TRUE((*b)->apply(rows, out_b1).ok()); });
  std::thread t3([&] { ASSERT_TRUE((*b)->apply(rows, out_b2).ok()); });
  t1.join();
  t2.join();
  t3.join();
  EXPECT_EQ(out_a, out_b1);
  EXPECT_EQ(out_b1, out_b2);
  EXPECT_EQ(out_a.find("corp.example"), std::string::npos);
}

TEST(Masker, ListsTransformerDocs) {
  auto docs = transformer_docs();
  EXPECT_EQ(docs.size(), 27u);
  for (const auto& d : docs) EXPECT_FALSE(d.description.empty()) << d.name;
}

}  // namespace
}  // namespace dbtwin::pipeline
