// PostgreSQL configuration: dbtwin.conf (ours, rewritten before every start) included once
// from postgresql.conf, and a pg_hba.conf that asks every login for a SCRAM password.
#include "base/strings.h"
#include "engine/postgres.h"
#include "engine/server_util.h"
#include "os/files.h"

namespace dbtwin::engine {

namespace {

constexpr std::string_view kInclude = "include_if_exists = 'dbtwin.conf'";

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out + "'";
}

}  // namespace

Result<std::string> pg_server_conf(const ServerSpec& spec) {
  const auto& mem = spec.memory;
  TRY(check_config_value("shared_buffers", mem.pg_shared_buffers));
  TRY(check_config_value("work_mem", mem.pg_work_mem));
  if (spec.port <= 0 || spec.port > 65535) {
    return err(Errc::invalid_argument, "invalid PostgreSQL port {}", spec.port);
  }
  std::string durability =
      spec.durable ? "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n"
                     "wal_level = replica\n"
                   // While importing: nothing is flushed, and WAL holds only what recovery needs.
                   : "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                     "wal_level = minimal\nmax_wal_senders = 0\n";
  return fmt::format(
      "# Written by dbtwin before every start; edits are lost.\n"
      "port = {}\n"
      "listen_addresses = {}\n"
      "unix_socket_directories = {}\n"
      "shared_buffers = {}\n"
      "work_mem = {}\n"
      "max_connections = {}\n"
      "{}"
      "logging_collector = off\n"
      "log_destination = 'stderr'\n",
      spec.port, quoted(spec.listen_address), quoted(spec.rundir.string()), mem.pg_shared_buffers,
      mem.pg_work_mem, mem.pg_max_connections, durability);
}

std::string pg_hba_conf() {
  return "# Written by dbtwin: every login needs its password.\n"
         "local all all scram-sha-256\n"
         "host all all 0.0.0.0/0 scram-sha-256\n"
         "host all all ::/0 scram-sha-256\n"
         "host replication all 0.0.0.0/0 scram-sha-256\n"
         "host replication all ::/0 scram-sha-256\n";
}

Status PostgresEngine::configure(const ServerSpec& spec) {
  auto conf = TRY(pg_server_conf(spec));
  TRY(make_owned_dir(spec.rundir, 0700, spec.run_as));
  TRY(write_owned_file(spec.datadir / "dbtwin.conf", conf, 0600, spec.run_as));
  TRY(write_owned_file(spec.datadir / "pg_hba.conf", pg_hba_conf(), 0600, spec.run_as));

  fs::path main_conf = spec.datadir / "postgresql.conf";
  auto text = TRY_CTX(os::read_file(main_conf), "configuring PostgreSQL");
  if (text.find(kInclude) == std::string::npos) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += std::string(kInclude) + "\n";
    TRY(write_owned_file(main_conf, text, 0600, spec.run_as));
  }
  return {};
}

}  // namespace dbtwin::engine
