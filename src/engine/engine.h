// Engine: a database server kind (PostgreSQL or MariaDB) behind one interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "os/process.h"

namespace dbtwin::engine {

namespace fs = std::filesystem;

enum class Kind { postgres, mariadb };
std::string_view kind_name(Kind k);
Result<Kind> parse_kind(std::string_view name);  // "postgres"/"postgresql", "mariadb"/"mysql"

struct Credentials {
  std::string user;
  std::string password;
};

// Clone servers start small so that one machine holds a hundred of them.
struct MemorySettings {
  std::string pg_shared_buffers = "32MB";
  std::string pg_work_mem = "4MB";
  int pg_max_connections = 50;
  std::string mariadb_buffer_pool = "32M";
  int mariadb_max_connections = 50;
};

// Everything needed to run one server on one data directory.
struct ServerSpec {
  fs::path datadir;   // the volume holding the data directory
  fs::path rundir;    // private folder for the socket, pid file and option file
  fs::path log_file;  // the server's stdout and stderr
  std::string listen_address = "127.0.0.1";
  int port = 0;
  std::optional<os::Identity> run_as;  // the service user when dbtwin runs as root
  MemorySettings memory;
  bool durable = true;     // false while importing: fsync and log flushes off
  uint32_t server_id = 1;  // MariaDB server_id; unique per clone
};

enum class StopMode {
  fast,   // PostgreSQL fast shutdown; MariaDB shutdown without a slow purge
  clean,  // a clean checkpoint so the data directory can be copied and started directly
};

// Progress of a long step: bytes done and total (total 0 when unknown).
using Progress = std::function<void(uint64_t done, uint64_t total)>;

// Where an import reads from.
struct ImportSource {
  enum class Type { sql_file, pg_archive, url, custom };
  Type type = Type::sql_file;
  fs::path path;    // sql_file: plain, .gz or .zst SQL; pg_archive: a pg_dump custom archive
  std::string url;  // url: a live server to copy logically with the engine's dump tool
  // custom: fills the (already created) database itself, given the import server's admin URL;
  // used by layers above the engine, e.g. a restore from a bridge dump.
  std::function<Status(const std::string& admin_url, const Progress& progress)> fill;
};

using Row = std::vector<std::optional<std::string>>;

// What a server is doing, for idle detection: sampled now and then, compared with the last sample.
struct Activity {
  int connections = 0;   // client sessions open now, other than the probe's own
  uint64_t counter = 0;  // grows with client work; the probes themselves leave it unchanged
};

class Engine {
 public:
  virtual ~Engine() = default;

  virtual Kind kind() const = 0;
  // The superuser a template's data directory is created with ("postgres", "root").
  virtual std::string admin_user() const = 0;
  // Unavailable, naming the missing program, if the engine's binaries are not installed.
  virtual Status check_installed() const = 0;
  // Server version text, e.g. "15.18".
  virtual Result<std::string> version() const = 0;

  // Creates an empty data directory at spec.datadir with `admin` as its superuser.
  virtual Status init_datadir(const ServerSpec& spec, const Credentials& admin) = 0;
  // Writes the configuration for spec (port, socket, memory, durability) into the data
  // directory or run folder. Called before every start, so a copy gets its own settings.
  virtual Status configure(const ServerSpec& spec) = 0;
  // Prepares a copied data directory to run as a new server: removes the pid file and standby
  // signal, resets replication state on first start. Called once per copy, before configure().
  virtual Status prepare_copy(const ServerSpec& spec) = 0;
  // Starts the server detached from the caller, running as spec.run_as.
  virtual Result<os::ProcessId> start(const ServerSpec& spec) = 0;
  // Waits until `creds` can really log in over TCP to `database`. Fails at once, with the tail
  // of the server log, if the server process dies.
  virtual Status wait_ready(const ServerSpec& spec, const os::ProcessId& server,
                            const Credentials& creds, const std::string& database,
                            std::chrono::milliseconds timeout) = 0;
  // Stops the server and waits until it is gone (SIGKILL after a grace period).
  virtual Status stop(const ServerSpec& spec, const os::ProcessId& server, StopMode mode) = 0;
  // Finds the server already running on this data directory (its pid file), if any.
  virtual std::optional<os::ProcessId> running_server(const ServerSpec& spec) const = 0;

  // Runs SQL statements over TCP as `creds`.
  virtual Status exec(const ServerSpec& spec, const Credentials& creds, const std::string& database,
                      const std::string& sql) = 0;
  // Runs one query and returns its rows as text (NULL as nullopt).
  virtual Result<std::vector<Row>> query(const ServerSpec& spec, const Credentials& creds,
                                         const std::string& database, const std::string& sql) = 0;
  virtual Status create_database(const ServerSpec& spec, const Credentials& admin,
                                 const std::string& database) = 0;
  // Creates (or replaces the password of) a login with every privilege on the server.
  virtual Status create_login(const ServerSpec& spec, const Credentials& admin,
                              const Credentials& login) = 0;
  // Imports a dump or a live server into `database` (created first if missing), with the
  // engine's own client tools. An import error carries the engine's message.
  virtual Status import(const ServerSpec& spec, const Credentials& admin,
                        const std::string& database, const ImportSource& source,
                        const Progress& progress) = 0;
  // Open client sessions and a work counter, logged in as `admin`. The counter only means
  // something compared with an earlier sample of the same server (a restart may reset it).
  virtual Result<Activity> activity(const ServerSpec& spec, const Credentials& admin) = 0;

  // A libpq / MariaDB style connection URL.
  virtual std::string url(const std::string& host, int port, const Credentials& creds,
                          const std::string& database) const = 0;
};

struct EngineOptions {
  fs::path pg_bindir;       // empty: pg_config --bindir, then /usr/lib/postgresql/<highest>/bin
  fs::path mariadb_bindir;  // empty: PATH, /usr/sbin, /usr/bin
};

Result<std::unique_ptr<Engine>> make_engine(Kind kind, const EngineOptions& options);

}  // namespace dbtwin::engine
