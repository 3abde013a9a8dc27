// Imports through the engines' own client tools: plain, gzip and zstd SQL files, a pg_dump
// custom archive, a live server's URL, broken and corrupt dumps, and the sample databases.
#include <chrono>
#include <iostream>

#include "engine/postgres.h"
#include "engine_test_util.h"
#include "os/files.h"
#include "os/process.h"

namespace dbtwin::test {
namespace {

std::string items_sql(int rows) {
  std::string sql = "CREATE TABLE items (id int primary key, label varchar(40));\n";
  for (int i = 1; i <= rows; ++i) {
    sql +=
        "INSERT INTO items VALUES (" + std::to_string(i) + ", 'item " + std::to_string(i) + "');\n";
  }
  return sql;
}

// Compresses `src` with a command line tool (gzip -c, zstd -c) into `dst`.
Status compress(const std::string& tool, const fs::path& src, const fs::path& dst) {
  os::SpawnOptions opts;
  opts.argv = {tool, "-c", "-q", src.string()};
  auto out = TRY(os::run_checked(opts));
  return os::write_file(dst, out, 0644);
}

TEST_P(EngineTest, ImportsPlainGzipAndZstdSql) {
  auto srv = ready_server("imp", /*durable=*/false);
  ASSERT_TRUE(srv);
  fs::path plain = dir_ / "items.sql";
  ENGINE_ASSERT_OK(os::write_file(plain, items_sql(500)));
  ENGINE_ASSERT_OK(compress("gzip", plain, dir_ / "items.sql.gz"));
  ENGINE_ASSERT_OK(compress("zstd", plain, dir_ / "items.sql.zst"));

  int n = 0;
  for (auto name : {"items.sql", "items.sql.gz", "items.sql.zst"}) {
    std::string db = "db" + std::to_string(n++);
    uint64_t done = 0, total = 0;
    engine::ImportSource src;
    src.path = dir_ / name;
    ENGINE_ASSERT_OK(engine_->import(srv->spec(), srv->admin(), db, src,
                                     [&](uint64_t d, uint64_t t) { done = d, total = t; }));
    EXPECT_EQ(scalar(*srv, db, "SELECT count(*) FROM items"), "500") << name;
    EXPECT_EQ(total, fs::file_size(src.path)) << name;
    EXPECT_EQ(done, total) << name;
  }
}

TEST_P(EngineTest, BrokenDumpFailsWithTheEnginesMessage) {
  auto srv = ready_server("broken", false);
  ASSERT_TRUE(srv);
  // The error comes first and megabytes follow, so the client exits while we still write.
  fs::path broken = dir_ / "broken.sql";
  ENGINE_ASSERT_OK(os::write_file(
      broken, "CREATE TABLE before_error (id int);\nTHIS IS NOT SQL;\n" + items_sql(60000)));
  engine::ImportSource src;
  src.path = broken;
  auto st = engine_->import(srv->spec(), srv->admin(), "target", src, nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::engine);
  EXPECT_NE(st.error().message.find("syntax"), std::string::npos) << st.error().message;
  auto rows = engine_->query(srv->spec(), srv->admin(), "target", "SELECT count(*) FROM items");
  EXPECT_FALSE(rows.ok()) << "nothing after the error may run";

  // A truncated compressed file is bad input, not an engine failure.
  fs::path plain = dir_ / "items.sql";
  ENGINE_ASSERT_OK(os::write_file(plain, items_sql(2000)));
  ENGINE_ASSERT_OK(compress("gzip", plain, dir_ / "items.sql.gz"));
  auto gz = os::read_file(dir_ / "items.sql.gz");
  ASSERT_TRUE(gz.ok());
  ENGINE_ASSERT_OK(os::write_file(dir_ / "corrupt.sql.gz", gz->substr(0, gz->size() / 2)));
  src.path = dir_ / "corrupt.sql.gz";
  st = engine_->import(srv->spec(), srv->admin(), "target2", src, nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::invalid_argument) << st.error().message;
}

TEST_P(EngineTest, ImportsFromTheUrlOfARunningServer) {
  auto srv = ready_server("url", false);
  ASSERT_TRUE(srv);
  ENGINE_ASSERT_OK(engine_->create_database(srv->spec(), srv->admin(), "source"));
  ENGINE_ASSERT_OK(engine_->exec(srv->spec(), srv->admin(), "source",
                                 "CREATE TABLE people (id int primary key, name varchar(30)); "
                                 "INSERT INTO people VALUES (1, 'Ada'), (2, 'Grace');"));
  engine::ImportSource src;
  src.type = engine::ImportSource::Type::url;
  src.url = engine_->url("127.0.0.1", srv->spec().port, srv->admin(), "source");
  ENGINE_ASSERT_OK(engine_->import(srv->spec(), srv->admin(), "copy", src, nullptr));
  EXPECT_EQ(scalar(*srv, "copy", "SELECT name FROM people WHERE id = 2"), "Grace");

  src.url = engine_->url("127.0.0.1", srv->spec().port, {srv->admin().user, "wrong"}, "source");
  auto st = engine_->import(srv->spec(), srv->admin(), "copy2", src, nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::engine);
  EXPECT_EQ(st.error().message.find("wrong"), std::string::npos) << "password leaked";
}

TEST_P(EngineTest, ImportsTheSampleDatabase) {
  bool pg = GetParam() == engine::Kind::postgres;
  fs::path dir = fs::path(DBTWIN_FIXTURES_DIR) / (pg ? "pagila" : "sakila");
  if (!fs::exists(dir)) GTEST_SKIP() << "fixtures not present at " << dir;
  auto srv = ready_server("sample", false);
  ASSERT_TRUE(srv);
  std::string db = pg ? "pagila" : "sakila";
  auto t0 = std::chrono::steady_clock::now();
  for (auto part : {"-schema.sql", "-data.sql"}) {
    engine::ImportSource src;
    src.path = dir / (db + part);
    ENGINE_ASSERT_OK(engine_->import(srv->spec(), srv->admin(), db, src, nullptr));
  }
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
  std::cout << "[ figures  ] " << db << " import: " << ms.count() << " ms\n";
  EXPECT_EQ(scalar(*srv, db, "SELECT count(*) FROM rental"), "16044");
  EXPECT_EQ(scalar(*srv, db, "SELECT count(*) FROM customer"), "599");
}

class PostgresImportTest : public EngineTest {};

TEST_P(PostgresImportTest, ImportsACustomArchive) {
  auto srv = ready_server("archive", false);
  ASSERT_TRUE(srv);
  ENGINE_ASSERT_OK(engine_->create_database(srv->spec(), srv->admin(), "source"));
  ENGINE_ASSERT_OK(engine_->exec(srv->spec(), srv->admin(), "source",
                                 "CREATE TABLE t (id int primary key); "
                                 "INSERT INTO t SELECT generate_series(1, 1000);"));
  fs::path archive = dir_ / "source.dump";
  os::SpawnOptions dump;
  dump.argv = {(engine::resolve_pg_bindir({}) / "pg_dump").string(),
               "-Fc",
               "-f",
               archive.string(),
               "-h",
               "127.0.0.1",
               "-p",
               std::to_string(srv->spec().port),
               "-U",
               "postgres",
               "-d",
               "source"};
  dump.env = {"PGPASSWORD=" + srv->admin().password};
  auto out = os::run_checked(dump);
  ASSERT_TRUE(out.ok()) << out.error().message;

  engine::ImportSource src;
  src.type = engine::ImportSource::Type::pg_archive;
  src.path = archive;
  ENGINE_ASSERT_OK(engine_->import(srv->spec(), srv->admin(), "restored", src, nullptr));
  EXPECT_EQ(scalar(*srv, "restored", "SELECT count(*) FROM t"), "1000");
  // Given as a plain dump file, the archive is recognized by its magic.
  src.type = engine::ImportSource::Type::sql_file;
  ENGINE_ASSERT_OK(engine_->import(srv->spec(), srv->admin(), "restored2", src, nullptr));
  EXPECT_EQ(scalar(*srv, "restored2", "SELECT count(*) FROM t"), "1000");
  // Restoring again into the same database fails on the existing table, with its message.
  auto st = engine_->import(srv->spec(), srv->admin(), "restored", src, nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::engine);
  EXPECT_NE(st.error().message.find("already exists"), std::string::npos) << st.error().message;
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresImportTest, ::testing::Values(engine::Kind::postgres),
                         kind_label);

}  // namespace
}  // namespace dbtwin::test
