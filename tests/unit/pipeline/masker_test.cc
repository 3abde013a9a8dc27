#include <gtest/gtest.h>

#include <random>
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

// The masker against the plainest masking there is (split, decode, apply, encode, field by
// field), on rows of every kind of field: escapes of both formats, NULLs, the text "\N", raw
// control bytes, Unicode, and outputs that need escaping (a constant with a tab, a replacement
// with a backslash).
std::string reference_mask(const Rules& r, const TableInfo& t, RowFormat f,
                           std::string_view lines) {
  std::vector<std::unique_ptr<Transformer>> cols;
  for (const auto& c : t.columns) {
    const TransformerSpec* spec = find_rule(r, t.schema, t.name, c.name);
    bool verbatim = spec == nullptr || spec->name == "transient";  // copied, still encoded
    cols.push_back(verbatim ? nullptr : std::move(*make_transformer(*spec, r.keys)));
  }
  std::string out;
  for (size_t p = 0; p < lines.size();) {
    size_t nl = lines.find('\n', p);
    std::string_view line = lines.substr(p, nl - p);
    auto fields = split_fields(line);
    EXPECT_TRUE(fields.ok());
    for (size_t i = 0; i < fields->size(); ++i) {
      if (i > 0) out.push_back('\t');
      if (!cols[i]) {
        out.append((*fields)[i]);
        continue;
      }
      auto raw = decode_field(f, (*fields)[i]);
      auto masked = cols[i]->apply(*raw);
      EXPECT_TRUE(masked.ok()) << t.columns[i].name;
      append_field(f, out, *masked);
    }
    out.push_back('\n');
    p = nl + 1;
  }
  return out;
}

TEST(Masker, EqualsFieldByFieldMaskingOnRowsOfEveryKind) {
  Rules r = rules_of(R"(
columns:
  public.mixed.name: first-name
  public.mixed.email: {transformer: email, unique: true}
  public.mixed.phone: phone-number
  public.mixed.card: credit-card
  public.mixed.ip: ip
  public.mixed.amount: noise
  public.mixed.tabbed: {transformer: constant, value: "a\tb\\c"}
  public.mixed.note: {transformer: mask, keep_last: 2}
  public.mixed.slashed: {transformer: regex-replace, pattern: "[0-9]", replacement: "\\"}
  public.mixed.kept: transient
  public.mixed.hashed: hash
  public.mixed.word: {transformer: random, unique: true}
)");
  TableInfo t;
  t.schema = "public";
  t.name = "mixed";
  for (const char* c : {"id", "name", "email", "phone", "card", "ip", "amount", "tabbed", "note",
                        "slashed", "kept", "hashed", "raw", "word"})
    t.columns.push_back({c, "text"});
  std::mt19937 gen(9);
  for (RowFormat f : {RowFormat::pg_copy_text, RowFormat::mysql_load_text}) {
    std::vector<std::string> texts = {"plain", "with\\ttab", "back\\\\slash", "\\N",
                                      "\\\\N", "new\\nline", "ctl\x01raw",    "Zoë名",
                                      "",      "a@b.example"};
    if (f == RowFormat::pg_copy_text) {
      texts.insert(texts.end(), {"oct\\101", "hex\\x41", "\\b\\f\\v"});
    } else {
      texts.insert(texts.end(), {"nul\\0", "sub\\Z"});
    }
    std::string rows;
    for (int i = 0; i < 700; ++i) {
      auto any = [&] { return texts[gen() % texts.size()]; };
      rows += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}.{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", i, any(),
                          i % 3 ? fmt::format("user{}@x.example", i) : any(), any(), any(),
                          i % 2 ? fmt::format("10.0.{}.{}", i % 256, i / 256) : any(), i, i % 100,
                          any(), any(), any(), any(), any(), any(), any());
    }
    auto m = TableMasker::make(r, t, f);
    ASSERT_TRUE(m.ok() && *m);
    std::string out;
    ASSERT_TRUE((*m)->apply(rows, out).ok());
    EXPECT_EQ(out, reference_mask(r, t, f, rows));
  }
}

}  // namespace
}  // namespace dbtwin::pipeline
