// PostgreSQL statements, logins and imports, over libpq and the engine's client tools.
#include <charconv>

#include "base/strings.h"
#include "engine/conn_url.h"
#include "engine/dump_file.h"
#include "engine/import_pipe.h"
#include "engine/postgres.h"
#include "engine/server_util.h"

namespace dbtwin::engine {

namespace {

// A number the server printed; 0 if it is not one.
uint64_t to_count(const std::optional<std::string>& text) {
  uint64_t v = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), v);
  return v;
}

}  // namespace

Status PostgresEngine::exec(const ServerSpec& spec, const Credentials& creds,
                            const std::string& database, const std::string& sql) {
  auto conn = TRY(connect(spec, creds, database));
  return conn.exec(sql);
}

Result<std::vector<Row>> PostgresEngine::query(const ServerSpec& spec, const Credentials& creds,
                                               const std::string& database,
                                               const std::string& sql) {
  auto conn = TRY(connect(spec, creds, database));
  return conn.query(sql);
}

Status PostgresEngine::create_database(const ServerSpec& spec, const Credentials& admin,
                                       const std::string& database) {
  auto conn = TRY(connect(spec, admin, "postgres"));
  auto lit = TRY(conn.literal(database));
  auto rows = TRY(conn.query("SELECT 1 FROM pg_database WHERE datname = " + lit));
  if (!rows.empty()) return {};
  auto ident = TRY(conn.identifier(database));
  return with_context(conn.exec("CREATE DATABASE " + ident), "creating database " + database);
}

Status PostgresEngine::create_login(const ServerSpec& spec, const Credentials& admin,
                                    const Credentials& login) {
  auto conn = TRY(connect(spec, admin, "postgres"));
  auto ident = TRY(conn.identifier(login.user));
  auto verifier = TRY(conn.encrypt_password(login.user, login.password));
  auto secret = TRY(conn.literal(verifier));
  auto name = TRY(conn.literal(login.user));
  auto rows = TRY(conn.query("SELECT 1 FROM pg_roles WHERE rolname = " + name));
  std::string verb = rows.empty() ? "CREATE ROLE " : "ALTER ROLE ";
  return with_context(conn.exec(verb + ident + " LOGIN SUPERUSER PASSWORD " + secret),
                      "creating login " + login.user);
}

Result<os::SpawnOptions> PostgresEngine::client(std::string_view tool, const ServerSpec& spec,
                                                const Credentials& admin,
                                                const std::string& database) const {
  auto path = TRY(program(tool));
  os::SpawnOptions opts;
  opts.argv = {path.string(),
               "-h",
               connect_host(spec.listen_address),
               "-p",
               std::to_string(spec.port),
               "-U",
               admin.user,
               "-d",
               database};
  // The password travels in the environment, never in argv.
  opts.env = {"PGPASSWORD=" + admin.password, "PGSSLMODE=disable", "PGAPPNAME=dbtwin-import",
              "PGCONNECT_TIMEOUT=10"};
  return opts;
}

