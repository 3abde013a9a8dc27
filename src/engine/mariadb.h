// MariaDB behind the Engine interface: mariadb-install-db, a generated option file in the run
// folder, mariadbd run detached with --defaults-file, libmariadb for logins and statements.
#pragma once

#include "engine/engine.h"
#include "engine/mysql_client.h"

namespace dbtwin::engine {

// The option file for a spec (exposed for unit tests).
Result<std::string> mariadb_server_conf(const ServerSpec& spec);

// Files in rundir.
fs::path mariadb_conf_path(const ServerSpec& spec);
fs::path mariadb_socket_path(const ServerSpec& spec);
fs::path mariadb_pid_path(const ServerSpec& spec);

// A copy of a follower gets RESET SLAVE ALL on its first ready login: prepare_copy leaves this
// marker in the data directory, wait_ready runs the statement and removes it.
inline constexpr std::string_view kResetReplicaMarker = "dbtwin-reset-replica";

class MariadbEngine final : public Engine {
 public:
  explicit MariadbEngine(fs::path bindir) : bindir_(std::move(bindir)) {}

  Kind kind() const override { return Kind::mariadb; }
  std::string admin_user() const override { return "root"; }
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
  Result<MysqlConnection> connect(const ServerSpec& spec, const Credentials& creds,
                                  const std::string& database, unsigned timeout_s = 10) const;
  Result<os::ProcessId> spawn_server(const ServerSpec& spec, std::vector<std::string> extra);
  // Sets the admin password for socket and TCP logins on a freshly installed directory.
  Status set_admin_password(const ServerSpec& spec, const os::ProcessId& server,
                            const Credentials& admin);

  fs::path bindir_;
};

}  // namespace dbtwin::engine
