// Masking and subsetting end to end on Pagila (PostgreSQL) and Sakila (MariaDB): after a masked
// dump and restore no original email, name or phone number is left, while joins on masked columns
// (a deterministic email in two tables, a unique-preserving key and its foreign keys) still match
// and every constraint holds. `dump validate` reports uncovered columns and stale rules, strict
// rules refuse to dump, and subsets restore with every constraint enabled.
#include <gtest/gtest.h>

#include "base/strings.h"
#include "dump_world.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::DumpWorld;
using test::sql;

class DumpMasking : public test::DumpTest {
 protected:
  fs::path write_rules(const std::string& name, const std::string& body) {
    fs::path p = w_->scratch() / name;
    test::write_text(p, body);
    return p;
  }

  std::string rules_text(bool strict) {
    std::string n = w_->ns();
    return fmt::format(
        "version: 1\n"
        "strict: {1}\n"
        "deterministic: true\n"
        "secret_env: DBTWIN_MASK_SECRET\n"
        "columns:\n"
        "  {0}.customer.email: {{transformer: email, unique: true}}\n"
        "  {0}.newsletter.email: {{transformer: email, unique: true}}\n"
        "  {0}.customer.first_name: first-name\n"
        "  {0}.customer.last_name: last-name\n"
        "  {0}.staff.email: email\n"
        "  {0}.staff.first_name: first-name\n"
        "  {0}.staff.last_name: last-name\n"
        "  {0}.address.phone: phone-number\n"
        "  {0}.customer.customer_id: {{transformer: random, unique: true}}\n"
        "  {0}.rental.customer_id: {{transformer: random, unique: true}}\n"
        "  {0}.payment.customer_id: {{transformer: random, unique: true}}\n",
        n, strict ? "true" : "false");
  }
};

