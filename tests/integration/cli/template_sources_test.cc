// Every source `template create` takes, through the real CLI, on both engines: .sql, .sql.gz and
// .sql.zst dumps, several dumps in order, a folder of <name>.sql files, a PostgreSQL custom
// archive, a live server's URL, and --empty.
//
// The sources are a matter of the engine's import, not of the pool: these run on the copy driver
// (any machine), while the driver tests (lifecycle_*) import a dump and freeze clones on every
// driver.
#include <gtest/gtest.h>

#include <set>

#include "base/strings.h"
#include "support/cli_matrix.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::sql;
using test::url_of;

class TemplateSources : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why;
    world_ = test::CliWorld::make(test::pool_case("copy"), &why);
    if (!world_) GTEST_SKIP() << why;
  }
  void TearDown() override {
    if (world_) world_->tear_down();
  }
  const std::string& engine() const { return GetParam(); }
  const test::Cli& cli() const { return world_->cli(); }
  fs::path scratch(const std::string& name) const { return world_->scratch() / name; }

  // The answer of `SELECT COUNT(*) FROM table` in a new clone of `tmpl`.
  std::string count_in_clone(const std::string& tmpl, const std::string& table = "items") {
    auto c = world_->create_clone(tmpl, tmpl + "-c");
    return sql(url_of(c), "SELECT COUNT(*) FROM " + table);
  }

  std::unique_ptr<test::CliWorld> world_;
};

TEST_P(TemplateSources, CompressedDumps) {
  // Different row counts prove that each template comes from its own file.
  test::write_text(scratch("gz.sql"), test::items_sql(150));
  test::write_text(scratch("zst.sql"), test::items_sql(175));
  ASSERT_EQ(test::run_program({"gzip", "-f", scratch("gz.sql").string()}), 0);
  ASSERT_EQ(test::run_program({"zstd", "-q", "-f", "--rm", scratch("zst.sql").string()}), 0);
  ASSERT_TRUE(fs::exists(scratch("gz.sql.gz")) && fs::exists(scratch("zst.sql.zst")));

  auto gz = world_->create_template("gz", engine(), {"--from-dump", scratch("gz.sql.gz").string()});
  ASSERT_TRUE(gz.is_object());
  EXPECT_EQ(gz["source_kind"], "dump");
  EXPECT_EQ(count_in_clone("gz"), "150");
  auto zst =
      world_->create_template("zst", engine(), {"--from-dump", scratch("zst.sql.zst").string()});
  ASSERT_TRUE(zst.is_object());
  EXPECT_EQ(count_in_clone("zst"), "175");
}

