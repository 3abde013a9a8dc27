#include <gtest/gtest.h>

#include <map>

#include "pipeline/rules.h"

namespace dbtwin::pipeline {
namespace {

const std::string kSecret = "a-test-secret-long-enough-1234";

auto env_with(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<Rules> parse(const std::string& yaml) {
  return parse_rules(yaml, env_with({{"DBTWIN_MASK_SECRET", kSecret}}));
}

std::string error_of(const std::string& yaml, bool with_secret = true) {
  auto r = with_secret ? parse(yaml) : parse_rules(yaml, env_with({}));
  EXPECT_FALSE(r.ok()) << yaml;
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  return r.error().message;
}

constexpr const char* kOurs = R"(
version: 1
strict: true
deterministic: true
secret_env: DBTWIN_MASK_SECRET
columns:
  public.customer.email: email
  public.customer.first_name: {transformer: first-name}
  public.customer.customer_id: {transformer: transient}
  public.staff.phone: {transformer: phone-number, unique: true}
  public.payment.amount: {transformer: noise, min: 0, max: 100, spread: 0.1}
  public.film.*: transient
  "*.*.password": {transformer: constant, value: "x", deterministic: false}
subset:
  start: [{table: public.rental, percent: 10}, {table: public.customer, where: "active = 1"}]
  follow_children: true
  passthrough: [public.language]
  virtual_foreign_keys: [{child: public.x, columns: [a], parent: public.y, parent_columns: [b]}]
)";

TEST(Rules, ParsesOurFormat) {
  auto r = parse(kOurs);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->strict);
  EXPECT_TRUE(r->deterministic);
  EXPECT_EQ(r->secret, kSecret);
  ASSERT_EQ(r->columns.size(), 7u);
  EXPECT_EQ(r->columns[0].first, "public.customer.email");
  EXPECT_EQ(r->columns[0].second.name, "email");
  EXPECT_TRUE(r->columns[3].second.unique);
  EXPECT_EQ(r->columns[4].second.options["max"], 100);
  EXPECT_DOUBLE_EQ(r->columns[4].second.options["spread"].get<double>(), 0.1);
  EXPECT_EQ(r->columns[6].second.options["value"], "x");
  EXPECT_FALSE(r->columns[6].second.deterministic);
  ASSERT_EQ(r->subset.starts.size(), 2u);
  EXPECT_EQ(r->subset.starts[0].table, "public.rental");
  EXPECT_DOUBLE_EQ(r->subset.starts[0].percent, 10);
  EXPECT_EQ(r->subset.starts[1].where, "active = 1");
  EXPECT_TRUE(r->subset.follow_children);
  EXPECT_EQ(r->subset.passthrough, std::vector<std::string>{"public.language"});
  ASSERT_EQ(r->subset.virtual_foreign_keys.size(), 1u);
  EXPECT_EQ(r->subset.virtual_foreign_keys[0].parent_columns, std::vector<std::string>{"b"});
  EXPECT_EQ(r->digest.rfind("blake2b:", 0), 0u);
  EXPECT_EQ(r->digest.size(), 8u + 64u);
}

TEST(Rules, ParsesRepliBytesFormat) {
  auto r = parse(R"(
source:
  connection_uri: $DATABASE_URL
  transformers:
    - database: public
      table: employees
      columns:
        - name: last_name
          transformer_name: redacted
          transformer_options: {character: '#', width: 20}
        - name: email
          transformer_name: email
transformers:
  - database: shop
    table: card
    columns:
      - {name: number, transformer_name: card-number}
datastore: {local_disk: {dir: /tmp}}
)");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->columns.size(), 3u);
  EXPECT_EQ(r->columns[0].first, "shop.card.number");  // top-level list first
  EXPECT_EQ(r->columns[1].first, "public.employees.last_name");
  EXPECT_EQ(r->columns[1].second.options["width"], 20);
  EXPECT_EQ(r->columns[1].second.options["character"], "#");
}

TEST(Rules, TheMostSpecificPatternWins) {
  auto r = parse(R"(
columns:
  "*.*.*": {transformer: "null"}
  public.t.*: random
  public.t.email: email
  "*.*.phone": phone-number
)");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(find_rule(*r, "public", "t", "email")->name, "email");
  EXPECT_EQ(find_rule(*r, "public", "t", "other")->name, "random");
  EXPECT_EQ(find_rule(*r, "public", "t", "phone")->name, "phone-number");
  EXPECT_EQ(find_rule(*r, "other", "u", "v")->name, "null");
  auto none = parse("columns: {public.t.a: email}\n");
  EXPECT_EQ(find_rule(*none, "public", "t", "b"), nullptr);
}

TEST(Rules, DigestDependsOnTheRulesNotTheSecretOrOrder) {
  auto a = parse("columns: {public.t.a: email, public.t.b: random}\n");
  auto b = parse_rules("columns: {public.t.b: random, public.t.a: email}\n",
                       env_with({{"DBTWIN_MASK_SECRET", "another-secret-long-enough"}}));
  auto c = parse("columns: {public.t.a: email, public.t.b: uuid}\n");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->digest, b->digest);
  EXPECT_NE(a->digest, c->digest);
  EXPECT_EQ(a->digest.find(kSecret), std::string::npos);
}

