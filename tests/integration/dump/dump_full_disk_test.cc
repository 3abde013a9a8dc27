// `dump restore --replace` onto a target server whose disk fills up half-way through the rows:
// the command fails saying the target ran out of space (exit code 8, Errc::no_space), the target
// database keeps its old content, no temporary database is left and the space it took comes
// back, no process, session or mount is left, the server keeps running, and once space is freed
// the same restore succeeds.
//
// The data is generated (no fixtures needed): a table of 400,000 rows, about 40 MB on either
// engine. The target server's data directory is on a tmpfs (support/small_disk.h) that a filler
// file leaves 16 MiB free of, so the temporary database and its tables are created but the rows
// cannot all fit. Source and target databases live on the same server, to keep the test to one.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

#include "support/cli.h"
#include "support/cli_matrix.h"
#include "support/engine_server.h"
#include "support/small_disk.h"
#include "support/temp_dir.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kDiskSize = 384ull << 20;
constexpr uint64_t kKeepFree = 16ull << 20;
constexpr int kRows = 400000;

class DumpFullDisk : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    DBTWIN_REQUIRE_ROOT();
    pg_ = GetParam() == "postgres";
    auto e = test::installed_engine(pg_ ? engine::Kind::postgres : engine::Kind::mariadb);
    if (!e.ok()) GTEST_SKIP() << GetParam() << " is not installed: " << e.error().message;
    engine_ = std::move(e).value();
    auto s = test::SmallDiskServer::make(*engine_, dir_.path(), "target", kDiskSize);
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = std::move(s).value();
    cli_ = std::make_unique<test::Cli>(dir_ / "state", test::unique_port_base(), "copy");
    fs::create_directories(bridge_dir());
  }
  void TearDown() override {
    cli_.reset();
    server_.reset();
  }

  fs::path bridge_dir() const { return dir_ / "bridge"; }
  std::string bridge() const { return "file://" + bridge_dir().string(); }

  // Runs SQL as the admin; a test failure on error.
  void exec(const std::string& db, const std::string& sql) {
    auto st = engine_->exec(server_->server().spec(), server_->server().admin(), db, sql);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  // The first column of every row, '\n'-joined ("ERROR: ..." on failure).
  std::string query(const std::string& db, const std::string& sql) {
    auto rows = engine_->query(server_->server().spec(), server_->server().admin(), db, sql);
    if (!rows.ok()) return "ERROR: " + rows.error().message;
    std::string out;
    for (const auto& r : *rows) out += (out.empty() ? "" : "\n") + r.at(0).value_or("");
    return out;
  }
  std::string admin_db() const { return pg_ ? "postgres" : ""; }

  // The tables of `db`, and the rows of `table` summed up (id and `col`): what must survive a
  // failed restore unchanged. MariaDB's GROUP_CONCAT is cut at 1 MiB, hence CRC32 sums there.
  std::string content(const std::string& db, const std::string& table, const std::string& col) {
    std::string tables =
        query(db, pg_ ? "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                        "WHERE schemaname = 'public'"
                      : "SELECT GROUP_CONCAT(table_name ORDER BY table_name) FROM "
                        "information_schema.tables WHERE table_schema = DATABASE()");
    std::string rows = pg_ ? "SELECT count(*) || ':' || md5(string_agg(id || '=' || " + col +
                                 ", '|' ORDER BY id)) FROM " + table
                           : "SELECT CONCAT(COUNT(*), ':', SUM(CRC32(CONCAT(id, '=', " + col +
                                 "))), ':', BIT_XOR(CRC32(CONCAT(id, '=', " + col + ")))) FROM " +
                                 table;
    return tables + " " + query(db, rows);
  }

  // Databases whose name holds the restore's temporary marker.
  std::string temporary_databases() {
    return query(admin_db(),
                 pg_ ? "SELECT string_agg(datname, ',') FROM pg_database WHERE "
                       "strpos(datname, '__dbtwin') > 0"
                     : "SELECT GROUP_CONCAT(schema_name) FROM information_schema.schemata WHERE "
                       "LOCATE('__dbtwin', schema_name) > 0");
  }

  // Client sessions other than the one asking; they end shortly after their process exits.
  std::string other_sessions() {
    std::string q = pg_ ? "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client "
                          "backend' AND pid <> pg_backend_pid()"
                        : "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> "
                          "CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump') AND "
                          "USER <> 'system user'";
    std::string n = query(admin_db(), q);
    for (int i = 0; i < 100 && n != "0"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      n = query(admin_db(), q);
    }
    return n;
  }

  // The lines of the server's log that tell of a crash (PostgreSQL restarts its processes after
  // a PANIC under the same postmaster pid, so a live pid is not enough).
  std::string crashes() {
    std::string out;
    std::istringstream log(test::read_text(server_->server().spec().log_file));
    for (std::string line; std::getline(log, line);) {
      for (const char* sign : {"PANIC", "terminated by signal", "got signal", "crash recovery",
                               "automatic recovery"}) {
        if (line.find(sign) != std::string::npos) out += line + "\n";
      }
    }
    return out;
  }

  uint64_t available() {
    auto a = server_->available();
    EXPECT_TRUE(a.ok()) << a.error().message;
    return a.ok() ? *a : 0;
  }

  bool pg_ = false;
  test::TempDir dir_{"dbtwin-fulldisk"};
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<test::SmallDiskServer> server_;
  std::unique_ptr<test::Cli> cli_;
};