Status PostgresEngine::import(const ServerSpec& spec, const Credentials& admin,
                              const std::string& database, const ImportSource& source,
                              const Progress& progress) {
  TRY(create_database(spec, admin, database));
  if (source.type == ImportSource::Type::custom) {
    return source.fill(url(connect_host(spec.listen_address), spec.port, admin, database),
                       progress);
  }
  auto type = source.type;
  if (type == ImportSource::Type::sql_file &&
      TRY(sniff_dump(source.path)) == DumpFormat::pg_archive) {
    type = ImportSource::Type::pg_archive;
  }
  switch (type) {
    case ImportSource::Type::sql_file: {
      // A dump that creates and enters its own database (DROP/CREATE DATABASE, then \c) must
      // not start inside the database it drops: it starts in the maintenance database.
      bool own_database = sql_switches_database(TRY(read_sql_head(source.path, 256 * 1024)));
      auto psql = TRY(client("psql", spec, admin, own_database ? "postgres" : database));
      psql.argv.insert(psql.argv.begin() + 1, {"-X", "-q", "-v", "ON_ERROR_STOP=1"});
      return import_sql_file(source.path, std::move(psql), spec.rundir,
                             "psql importing " + source.path.string(), progress);
    }
    case ImportSource::Type::pg_archive: {
      auto restore = TRY(client("pg_restore", spec, admin, database));
      restore.argv.insert(restore.argv.begin() + 1,
                          {"--no-owner", "--no-privileges", "--exit-on-error"});
      restore.argv.push_back(source.path.string());
      std::error_code ec;
      uint64_t total = fs::file_size(source.path, ec);
      if (progress) progress(0, total);
      TRY(run_client(std::move(restore), spec.rundir, "pg_restore of " + source.path.string()));
      if (progress) progress(total, total);
      return {};
    }
    case ImportSource::Type::url: {
      auto src = TRY(parse_conn_url(source.url, {"postgres", "postgresql"}));
      auto dump_path = TRY(program("pg_dump"));
      // The URL goes to pg_dump without its password, which travels in the environment.
      std::string bare = format_conn_url(src.scheme, src.host, src.port ? src.port : 5432, src.user,
                                         "", src.database);
      if (!src.query.empty()) bare += "?" + src.query;
      auto dump = spawn_options({dump_path.string(), "--no-owner", "--no-privileges", "-d", bare});
      dump.env = {"PGPASSWORD=" + src.password};
      auto psql = TRY(client("psql", spec, admin, database));
      psql.argv.insert(psql.argv.begin() + 1, {"-X", "-q", "-v", "ON_ERROR_STOP=1"});
      if (progress) progress(0, 0);
      return pipe_dump_into_client(std::move(dump), std::move(psql), spec.rundir,
                                   "pg_dump of " + src.host + "/" + src.database,
                                   "psql importing into " + database);
    }
    case ImportSource::Type::custom:
      break;  // handled above
  }
  return err(Errc::internal, "unknown import source type");
}

Result<Activity> PostgresEngine::activity(const ServerSpec& spec, const Credentials& admin) {
  // The probe logs in to template1, where nobody works, and counts the other databases only:
  // its own session never shows in the counter. (CREATE DATABASE waits for a session on its
  // template to leave, so the probe's few milliseconds there are harmless.)
  auto conn = connect(spec, admin, "template1", 5);
  if (!conn) conn = TRY(connect(spec, admin, "postgres", 5));
  auto version = TRY(conn->query("SELECT current_setting('server_version_num')"));
  bool has_sessions = !version.empty() && to_count(version[0][0]) >= 140000;
  // Sessions, not transactions: autovacuum workers commit transactions in an idle database,
  // but only client sessions are counted in `sessions` (PostgreSQL 14+). A client that keeps
  // its session open shows in `connections` instead.
  std::string counted =
      has_sessions ? "sessions" : "xact_commit + xact_rollback";  // 13: autovacuum adds noise
  auto rows = TRY(conn->query(fmt::format(
      "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
      "AND pid <> pg_backend_pid()), (SELECT coalesce(sum({}), 0) FROM pg_stat_database "
      "WHERE datname IS NOT NULL AND datname <> current_database())",
      counted)));
  if (rows.empty() || rows[0].size() != 2 || !rows[0][0] || !rows[0][1]) {
    return err(Errc::engine, "PostgreSQL on port {}: unexpected activity answer", spec.port);
  }
  Activity a;
  a.connections = static_cast<int>(to_count(rows[0][0]));
  a.counter = to_count(rows[0][1]);
  return a;
}

std::string PostgresEngine::url(const std::string& host, int port, const Credentials& creds,
                                const std::string& database) const {
  return format_conn_url("postgres", host, port, creds.user, creds.password, database);
}

}  // namespace dbtwin::engine