TEST(Rules, ReportsEveryKindOfError) {
  EXPECT_NE(error_of("columns: {public.t.a: nope}\n").find("unknown transformer nope"),
            std::string::npos);
  EXPECT_NE(error_of("columns: {public.t.a: {transformer: mask, keep_frist: 2}}\n")
                .find("unknown option keep_frist"),
            std::string::npos);
  EXPECT_NE(
      error_of("columns: {public.t.a: {transformer: first-name, unique: true}}\n").find("unique"),
      std::string::npos);
  std::string no_secret = error_of("columns: {public.t.a: email}\n", false);
  EXPECT_NE(no_secret.find("DBTWIN_MASK_SECRET"), std::string::npos) << no_secret;
  EXPECT_NE(
      error_of("columns: {public.t.a: email}\nsecret_env: MY_SECRET\n", true).find("MY_SECRET"),
      std::string::npos);
  std::string malformed = error_of("columns:\n  public.t.a: email\n  - oops\n");
  EXPECT_NE(malformed.find("line 3"), std::string::npos) << malformed;
  EXPECT_NE(error_of("columns: {public.t: email}\n").find("bad pattern"), std::string::npos);
  EXPECT_NE(error_of("columns: {public.t*.a: email}\n").find("bad pattern"), std::string::npos);
  EXPECT_NE(error_of("columns: {public..a: email}\n").find("bad pattern"), std::string::npos);
  EXPECT_NE(error_of("colums: {}\n").find("unknown key colums"), std::string::npos);
  EXPECT_NE(error_of("version: 2\n").find("version"), std::string::npos);
  EXPECT_NE(error_of("strict: maybe\n").find("strict"), std::string::npos);
  EXPECT_NE(error_of("subset: {start: [{table: public.t, percent: 0}]}\n").find("percent"),
            std::string::npos);
  EXPECT_NE(error_of("subset: {start: [{table: public.t}]}\n").find("percent or where"),
            std::string::npos);
  EXPECT_NE(error_of("subset: {bogus: 1}\n").find("bogus"), std::string::npos);
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of("transformers: [{database: a, table: b}]\n").find("columns"),
            std::string::npos);
  auto short_secret =
      parse_rules("columns: {public.t.a: email}\n", env_with({{"DBTWIN_MASK_SECRET", "short"}}));
  ASSERT_FALSE(short_secret.ok());
  EXPECT_NE(short_secret.error().message.find("too short"), std::string::npos);
}

TEST(Rules, NoSecretIsNeededWithoutKeyedRules) {
  auto r = parse_rules(R"(
deterministic: true
columns:
  public.t.a: transient
  public.t.b: {transformer: mask, keep_last: 4}
  public.t.c: {transformer: random, deterministic: false}
  public.t.d: {transformer: json-path, path: $.a, apply: mask, options: {keep_last: 2}}
)",
                       env_with({}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->secret.empty());
}

TEST(Rules, JsonPathNamesItsInnerTransformerWithApply) {
  auto r = parse("columns: {public.t.j: {transformer: json-path, path: $.a, apply: email}}\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->columns[0].second.name, "json-path");
  EXPECT_EQ(r->columns[0].second.options["apply"], "email");
  EXPECT_NE(error_of("columns: {public.t.j: {transformer: json-path, path: $.a, apply: nope}}\n")
                .find("unknown transformer nope"),
            std::string::npos);
}

TEST(Rules, LoadsAFile) {
  auto missing = load_rules("/nonexistent/rules.yaml");
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace dbtwin::pipeline