TEST_P(DumpFullDisk, RestoreFailsCleanlyAndSucceedsOnceSpaceIsFreed) {
  // The source: one big table. The target: a small table that must survive.
  exec(admin_db(), "CREATE DATABASE big");
  exec(admin_db(), "CREATE DATABASE shop");
  if (pg_) {
    exec("big",
         "CREATE TABLE bulk (id int PRIMARY KEY, t text NOT NULL); INSERT INTO bulk SELECT g, "
         "md5(g::text) || md5((g + 1)::text) FROM generate_series(1, " +
             std::to_string(kRows) + ") g");
    exec("shop",
         "CREATE TABLE keep (id int PRIMARY KEY, v text); INSERT INTO keep VALUES (1, 'one'), "
         "(2, 'two'), (3, 'three')");
  } else {
    exec("big",
         "CREATE TABLE bulk (id int PRIMARY KEY, t varchar(64) NOT NULL); INSERT INTO bulk "
         "SELECT seq, CONCAT(MD5(seq), MD5(seq + 1)) FROM seq_1_to_" +
             std::to_string(kRows));
    exec("shop",
         "CREATE TABLE keep (id int PRIMARY KEY, v varchar(10)); INSERT INTO keep VALUES (1, "
         "'one'), (2, 'two'), (3, 'three')");
  }
  const std::string source = content("big", "bulk", "t");
  const std::string before = content("shop", "keep", "v");
  ASSERT_EQ(source.substr(0, source.find(':')), "bulk " + std::to_string(kRows));
  ASSERT_EQ(before.substr(0, before.find(':')), "keep 3");

  auto made = cli_->run(
      {"dump", "create", "--source", server_->url("big"), "--bridge", bridge(), "--name", "big"});
  ASSERT_EQ(made.exit_code, 0) << made.err;

  // The disk fills up.
  auto filled = server_->fill(kKeepFree);
  ASSERT_TRUE(filled.ok()) << filled.error().message;
  const uint64_t free_before = available();
  const auto server_pid = server_->server().process()->pid;

  auto failed =
      cli_->run({"dump", "restore", bridge(), "big", "--to", server_->url("shop"), "--replace"});
  std::cout << "[full disk] " << failed.err;
  EXPECT_EQ(failed.exit_code, 8) << "8 is no_space; stderr: " << failed.err;
  EXPECT_NE(failed.err.find("no space left on the target server"), std::string::npos) << failed.err;
  EXPECT_NE(failed.err.find("bulk"), std::string::npos) << "names the table: " << failed.err;
  EXPECT_NE(failed.err.find("shop"), std::string::npos) << "names the database: " << failed.err;

  // The target is as it was, the temporary database and its space are gone, nothing is left.
  EXPECT_TRUE(test::pid_alive(server_pid)) << "the server died";
  EXPECT_TRUE(crashes().empty()) << "the server crashed and restarted: " << crashes();
  EXPECT_EQ(content("shop", "keep", "v"), before);
  EXPECT_EQ(temporary_databases(), "");
  EXPECT_EQ(other_sessions(), "0");
  EXPECT_TRUE(test::processes_mentioning(bridge_dir().string()).empty());
  EXPECT_EQ(test::mounts_below(dir_.path()), std::vector<std::string>{server_->disk().string()});
  EXPECT_GE(available() + (2 << 20), free_before) << "the temporary database's files remain";

  // Space comes back: the same restore now works, and replaces the target.
  auto freed = server_->unfill();
  ASSERT_TRUE(freed.ok()) << freed.error().message;
  auto ok =
      cli_->run({"dump", "restore", bridge(), "big", "--to", server_->url("shop"), "--replace"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(content("shop", "bulk", "t"), source);
  EXPECT_EQ(temporary_databases(), "");
  EXPECT_EQ(server_->server().process()->pid, server_pid);
}

INSTANTIATE_TEST_SUITE_P(Engines, DumpFullDisk, ::testing::Values("postgres", "mariadb"),
                         test::engine_name);

}  // namespace
}  // namespace dbtwin
