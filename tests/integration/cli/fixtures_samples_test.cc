// Real sample databases from ../shared/fixtures imported as templates through the CLI, cloned,
// queried, and written to in isolation: Pagila (PostgreSQL), Sakila (MariaDB), Chinook (both).
// They run on an XFS reflink pool, the recommended loop-backed default. They skip, saying why,
// when the fixtures folder is absent (a user's fresh checkout) or the machine cannot mount XFS.
#include <gtest/gtest.h>

#include "base/strings.h"
#include "support/cli_matrix.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::sql;
using test::url_of;

class SampleFixtures : public ::testing::Test {
 protected:
  void SetUp() override {
    fixtures_ = test::fixtures_dir();
    if (fixtures_.empty())
      GTEST_SKIP() << "no fixtures folder (../shared/fixtures beside the project)";
    std::string why;
    world_ = test::CliWorld::make(test::pool_case("xfs"), &why);
    if (!world_) GTEST_SKIP() << why;
  }
  void TearDown() override {
    if (world_) world_->tear_down();
  }

  // Skips unless every file is there.
  bool have(const std::vector<fs::path>& files) {
    for (const auto& f : files) {
      if (!fs::is_regular_file(f)) return false;
    }
    return true;
  }

  // Two clones of `tmpl`: a write in the first is invisible in the second.
  void expect_isolated_write(const std::string& tmpl, const std::string& update,
                             const std::string& probe, const std::string& original,
                             const std::string& written) {
    auto a = world_->create_clone(tmpl, tmpl + "-a");
    auto b = world_->create_clone(tmpl, tmpl + "-b");
    ASSERT_TRUE(a.is_object() && b.is_object());
    ASSERT_EQ(sql(url_of(a), update), "");
    EXPECT_EQ(sql(url_of(a), probe), written);
    EXPECT_EQ(sql(url_of(b), probe), original);
  }

  fs::path fixtures_;
  std::unique_ptr<test::CliWorld> world_;
};

TEST_F(SampleFixtures, PagilaOnPostgres) {
  fs::path schema = fixtures_ / "pagila/pagila-schema.sql",
           data = fixtures_ / "pagila/pagila-data.sql";
  if (!have({schema, data})) GTEST_SKIP() << "Pagila is not in " << fixtures_;
  auto t = world_->create_template("pagila", "postgres",
                                   {"--from-dump", schema.string(), "--from-dump", data.string()});
  ASSERT_TRUE(t.is_object());
  auto c = world_->create_clone("pagila", "q");
  ASSERT_TRUE(c.is_object());
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM rental"), "16044");
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM customer"), "599");
  // Partitions, views and the full-text column came through.
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM payment"), "16044");
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) > 0 FROM film WHERE fulltext @@ to_tsquery('drama')"),
            "t");
  expect_isolated_write("pagila",
                        "UPDATE customer SET email = 'masked@example.com' WHERE customer_id = 1",
                        "SELECT email FROM customer WHERE customer_id = 1",
                        "MARY.SMITH@sakilacustomer.org", "masked@example.com");
}

TEST_F(SampleFixtures, SakilaOnMariadb) {
  fs::path schema = fixtures_ / "sakila/sakila-schema.sql",
           data = fixtures_ / "sakila/sakila-data.sql";
  if (!have({schema, data})) GTEST_SKIP() << "Sakila is not in " << fixtures_;
  auto t = world_->create_template(
      "sakila", "mariadb",
      {"--from-dump", schema.string(), "--from-dump", data.string(), "--database", "sakila"});
  ASSERT_TRUE(t.is_object());
  auto c = world_->create_clone("sakila", "q");
  ASSERT_TRUE(c.is_object());
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM rental"), "16044");
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM customer"), "599");
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM payment"), "16049");
  // Triggers and stored routines came through.
  EXPECT_EQ(
      sql(url_of(c),
          "SELECT COUNT(*) > 0 FROM information_schema.routines WHERE routine_schema = 'sakila'"),
      "1");
  expect_isolated_write("sakila",
                        "UPDATE customer SET email = 'masked@example.com' WHERE customer_id = 1",
                        "SELECT email FROM customer WHERE customer_id = 1",
                        "MARY.SMITH@sakilacustomer.org", "masked@example.com");
}

TEST_F(SampleFixtures, ChinookOnMariadb) {
  fs::path dump = fixtures_ / "chinook/Chinook_MySql.sql";
  if (!have({dump})) GTEST_SKIP() << "Chinook is not in " << fixtures_;
  // The dump drops, creates and uses its own database `Chinook`: that is the template's.
  auto t = world_->create_template("chinook", "mariadb",
                                   {"--from-dump", dump.string(), "--database", "Chinook"});
  ASSERT_TRUE(t.is_object());
  auto c = world_->create_clone("chinook", "q");
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM Track"), "3503");
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM InvoiceLine"), "2240");
  expect_isolated_write("chinook", "UPDATE Artist SET Name = 'Ünïcödé' WHERE ArtistId = 1",
                        "SELECT Name FROM Artist WHERE ArtistId = 1", "AC/DC", "Ünïcödé");
}

TEST_F(SampleFixtures, ChinookOnPostgres) {
  fs::path dump = fixtures_ / "chinook/Chinook_PostgreSql.sql";
  if (!have({dump})) GTEST_SKIP() << "Chinook is not in " << fixtures_;
  // The dump drops, creates and enters its own database (DROP/CREATE DATABASE, \c chinook):
  // it is imported as it is, and that database is the template's.
  auto t = world_->create_template("chinook", "postgres",
                                   {"--from-dump", dump.string(), "--database", "chinook"});
  ASSERT_TRUE(t.is_object());
  auto c = world_->create_clone("chinook", "q");
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM track"), "3503");
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM invoice_line"), "2240");
  expect_isolated_write("chinook", "UPDATE artist SET name = 'Ünïcödé' WHERE artist_id = 1",
                        "SELECT name FROM artist WHERE artist_id = 1", "AC/DC", "Ünïcödé");
}

}  // namespace
}  // namespace dbtwin