TEST_P(DumpMasking, NoPersonalDataLeftAndJoinsStillMatch) {
  const std::string src = w_->source_url();
  // A second table holding customers' emails, to join on after masking.
  ASSERT_EQ(sql(src, "CREATE TABLE newsletter (email varchar(80) PRIMARY KEY)"), "");
  ASSERT_EQ(sql(src, "INSERT INTO newsletter SELECT email FROM customer WHERE customer_id % 2 = 0"),
            "");
  auto rules = write_rules("rules.yaml", rules_text(false));
  auto made = w_->run({"dump", "create", "--source", src, "--rules", rules.string(), "--bridge",
                       w_->bridge(), "--name", "masked"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string out = w_->url_for("masked1");
  auto restored = w_->run({"dump", "restore", w_->bridge(), "masked", "--to", out});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;

  auto none_left = [&](const std::string& table, const std::string& col) {
    auto before = w_->column(src, table, col);
    auto after = w_->column(out, table, col);
    EXPECT_FALSE(after.empty()) << table << "." << col;
    // An empty value (a few addresses have no phone) stays empty: it is not personal data.
    for (const auto& v : after) {
      if (!v.empty()) {
        EXPECT_EQ(before.count(v), 0u) << table << "." << col << ": " << v;
      }
    }
  };
  none_left("customer", "email");
  none_left("customer", "first_name");
  none_left("customer", "last_name");
  none_left("staff", "email");
  none_left("address", "phone");
  none_left("newsletter", "email");

  // Joins on masked columns match as before; every row is still there.
  const std::string join_mail =
      "SELECT COUNT(*) FROM newsletter n JOIN customer c ON c.email = n.email";
  EXPECT_EQ(sql(out, join_mail), sql(src, join_mail));
  const std::string join_id =
      "SELECT COUNT(*) FROM rental r JOIN customer c ON c.customer_id = r.customer_id";
  EXPECT_EQ(sql(out, join_id), sql(src, join_id));
  EXPECT_EQ(sql(out, "SELECT COUNT(*) FROM payment"), sql(src, "SELECT COUNT(*) FROM payment"));
  // The keys really changed (100..599 map into 100..999), and the constraints all came back.
  EXPECT_NE(sql(out, "SELECT COUNT(*) FROM customer WHERE customer_id > 599"), "0");
  EXPECT_EQ(w_->schema_objects(out), w_->schema_objects(src));
  // Other columns are untouched.
  EXPECT_EQ(sql(out, "SELECT COUNT(*) FROM film"), sql(src, "SELECT COUNT(*) FROM film"));

  // The same secret gives the same masks in a second run; another secret gives others.
  auto again = w_->run({"dump", "create", "--source", src, "--rules", rules.string(), "--bridge",
                        w_->bridge(), "--name", "masked2"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  std::string out2 = w_->url_for("masked2");
  ASSERT_EQ(w_->run({"dump", "restore", w_->bridge(), "masked2", "--to", out2}).exit_code, 0);
  EXPECT_EQ(w_->column(out2, "customer", "email"), w_->column(out, "customer", "email"));
  auto other = w_->run({"dump", "create", "--source", src, "--rules", rules.string(), "--bridge",
                        w_->bridge(), "--name", "masked3"},
                       {"DBTWIN_MASK_SECRET=another-secret-0123456789"});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  std::string out3 = w_->url_for("masked3");
  ASSERT_EQ(w_->run({"dump", "restore", w_->bridge(), "masked3", "--to", out3}).exit_code, 0);
  EXPECT_NE(w_->column(out3, "customer", "email"), w_->column(out, "customer", "email"));
}

TEST_P(DumpMasking, ValidateAndStrictModeCatchUncoveredColumns) {
  const std::string src = w_->source_url();
  ASSERT_EQ(sql(src, "CREATE TABLE newsletter (email varchar(80) PRIMARY KEY)"), "");
  auto rules = write_rules(
      "rules.yaml", rules_text(false) + "  " + w_->ns() + ".customer.no_such_column: \"null\"\n");
  auto v = w_->run({"--json", "dump", "validate", "--source", src, "--rules", rules.string()});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  auto j = v.json();
  auto has = [](const json& arr, const std::string& s) {
    for (const auto& x : arr)
      if (x == s) return true;
    return false;
  };
  EXPECT_TRUE(has(j["uncovered"], w_->ns() + ".film.title")) << j.dump();
  EXPECT_FALSE(has(j["uncovered"], w_->ns() + ".customer.email")) << j.dump();
  EXPECT_TRUE(has(j["unknown"], w_->ns() + ".customer.no_such_column")) << j.dump();
  auto strict =
      w_->run({"dump", "validate", "--source", src, "--rules", rules.string(), "--strict"});
  EXPECT_NE(strict.exit_code, 0);

  // Strict rules refuse to dump, and nothing is listed.
  auto strict_rules = write_rules("strict.yaml", rules_text(true));
  auto refused = w_->run({"dump", "create", "--source", src, "--rules", strict_rules.string(),
                          "--bridge", w_->bridge(), "--name", "strict"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find(w_->ns() + ".actor.first_name"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find(w_->ns() + ".customer.email"), std::string::npos) << refused.err;
  auto list = w_->run({"--json", "dump", "list", w_->bridge()});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(list.json().empty()) << list.out;

  // transformers list names them all.
  auto t = w_->run({"--json", "transformers", "list"}).json();
  std::set<std::string> names;
  for (const auto& x : t) names.insert(x["name"].get<std::string>());
  for (const char* n :
       {"transient",    "random",      "first-name", "email",       "keep-first-char",
        "phone-number", "credit-card", "redacted",   "random-date", "null",
        "constant",     "hash",        "mask",       "last-name",   "full-name",
        "username",     "address",     "city",       "country",     "company",
        "uuid",         "ip",          "iban",       "noise",       "regex-replace",
        "json-path",    "command"})
    EXPECT_TRUE(names.count(n)) << n;
}

TEST_P(DumpMasking, SubsetsRestoreWithEveryConstraint) {
  const std::string src = w_->source_url();
  const std::string n = w_->ns();
  auto made = w_->run({"dump", "create", "--source", src, "--bridge", w_->bridge(), "--name", "sub",
                       "--subset", n + ".rental:10%"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string out = w_->url_for("sub1");
  auto restored = w_->run({"dump", "restore", w_->bridge(), "sub", "--to", out});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  int rentals = std::stoi(sql(out, "SELECT COUNT(*) FROM rental"));
  int all = std::stoi(sql(src, "SELECT COUNT(*) FROM rental"));
  EXPECT_GT(rentals, all / 20);
  EXPECT_LT(rentals, all / 5);
  // Every foreign key and check came back (and was validated against the kept rows).
  EXPECT_EQ(w_->schema_objects(out), w_->schema_objects(src));
  EXPECT_LE(std::stoi(sql(out, "SELECT COUNT(*) FROM customer")), 599);
  // The store/staff cycle: every store's manager and every staff member's store are there.
  EXPECT_EQ(sql(out,
                "SELECT COUNT(*) FROM store s LEFT JOIN staff m ON m.staff_id = "
                "s.manager_staff_id WHERE m.staff_id IS NULL"),
            "0");

  // Children too: 5% of customers with their rentals and payments.
  auto kids = w_->run({"dump", "create", "--source", src, "--bridge", w_->bridge(), "--name",
                       "kids", "--subset", n + ".customer:5%", "--subset-children"});
  ASSERT_EQ(kids.exit_code, 0) << kids.err;
  std::string out2 = w_->url_for("sub2");
  ASSERT_EQ(w_->run({"dump", "restore", w_->bridge(), "kids", "--to", out2}).exit_code, 0);
  EXPECT_GT(std::stoi(sql(out2, "SELECT COUNT(*) FROM rental")), 0);
  EXPECT_EQ(sql(out2,
                "SELECT COUNT(*) FROM rental r LEFT JOIN customer c ON c.customer_id = "
                "r.customer_id WHERE c.customer_id IS NULL"),
            "0");
  EXPECT_EQ(w_->schema_objects(out2), w_->schema_objects(src));
}

INSTANTIATE_TEST_SUITE_P(Engines, DumpMasking, ::testing::Values("postgres", "mariadb"),
                         test::engine_name);

}  // namespace
}  // namespace dbtwin
