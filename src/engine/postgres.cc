#include "engine/postgres.h"

#include <signal.h>

#include <algorithm>
#include <cstdlib>

#include "base/log.h"
#include "base/scope_guard.h"
#include "base/strings.h"
#include "engine/server_util.h"
#include "os/files.h"

namespace dbtwin::engine {

namespace {

bool has_server_programs(const fs::path& dir) {
  return os::exists(dir / "initdb") && os::exists(dir / "postgres");
}

// "15" < "16", "9.6" < "10": compares the leading numbers.
bool version_less(const std::string& a, const std::string& b) {
  auto num = [](const std::string& s) { return std::atof(s.c_str()); };
  return num(a) < num(b);
}

}  // namespace

fs::path resolve_pg_bindir(const fs::path& configured) {
  if (!configured.empty()) return configured;
  if (const char* env = std::getenv("DBTWIN_PG_BINDIR"); env && *env) return env;
  auto out = os::run(spawn_options({"pg_config", "--bindir"}));
  if (out.ok() && out->exit_code == 0) {
    fs::path dir(std::string(trim(out->out)));
    if (has_server_programs(dir)) return dir;
  }
  auto versions = os::list_dir("/usr/lib/postgresql");
  if (!versions.ok()) return {};
  std::sort(versions->begin(), versions->end(), version_less);
  for (auto it = versions->rbegin(); it != versions->rend(); ++it) {
    fs::path dir = fs::path("/usr/lib/postgresql") / *it / "bin";
    if (has_server_programs(dir)) return dir;
  }
  return {};
}

Result<fs::path> PostgresEngine::program(std::string_view name) const {
  if (bindir_.empty()) {
    return err(Errc::unavailable,
               "PostgreSQL is not installed: {} not found (no pg_config --bindir, no "
               "/usr/lib/postgresql/*/bin; set the PostgreSQL bindir)",
               name);
  }
  return find_program(bindir_, {std::string(name)}, {});
}

Status PostgresEngine::check_installed() const {
  for (auto name : {"initdb", "postgres", "psql", "pg_dump", "pg_restore"}) TRY(program(name));
  return {};
}

Result<std::string> PostgresEngine::version() const {
  auto postgres = TRY(program("postgres"));
  // "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
  auto out = TRY(os::run_checked(spawn_options({postgres.string(), "--version"}), Errc::engine));
  auto words = split(trim(out), ' ');
  if (words.size() < 3) return err(Errc::engine, "unexpected postgres --version output: {}", out);
  return words[2];
}

Status PostgresEngine::run_initdb(const ServerSpec& spec, const Credentials& admin,
                                  const fs::path& pwfile, std::string_view locale) {
  auto initdb = TRY(program("initdb"));
  std::vector<std::string> argv = {initdb.string(),
                                   "-D",
                                   spec.datadir.string(),
                                   "-U",
                                   admin.user,
                                   "--auth=scram-sha-256",
                                   "--pwfile=" + pwfile.string(),
                                   "-E",
                                   "UTF8",
                                   "--locale=" + std::string(locale)};
  if (!spec.durable) argv.push_back("--no-sync");
  TRY(os::run_checked(spawn_options(std::move(argv), spec.run_as, spec.datadir), Errc::engine));
  return {};
}

Status PostgresEngine::init_datadir(const ServerSpec& spec, const Credentials& admin) {
  TRY(check_installed());
  if (os::is_root() && !spec.run_as) {
    return err(Errc::invalid_argument,
               "PostgreSQL refuses to run as root: a run_as user is needed");
  }
  TRY(make_owned_dir(spec.datadir, 0700, spec.run_as));
  TRY(make_owned_dir(spec.rundir, 0700, spec.run_as));
  auto pwfile =
      TRY(SecretFile::create(spec.rundir, "initdb-pw", admin.password + "\n", spec.run_as));
  auto first = run_initdb(spec, admin, pwfile.path(), "C.UTF-8");
  if (!first.ok()) {
    // Hosts without the C.UTF-8 locale still have C; initdb cleans up after a failure.
    if (first.error().message.find("locale") == std::string::npos) {
      return std::move(first).error().context("initdb " + spec.datadir.string());
    }
    log::warn("initdb: C.UTF-8 unavailable, using the C locale");
    TRY_CTX(run_initdb(spec, admin, pwfile.path(), "C"), "initdb " + spec.datadir.string());
  }
  return {};
}

Status PostgresEngine::prepare_copy(const ServerSpec& spec) {
  // A copy must not look running (postmaster.pid) or stay a standby (comes up promoted).
  for (auto name : {"postmaster.pid", "postmaster.opts", "standby.signal", "recovery.signal"}) {
    TRY_CTX(os::remove_file(spec.datadir / name), "preparing a copy of " + spec.datadir.string());
  }
  TRY(os::set_mode(spec.datadir, 0700));
  if (spec.run_as) TRY(os::chown_tree(spec.datadir, spec.run_as->uid, spec.run_as->gid));
  return {};
}

Result<os::ProcessId> PostgresEngine::start(const ServerSpec& spec) {
  auto postgres = TRY(program("postgres"));
  if (os::is_root() && !spec.run_as) {
    return err(Errc::invalid_argument,
               "PostgreSQL refuses to run as root: a run_as user is needed");
  }
  if (auto running = running_server(spec)) {
    return err(Errc::conflict, "a PostgreSQL server (pid {}) already runs on {}", running->pid,
               spec.datadir.string());
  }
  // After a kill -9, PostgreSQL would take its dead but unreaped predecessor for a live server.
  TRY_CTX(clear_zombie_pid_file(spec.datadir / "postmaster.pid"), "starting PostgreSQL");
  auto log = TRY(open_log(spec.log_file));
  auto opts =
      spawn_options({postgres.string(), "-D", spec.datadir.string()}, spec.run_as, spec.datadir);
  opts.stdout_fd = log.get();
  opts.stderr_fd = log.get();
  return with_context(os::spawn_detached(opts), "starting PostgreSQL on " + spec.datadir.string());
}

Result<PgConnection> PostgresEngine::connect(const ServerSpec& spec, const Credentials& creds,
                                             const std::string& database, int timeout_s) const {
  PgTarget target;
  target.host = connect_host(spec.listen_address);
  target.port = spec.port;
  target.user = creds.user;
  target.password = creds.password;
  target.database = database;
  target.connect_timeout_s = timeout_s;
  return PgConnection::connect(target);
}

Status PostgresEngine::wait_ready(const ServerSpec& spec, const os::ProcessId& server,
                                  const Credentials& creds, const std::string& database,
                                  std::chrono::milliseconds timeout) {
  auto what = fmt::format("PostgreSQL on port {}", spec.port);
  return wait_for_login(server, spec.log_file, timeout, what, [&]() -> Status {
    TRY(connect(spec, creds, database, 2));
    return {};
  });
}

Status PostgresEngine::stop(const ServerSpec& spec, const os::ProcessId& server, StopMode mode) {
  // SIGINT: fast shutdown with a checkpoint, so the directory starts directly once copied.
  // SIGQUIT: immediate shutdown; the next start runs crash recovery.
  bool clean = mode == StopMode::clean;
  return stop_process(server, clean ? SIGINT : SIGQUIT,
                      clean ? std::chrono::seconds(60) : std::chrono::seconds(10),
                      fmt::format("PostgreSQL on {}", spec.datadir.string()));
}

std::optional<os::ProcessId> PostgresEngine::running_server(const ServerSpec& spec) const {
  return live_pid_from_file(spec.datadir / "postmaster.pid", "postgres");
}

}  // namespace dbtwin::engine
