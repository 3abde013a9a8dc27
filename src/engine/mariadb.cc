#include "engine/mariadb.h"

#include <signal.h>

#include "base/scope_guard.h"
#include "base/strings.h"
#include "engine/server_util.h"
#include "os/files.h"

namespace dbtwin::engine {

namespace {

// Each program with the older MySQL name as a fallback.
std::vector<std::string> names_of(std::string_view name) {
  if (name == "mariadbd") return {"mariadbd", "mysqld"};
  if (name == "mariadb-install-db") return {"mariadb-install-db", "mysql_install_db"};
  if (name == "mariadb") return {"mariadb", "mysql"};
  if (name == "mariadb-dump") return {"mariadb-dump", "mysqldump"};
  return {std::string(name)};
}

// The server must be cleanly installed once before it can take TCP logins with a password.
constexpr auto kInitTimeout = std::chrono::seconds(120);

}  // namespace

Result<fs::path> MariadbEngine::program(std::string_view name) const {
  return find_program(bindir_, names_of(name), {"/usr/sbin", "/usr/bin"});
}

Status MariadbEngine::check_installed() const {
  for (auto name : {"mariadbd", "mariadb-install-db", "mariadb", "mariadb-dump"}) {
    TRY(program(name));
  }
  return {};
}

Result<std::string> MariadbEngine::version() const {
  auto server = TRY(program("mariadbd"));
  // "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)"
  auto out = TRY(os::run_checked(spawn_options({server.string(), "--version"}), Errc::engine));
  auto at = out.find("Ver ");
  if (at == std::string::npos)
    return err(Errc::engine, "unexpected mariadbd --version output: {}", out);
  auto ver = out.substr(at + 4);
  return ver.substr(0, ver.find_first_of("- "));
}

Result<os::ProcessId> MariadbEngine::spawn_server(const ServerSpec& spec,
                                                  std::vector<std::string> extra) {
  auto server = TRY(program("mariadbd"));
  if (os::is_root() && !spec.run_as) {
    return err(Errc::invalid_argument, "MariaDB is not run as root: a run_as user is needed");
  }
  auto log = TRY(open_log(spec.log_file));
  // --defaults-file must come first; it keeps /etc/mysql out, as --no-defaults would.
  std::vector<std::string> argv = {server.string(),
                                   "--defaults-file=" + mariadb_conf_path(spec).string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto opts = spawn_options(std::move(argv), spec.run_as, spec.datadir);
  opts.stdout_fd = log.get();
  opts.stderr_fd = log.get();
  return with_context(os::spawn_detached(opts), "starting MariaDB on " + spec.datadir.string());
}

Status MariadbEngine::init_datadir(const ServerSpec& spec, const Credentials& admin) {
  TRY(check_installed());
  if (os::is_root() && !spec.run_as) {
    return err(Errc::invalid_argument, "MariaDB is not run as root: a run_as user is needed");
  }
  TRY(make_owned_dir(spec.datadir, 0700, spec.run_as));
  TRY(make_owned_dir(spec.rundir, 0700, spec.run_as));
  auto install = TRY(program("mariadb-install-db"));
  // The redo log is created at its final size, so that no start has to resize it.
  TRY_CTX(
      os::run_checked(
          spawn_options({install.string(), "--no-defaults", "--datadir=" + spec.datadir.string(),
                         "--auth-root-authentication-method=normal", "--skip-test-db",
                         "--skip-name-resolve", "--innodb-log-file-size=16M",
                         // Not /tmp: a server starting elsewhere would delete its temporary tables.
                         "--tmpdir=" + spec.rundir.string()},
                        spec.run_as, spec.datadir),
          Errc::engine),
      "mariadb-install-db " + spec.datadir.string());

  // Once on its socket only, to give the admin a password for TCP logins.
  TRY(configure(spec));
  auto server = TRY(spawn_server(spec, {"--skip-networking"}));
  ScopeGuard kill_server(
      [&] { (void)stop_process(server, SIGKILL, std::chrono::seconds(10), "MariaDB"); });
  TRY_CTX(set_admin_password(spec, server, admin), "initializing " + spec.datadir.string());
  kill_server.dismiss();
  return stop(spec, server, StopMode::clean);
}

Status MariadbEngine::set_admin_password(const ServerSpec& spec, const os::ProcessId& server,
                                         const Credentials& admin) {
  MysqlTarget target;
  target.socket = mariadb_socket_path(spec).string();
  target.user = "root";
  target.connect_timeout_s = 2;
  auto ready = wait_for_login(server, spec.log_file, kInitTimeout, "MariaDB (initializing)",
                              [&]() -> Status {
                                TRY(MysqlConnection::connect(target));
                                return {};
                              });
  if (!ready.ok()) return ready;
  auto conn = TRY(MysqlConnection::connect(target));
  std::string user = conn.literal(admin.user);
  std::string password = conn.literal(admin.password);
  // skip-name-resolve: TCP logins match 127.0.0.1, ::1 or %, never localhost.
  std::string sql = "DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES;";
  for (auto host : {"localhost", "127.0.0.1", "::1", "%"}) {
    std::string account = user + "@'" + host + "'";
    sql += fmt::format(
        "CREATE USER IF NOT EXISTS {0} IDENTIFIED BY {1}; ALTER USER {0} IDENTIFIED BY {1}; "
        "GRANT ALL PRIVILEGES ON *.* TO {0} WITH GRANT OPTION;",
        account, password);
  }
  return conn.exec(sql);
}

Status MariadbEngine::prepare_copy(const ServerSpec& spec) {
  auto names = TRY_CTX(os::list_dir(spec.datadir), "preparing a copy of " + spec.datadir.string());
  bool follower = false;
  for (const auto& name : names) {
    // Pid files and a MySQL server identity belong to the original server.
    if (ends_with(name, ".pid") || name == "auto.cnf" || ends_with(name, ".sock") ||
        ends_with(name, ".sock.lock")) {
      TRY(os::remove_file(spec.datadir / name));
    }
    if (name == "master.info" || name == "relay-log.info" || name == "multi-master.info" ||
        name.find("relay-bin") != std::string::npos) {
      follower = true;
    }
  }
  if (follower) {
    TRY(write_owned_file(spec.datadir / std::string(kResetReplicaMarker), "", 0600, spec.run_as));
  }
  for (const auto& stale : {mariadb_pid_path(spec), mariadb_socket_path(spec),
                            fs::path(mariadb_socket_path(spec).string() + ".lock")}) {
    TRY(os::remove_file(stale));
  }
  TRY(os::set_mode(spec.datadir, 0700));
  if (spec.run_as) TRY(os::chown_tree(spec.datadir, spec.run_as->uid, spec.run_as->gid));
  return {};
}

Result<os::ProcessId> MariadbEngine::start(const ServerSpec& spec) {
  if (auto running = running_server(spec)) {
    return err(Errc::conflict, "a MariaDB server (pid {}) already runs on {}", running->pid,
               spec.datadir.string());
  }
  (void)os::remove_file(mariadb_pid_path(spec));  // stale: its server is gone
  return spawn_server(spec, {});
}

Status MariadbEngine::wait_ready(const ServerSpec& spec, const os::ProcessId& server,
                                 const Credentials& creds, const std::string& database,
                                 std::chrono::milliseconds timeout) {
  auto what = fmt::format("MariaDB on port {}", spec.port);
  auto ready = wait_for_login(server, spec.log_file, timeout, what, [&]() -> Status {
    TRY(connect(spec, creds, database, 2));
    return {};
  });
  if (!ready.ok()) return ready;
  fs::path marker = spec.datadir / std::string(kResetReplicaMarker);
  if (!os::exists(marker)) return {};
  // A copy of a follower: skip_slave_start kept it from replicating; now forget the primary.
  auto conn = TRY(connect(spec, creds, database));
  TRY_CTX(conn.exec("STOP ALL SLAVES; RESET SLAVE ALL;"), "resetting replication on a copy");
  return os::remove_file(marker);
}

Status MariadbEngine::stop(const ServerSpec& spec, const os::ProcessId& server, StopMode mode) {
  // SIGTERM: a clean shutdown. SIGKILL: InnoDB crash recovery on the next start.
  bool clean = mode == StopMode::clean;
  return stop_process(server, clean ? SIGTERM : SIGKILL,
                      clean ? std::chrono::seconds(60) : std::chrono::seconds(10),
                      fmt::format("MariaDB on {}", spec.datadir.string()));
}

std::optional<os::ProcessId> MariadbEngine::running_server(const ServerSpec& spec) const {
  auto server = program("mariadbd");
  std::string hint = server.ok() ? server->filename().string() : "mariadbd";
  return live_pid_from_file(mariadb_pid_path(spec), hint);
}

}  // namespace dbtwin::engine
