#include <gtest/gtest.h>

#include "pipeline/coverage.h"

namespace dbtwin::pipeline {
namespace {

Rules rules_of(const std::string& yaml) {
  auto r = parse_rules(yaml, [](const std::string&) -> std::optional<std::string> {
    return "a-test-secret-long-enough-1234";
  });
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(*r) : Rules{};
}

std::vector<TableInfo> tables() {
  TableInfo a{0, "public", "customer", {}, {}, 0};
  for (const char* c : {"id", "email", "phone"}) a.columns.push_back({c, "text"});
  TableInfo b{1, "public", "film", {}, {}, 0};
  for (const char* c : {"id", "title"}) b.columns.push_back({c, "text"});
  return {a, b};
}

TEST(Coverage, ListsUncoveredColumnsAndUnknownPatterns) {
  Rules r = rules_of(R"(
columns:
  public.customer.email: email
  public.film.*: transient
  public.customer.fax: phone-number
  "*.*.id": transient
)");
  Coverage c = check_coverage(r, tables());
  EXPECT_EQ(c.uncovered, std::vector<std::string>{"public.customer.phone"});
  EXPECT_EQ(c.unknown, std::vector<std::string>{"public.customer.fax"});
}

TEST(Coverage, StrictModeRefusesUncoveredColumns) {
  Rules lax = rules_of("columns: {public.customer.email: email}\n");
  EXPECT_TRUE(require_coverage(lax, tables()).ok());
  Rules strict = rules_of("strict: true\ncolumns: {public.customer.email: email}\n");
  auto s = require_coverage(strict, tables());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("4 column(s)"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("public.film.title"), std::string::npos);
  Rules full = rules_of("strict: true\ncolumns: {\"*.*.*\": transient}\n");
  EXPECT_TRUE(require_coverage(full, tables()).ok());
}

TEST(Coverage, ListsAtMostTwentyColumns) {
  TableInfo wide{0, "public", "wide", {}, {}, 0};
  for (int i = 0; i < 30; ++i) wide.columns.push_back({fmt::format("c{}", i), "text"});
  Rules strict = rules_of("strict: true\ncolumns: {}\n");
  auto s = require_coverage(strict, {wide});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("and 10 more"), std::string::npos) << s.error().message;
  EXPECT_EQ(s.error().message.find("c25"), std::string::npos);
}

}  // namespace
}  // namespace dbtwin::pipeline
