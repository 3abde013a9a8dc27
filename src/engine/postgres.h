// PostgreSQL behind the Engine interface: initdb, a generated dbtwin.conf included from
// postgresql.conf, the postmaster run detached, libpq for logins and statements.
#pragma once

#include "engine/engine.h"
#include "engine/pg_client.h"

namespace dbtwin::engine {

// The PostgreSQL bindir: `configured`, else $DBTWIN_PG_BINDIR, else `pg_config --bindir` if
// it holds initdb and postgres, else the highest /usr/lib/postgresql/*/bin. Empty if none.
fs::path resolve_pg_bindir(const fs::path& configured);

// The text of dbtwin.conf and pg_hba.conf for a spec (exposed for unit tests).
Result<std::string> pg_server_conf(const ServerSpec& spec);
std::string pg_hba_conf();

class PostgresEngine final : public Engine {
 public:
  explicit PostgresEngine(fs::path bindir) : bindir_(std::move(bindir)) {}

  Kind kind() const override { return Kind::postgres; }
  std::string admin_user() const override { return "postgres"; }
  Status check_installed() const override;
  Result<std::string> version() const override;

  Status init_datadir(const ServerSpec& spec, const Credentials& admin) override;
  Status configure(const ServerSpec& spec) override;
  Status prepare_copy(const ServerSpec& spec) override;
  Result<os::ProcessId> start(const ServerSpec& spec) override;
  Status wait_ready(const ServerSpec& spec, const os::ProcessId& server, const Credentials& creds,
                    const std::string& database, std::chrono::milliseconds timeout) override;
  Status stop(const ServerSpec& spec, const os::ProcessId& server, StopMode mode) override;
  std::optional<os::ProcessId> running_server(const ServerSpec& spec) const override;

  Status exec(const ServerSpec& spec, const Credentials& creds, const std::string& database,
              const std::string& sql) override;
  Result<std::vector<Row>> query(const ServerSpec& spec, const Credentials& creds,
                                 const std::string& database, const std::string& sql) override;
  Status create_database(const ServerSpec& spec, const Credentials& admin,
                         const std::string& database) override;
  Status create_login(const ServerSpec& spec, const Credentials& admin,
                      const Credentials& login) override;
  Status import(const ServerSpec& spec, const Credentials& admin, const std::string& database,
                const ImportSource& source, const Progress& progress) override;
  Result<Activity> activity(const ServerSpec& spec, const Credentials& admin) override;

  std::string url(const std::string& host, int port, const Credentials& creds,
                  const std::string& database) const override;

 private:
  Result<fs::path> program(std::string_view name) const;
  Result<PgConnection> connect(const ServerSpec& spec, const Credentials& creds,
                               const std::string& database, int timeout_s = 10) const;
  // A client tool (psql, pg_restore) logged in to the server as `admin`, password in its env.
  Result<os::SpawnOptions> client(std::string_view tool, const ServerSpec& spec,
                                  const Credentials& admin, const std::string& database) const;
  Status run_initdb(const ServerSpec& spec, const Credentials& admin, const fs::path& pwfile,
                    std::string_view locale);

  fs::path bindir_;
};

}  // namespace dbtwin::engine
