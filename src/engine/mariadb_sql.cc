// MariaDB statements, logins and imports, over libmariadb and the engine's client tools.
#include <charconv>

#include "base/strings.h"
#include "engine/conn_url.h"
#include "engine/dump_file.h"
#include "engine/import_pipe.h"
#include "engine/mariadb.h"
#include "engine/server_util.h"

namespace dbtwin::engine {

namespace {

// A number the server printed; 0 if it is not one.
uint64_t to_count(const std::optional<std::string>& text) {
  uint64_t v = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), v);
  return v;
}

// A [client] option file holding a password, so that it never reaches argv.
std::string client_option_file(const std::string& user, const std::string& password) {
  std::string quoted;
  for (char c : password) {
    if (c == '\\' || c == '"') quoted += '\\';
    quoted += c;
  }
  std::string quoted_user;
  for (char c : user) {
    if (c == '\\' || c == '"') quoted_user += '\\';
    quoted_user += c;
  }
  return "[client]\nuser=\"" + quoted_user + "\"\npassword=\"" + quoted + "\"\n";
}

}  // namespace

Result<MysqlConnection> MariadbEngine::connect(const ServerSpec& spec, const Credentials& creds,
                                               const std::string& database,
                                               unsigned timeout_s) const {
  MysqlTarget target;
  target.host = connect_host(spec.listen_address);
  target.port = spec.port;
  target.user = creds.user;
  target.password = creds.password;
  target.database = database;
  target.connect_timeout_s = timeout_s;
  return MysqlConnection::connect(target);
}

Status MariadbEngine::exec(const ServerSpec& spec, const Credentials& creds,
                           const std::string& database, const std::string& sql) {
  auto conn = TRY(connect(spec, creds, database));
  return conn.exec(sql);
}

Result<std::vector<Row>> MariadbEngine::query(const ServerSpec& spec, const Credentials& creds,
                                              const std::string& database, const std::string& sql) {
  auto conn = TRY(connect(spec, creds, database));
  return conn.query(sql);
}

Status MariadbEngine::create_database(const ServerSpec& spec, const Credentials& admin,
                                      const std::string& database) {
  auto conn = TRY(connect(spec, admin, ""));
  return with_context(conn.exec("CREATE DATABASE IF NOT EXISTS " + mysql_identifier(database)),
                      "creating database " + database);
}

Status MariadbEngine::create_login(const ServerSpec& spec, const Credentials& admin,
                                   const Credentials& login) {
  auto conn = TRY(connect(spec, admin, ""));
  std::string account = conn.literal(login.user) + "@'%'";
  return with_context(conn.exec(fmt::format("CREATE OR REPLACE USER {0} IDENTIFIED BY {1}; "
                                            "GRANT ALL PRIVILEGES ON *.* TO {0} WITH GRANT OPTION;",
                                            account, conn.literal(login.password))),
                      "creating login " + login.user);
}

Status MariadbEngine::import(const ServerSpec& spec, const Credentials& admin,
                             const std::string& database, const ImportSource& source,
                             const Progress& progress) {
  TRY(create_database(spec, admin, database));
  if (source.type == ImportSource::Type::custom) {
    return source.fill(url(connect_host(spec.listen_address), spec.port, admin, database),
                       progress);
  }
  auto client_path = TRY(program("mariadb"));
  auto client_cnf = TRY(
      SecretFile::create(spec.rundir, "client", client_option_file(admin.user, admin.password)));
  auto client =
      spawn_options({client_path.string(), "--defaults-extra-file=" + client_cnf.path().string(),
                     "--default-character-set=utf8mb4", "--protocol=TCP", "-h",
                     connect_host(spec.listen_address), "-P", std::to_string(spec.port), database});
  switch (source.type) {
    case ImportSource::Type::sql_file: {
      if (TRY(sniff_dump(source.path)) == DumpFormat::pg_archive) {
        return err(Errc::invalid_argument, "{} is a PostgreSQL archive, not a MariaDB dump",
                   source.path.string());
      }
      return import_sql_file(source.path, std::move(client), spec.rundir,
                             "mariadb importing " + source.path.string(), progress);
    }
    case ImportSource::Type::pg_archive:
      return err(Errc::invalid_argument, "a pg_dump archive cannot be imported into MariaDB");
    case ImportSource::Type::url: {
      auto src = TRY(parse_conn_url(source.url, {"mysql", "mariadb"}));
      if (src.database.empty()) {
        return err(Errc::invalid_argument, "the source URL names no database");
      }
      auto dump_path = TRY(program("mariadb-dump"));
      auto src_cnf = TRY(
          SecretFile::create(spec.rundir, "source", client_option_file(src.user, src.password)));
      auto dump = spawn_options(
          {dump_path.string(), "--defaults-extra-file=" + src_cnf.path().string(),
           "--single-transaction", "--routines", "--triggers", "--events", "--protocol=TCP", "-h",
           src.host, "-P", std::to_string(src.port ? src.port : 3306), src.database});
      if (progress) progress(0, 0);
      return pipe_dump_into_client(std::move(dump), std::move(client), spec.rundir,
                                   "mariadb-dump of " + src.host + "/" + src.database,
                                   "mariadb importing into " + database);
    }
    case ImportSource::Type::custom:
      break;  // handled above
  }
  return err(Errc::internal, "unknown import source type");
}

Result<Activity> MariadbEngine::activity(const ServerSpec& spec, const Credentials& admin) {
  auto conn = TRY(connect(spec, admin, "", 5));
  auto procs = TRY(conn.query("SHOW PROCESSLIST"));
  // Every statement a client runs counts in one Com_* variable. Questions would not do: it
  // also counts each session's COM_QUIT, the probe's own included, after the probe has read it.
  // The probe runs only SHOW PROCESSLIST and SHOW STATUS, whose counters take it back out.
  auto status = TRY(conn.query("SHOW GLOBAL STATUS LIKE 'Com\\_%'"));
  Activity a;
  bool own_seen = false;
  for (const auto& p : procs) {
    // Id, User, Host, db, Command, Time, State, Info, ...
    if (p.size() < 8) continue;
    std::string user = p[1].value_or(""), command = p[4].value_or(""), info = p[7].value_or("");
    if (!own_seen && user == admin.user && command == "Query" && info == "SHOW PROCESSLIST") {
      own_seen = true;
      continue;
    }
    if (user == "system user" || user == "event_scheduler") continue;
    if (command == "Daemon" || command == "Binlog Dump" || starts_with(command, "Slave_")) continue;
    ++a.connections;
  }
  for (const auto& s : status) {
    if (s.size() < 2 || !s[0]) continue;
    if (*s[0] == "Com_show_processlist" || *s[0] == "Com_show_status") continue;
    a.counter += to_count(s[1]);
  }
  return a;
}

std::string MariadbEngine::url(const std::string& host, int port, const Credentials& creds,
                               const std::string& database) const {
  return format_conn_url("mysql", host, port, creds.user, creds.password, database);
}

}  // namespace dbtwin::engine
