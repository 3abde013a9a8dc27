// MariaDB configuration: one option file per server in its run folder, rewritten before every
// start, so a copy of a data directory gets its own port, socket, pid file and server_id.
#include "engine/mariadb.h"
#include "engine/server_util.h"
#include "os/files.h"

namespace dbtwin::engine {

fs::path mariadb_conf_path(const ServerSpec& spec) {
  return spec.rundir / "my.cnf";
}
fs::path mariadb_socket_path(const ServerSpec& spec) {
  return spec.rundir / "mariadb.sock";
}
fs::path mariadb_pid_path(const ServerSpec& spec) {
  return spec.rundir / "mariadbd.pid";
}

namespace {

// Option file values may not span lines; paths are written as they are otherwise.
Status check_path(const fs::path& p) {
  if (p.string().find_first_of("\n\r") != std::string::npos) {
    return err(Errc::invalid_argument, "path {} holds a line break", p.string());
  }
  return {};
}

}  // namespace

Result<std::string> mariadb_server_conf(const ServerSpec& spec) {
  TRY(check_config_value("innodb_buffer_pool_size", spec.memory.mariadb_buffer_pool));
  TRY(check_path(spec.datadir));
  TRY(check_path(spec.rundir));
  TRY(check_path(spec.listen_address));
  if (spec.port <= 0 || spec.port > 65535) {
    return err(Errc::invalid_argument, "invalid MariaDB port {}", spec.port);
  }
  std::string durability =
      spec.durable ? ""
                   // While importing: no log flush per commit, no doublewrite, no binary log.
                   // And a slow shutdown (full purge) for the snapshot: otherwise every clone's
                   // first start purges the import's history, writing into the user tablespaces
                   // (on overlayfs that copies each whole file up into each clone).
                   : "innodb_flush_log_at_trx_commit = 0\n"
                     "innodb_doublewrite = 0\n"
                     "innodb_fast_shutdown = 0\n"
                     "skip-log-bin\n"
                     "sync_binlog = 0\n";
  return fmt::format(
      "# Written by dbtwin before every start; edits are lost.\n"
      "[mariadbd]\n"
      "datadir = {}\n"
      "port = {}\n"
      "bind-address = {}\n"
      "socket = {}\n"
      "pid-file = {}\n"
      // Its own: every MariaDB server deletes the #sql* files it finds in its tmpdir at start,
      // so servers sharing /tmp destroy each other's temporary tables.
      "tmpdir = {}\n"
      "server_id = {}\n"
      "skip_slave_start\n"
      "skip-name-resolve\n"
      "character-set-server = utf8mb4\n"
      "collation-server = utf8mb4_general_ci\n"
      "innodb_buffer_pool_size = {}\n"
      // No warm-up from the ib_buffer_pool file a template server left: loading those pages
      // opens each tablespace read-write, which on overlayfs copies every file up into every
      // clone (a full copy, seconds per GB), and a clone's small buffer pool gains little.
      "innodb_buffer_pool_load_at_startup = OFF\n"
      "max_connections = {}\n"
      "innodb_log_file_size = 16M\n"
      "innodb_log_buffer_size = 4M\n"
      "aria_pagecache_buffer_size = 8M\n"
      "aria_log_file_size = 16M\n"
      "key_buffer_size = 8M\n"
      "{}",
      spec.datadir.string(), spec.port,
      spec.listen_address.empty() ? "127.0.0.1" : spec.listen_address,
      mariadb_socket_path(spec).string(), mariadb_pid_path(spec).string(), spec.rundir.string(),
      spec.server_id, spec.memory.mariadb_buffer_pool, spec.memory.mariadb_max_connections,
      durability);
}

Status MariadbEngine::configure(const ServerSpec& spec) {
  auto conf = TRY(mariadb_server_conf(spec));
  TRY(make_owned_dir(spec.rundir, 0700, spec.run_as));
  // 0600 and owned by the service user: the server reads it, nobody else needs to.
  return write_owned_file(mariadb_conf_path(spec), conf, 0600, spec.run_as);
}

}  // namespace dbtwin::engine