TEST_P(TemplateSources, SchemaThenDataAndAFolder) {
  // --from-dump repeated: a schema file, then a data file, imported in order into one template.
  std::string all = test::items_sql(120);
  auto first_insert = all.find("INSERT");
  test::write_text(scratch("schema.sql"), all.substr(0, first_insert));
  test::write_text(scratch("data.sql"), all.substr(first_insert));
  auto two = world_->create_template("two", engine(),
                                     {"--from-dump", scratch("schema.sql").string(), "--from-dump",
                                      scratch("data.sql").string(), "--database", "twodb"});
  ASSERT_TRUE(two.is_object());
  EXPECT_EQ(two["database"], "twodb");
  EXPECT_NE(two["source"].get<std::string>().find("data.sql"), std::string::npos) << two.dump();
  EXPECT_EQ(count_in_clone("two"), "120");

  // A folder of <name>.sql files: one template per file, named after it; other files ignored.
  fs::path folder = scratch("dumps");
  fs::create_directories(folder);
  test::write_text(folder / "alpha.sql", test::items_sql(11));
  test::write_text(folder / "beta.sql", test::items_sql(22));
  test::write_text(folder / "notes.txt", "not a dump\n");
  auto made =
      cli().ok_json({"template", "create", "--engine", engine(), "--from-dump", folder.string()});
  ASSERT_TRUE(made.is_array()) << made.dump();
  std::set<std::string> names;
  for (const auto& t : made) names.insert(t["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"alpha", "beta"}));
  EXPECT_EQ(cli().ok_json({"template", "show", "beta"})["database"], "beta");
  EXPECT_EQ(count_in_clone("alpha"), "11");
  EXPECT_EQ(count_in_clone("beta"), "22");
}

TEST_P(TemplateSources, FromUrlAndEmpty) {
  // --from-url: a running clone's URL is copied logically, with what was written in it.
  auto src_t = world_->items_template("src", engine(), 80);
  ASSERT_TRUE(src_t.is_object());
  auto live = world_->create_clone("src", "live");
  ASSERT_EQ(sql(url_of(live), "UPDATE items SET name = 'live-write' WHERE id = 7"), "");
  auto copied = world_->create_template("copied", engine(), {"--from-url", url_of(live)});
  ASSERT_TRUE(copied.is_object());
  EXPECT_EQ(copied["source_kind"], "url");
  EXPECT_EQ(copied["database"], "src") << "the database named in the URL";
  EXPECT_EQ(copied["source"].get<std::string>().find(live["password"].get<std::string>()),
            std::string::npos)
      << "the source URL's password is shown: " << copied["source"];
  auto c = world_->create_clone("copied", "copied-c");
  EXPECT_EQ(sql(url_of(c), "SELECT name FROM items WHERE id = 7"), "live-write");
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM items"), "80");

  // --empty: a database with no tables that a clone can fill.
  auto empty = world_->create_template("blank", engine(), {"--empty"});
  ASSERT_TRUE(empty.is_object());
  EXPECT_EQ(empty["source_kind"], "empty");
  auto b = world_->create_clone("blank", "blank-c");
  const std::string schema = engine() == "postgres" ? "'public'" : "'blank'";
  EXPECT_EQ(sql(url_of(b),
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = " + schema),
            "0");
  EXPECT_EQ(sql(url_of(b), "CREATE TABLE t (id INT); INSERT INTO t VALUES (1)"), "");
  EXPECT_EQ(sql(url_of(b), "SELECT COUNT(*) FROM t"), "1");
  auto refresh = cli().run({"template", "refresh", "blank"});
  EXPECT_EQ(refresh.exit_code, 2) << "an empty template has nothing to refresh from: "
                                  << refresh.err;
}

INSTANTIATE_TEST_SUITE_P(Engines, TemplateSources, ::testing::ValuesIn(test::engines()),
                         test::engine_name);

// A PostgreSQL custom-format archive, made with pg_dump -Fc from a clone, is a dump source.
TEST(TemplateSourcesPostgres, CustomArchiveFromAClone) {
  std::string why;
  auto world = test::CliWorld::make(test::pool_case("copy"), &why);
  if (!world) GTEST_SKIP() << why;
  auto t = world->items_template("src", "postgres", 60);
  ASSERT_TRUE(t.is_object());
  auto c = world->create_clone("src", "c");
  ASSERT_EQ(sql(url_of(c), "UPDATE items SET name = 'archived' WHERE id = 3"), "");
  fs::path archive = world->scratch() / "src.dump";
  ASSERT_EQ(test::run_program({"pg_dump", "-Fc", "-f", archive.string(), "-d", url_of(c)}), 0);
  ASSERT_EQ(test::read_text(archive).substr(0, 5), "PGDMP") << "not a custom-format archive";

  auto restored = world->create_template("restored", "postgres", {"--from-dump", archive.string()});
  ASSERT_TRUE(restored.is_object());
  auto r = world->create_clone("restored", "r");
  EXPECT_EQ(sql(url_of(r), "SELECT name FROM items WHERE id = 3"), "archived");
  EXPECT_EQ(sql(url_of(r), "SELECT COUNT(*) FROM items"), "60");

  // An archive cannot feed a MariaDB template: one clear error, nothing left.
  auto wrong = world->cli().run(
      {"template", "create", "wrong", "--engine", "mariadb", "--from-dump", archive.string()});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("PostgreSQL archive"), std::string::npos) << wrong.err;
  EXPECT_EQ(world->cli().run({"template", "show", "wrong"}).exit_code, 3);
}

}  // namespace
}  // namespace dbtwin
