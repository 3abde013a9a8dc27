#include <gtest/gtest.h>

#include "engine/mariadb.h"
#include "engine/postgres.h"
#include "engine/server_util.h"

namespace dbtwin::engine {
namespace {

ServerSpec spec_for_test() {
  ServerSpec spec;
  spec.datadir = "/pool/t1/data";
  spec.rundir = "/run/dbtwin/t1";
  spec.port = 6123;
  spec.server_id = 42;
  return spec;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(PostgresConfig, DurableAndImportSettings) {
  auto spec = spec_for_test();
  auto conf = pg_server_conf(spec);
  ASSERT_TRUE(conf.ok());
  EXPECT_TRUE(has(*conf, "port = 6123\n"));
  EXPECT_TRUE(has(*conf, "listen_addresses = '127.0.0.1'\n"));
  EXPECT_TRUE(has(*conf, "unix_socket_directories = '/run/dbtwin/t1'\n"));
  EXPECT_TRUE(has(*conf, "shared_buffers = 32MB\n"));
  EXPECT_TRUE(has(*conf, "fsync = on\n"));
  EXPECT_TRUE(has(*conf, "wal_level = replica\n"));
  spec.durable = false;
  conf = pg_server_conf(spec);
  ASSERT_TRUE(conf.ok());
  EXPECT_TRUE(has(*conf, "fsync = off\n"));
  EXPECT_TRUE(has(*conf, "full_page_writes = off\n"));
  EXPECT_TRUE(has(*conf, "wal_level = minimal\nmax_wal_senders = 0\n"));
  EXPECT_TRUE(has(pg_hba_conf(), "host all all ::/0 scram-sha-256\n"));
}

TEST(PostgresConfig, RefusesValuesThatBreakOutOfTheirLine) {
  auto spec = spec_for_test();
  spec.memory.pg_shared_buffers = "32MB\nfsync = off";
  EXPECT_EQ(pg_server_conf(spec).error().code, Errc::invalid_argument);
  spec = spec_for_test();
  spec.port = 0;
  EXPECT_FALSE(pg_server_conf(spec).ok());
  spec = spec_for_test();
  spec.rundir = "/tmp/it's";
  auto conf = pg_server_conf(spec);
  ASSERT_TRUE(conf.ok());
  EXPECT_TRUE(has(*conf, "'/tmp/it''s'"));
}

TEST(MariadbConfig, OptionFile) {
  auto spec = spec_for_test();
  auto conf = mariadb_server_conf(spec);
  ASSERT_TRUE(conf.ok());
  EXPECT_TRUE(has(*conf, "[mariadbd]\n"));
  EXPECT_TRUE(has(*conf, "datadir = /pool/t1/data\n"));
  EXPECT_TRUE(has(*conf, "port = 6123\n"));
  EXPECT_TRUE(has(*conf, "socket = /run/dbtwin/t1/mariadb.sock\n"));
  EXPECT_TRUE(has(*conf, "pid-file = /run/dbtwin/t1/mariadbd.pid\n"));
  EXPECT_TRUE(has(*conf, "server_id = 42\n"));
  EXPECT_TRUE(has(*conf, "skip_slave_start\n"));
  EXPECT_TRUE(has(*conf, "skip-name-resolve\n"));
  EXPECT_TRUE(has(*conf, "innodb_buffer_pool_size = 32M\n"));
  EXPECT_FALSE(has(*conf, "innodb_flush_log_at_trx_commit"));
  spec.durable = false;
  conf = mariadb_server_conf(spec);
  ASSERT_TRUE(conf.ok());
  EXPECT_TRUE(has(*conf, "innodb_flush_log_at_trx_commit = 0\n"));
  EXPECT_TRUE(has(*conf, "innodb_doublewrite = 0\n"));
  EXPECT_TRUE(has(*conf, "skip-log-bin\n"));
  spec.datadir = "/x\n[client]";
  EXPECT_EQ(mariadb_server_conf(spec).error().code, Errc::invalid_argument);
}

TEST(ServerUtil, LastLines) {
  EXPECT_EQ(last_lines("a\nb\nc\n", 2), "b\nc");
  EXPECT_EQ(last_lines("a\nb\nc", 5), "a\nb\nc");
  EXPECT_EQ(last_lines("", 3), "");
  EXPECT_EQ(connect_host("0.0.0.0"), "127.0.0.1");
  EXPECT_EQ(connect_host("::"), "::1");
  EXPECT_EQ(connect_host("10.0.0.5"), "10.0.0.5");
}

}  // namespace
}  // namespace dbtwin::engine
