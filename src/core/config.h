// Configuration: embedded defaults, then a TOML file (/etc/dbtwin/dbtwin.toml or --config), then
// DBTWIN_* environment variables; the CLI applies its flags last.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "base/result.h"
#include "engine/engine.h"

namespace dbtwin::core {

namespace fs = std::filesystem;

// `dbtwin serve`: where it listens and who may call it.
struct ServeSettings {
  std::string listen = "127.0.0.1:5001";     // HOST:PORT, or unix:/path/to.sock
  std::string token;                         // the API token; required off loopback
  int threads = 64;                          // HTTP worker threads (each may wait on a clone)
  fs::path hooks_dir = "/etc/dbtwin/hooks";  // API clients name hooks; only these may run
};

// Limits on clone creation; 0 means no limit. Above them, creation is unavailable (HTTP 503).
struct Quotas {
  int max_clones = 0;
  int max_clones_per_template = 0;
  uint64_t min_free_bytes = 0;  // the pool's free space floor
};

// The daemon's background loops.
struct LifecycleSettings {
  std::chrono::seconds interval{2};      // how often the supervisor and reaper look
  std::chrono::seconds idle_timeout{0};  // 0: idle clones are kept
  std::chrono::seconds max_backoff{60};  // the longest wait between restarts of a crashed clone
  int keep_snapshots = 3;                // unused snapshots a scheduled refresh keeps
};

struct Config {
  fs::path state_dir;  // /var/lib/dbtwin as root, ~/.local/share/dbtwin otherwise
  int port_min = 6000;
  int port_max = 6999;
  std::string pool_driver = "auto";  // auto | btrfs | zfs | reflink | overlay | copy
  fs::path pool_path;                // empty: <state_dir>/pool
  std::string zfs_dataset;
  std::string run_as = "dbtwin";             // the service user for servers when running as root
  std::string listen_address = "127.0.0.1";  // where clone servers listen
  std::string advertise_host = "127.0.0.1";  // the host written in connection URLs
  std::chrono::seconds default_ttl{0};       // 0: clones do not expire unless asked
  std::chrono::seconds ready_timeout{120};
  engine::MemorySettings memory;
  engine::EngineOptions engines;
  ServeSettings serve;
  Quotas quotas;
  LifecycleSettings lifecycle;
  std::optional<fs::path> loaded_from;  // the file read, if any

  fs::path pool_root() const { return pool_path.empty() ? state_dir / "pool" : pool_path; }
};

using Environment = std::map<std::string, std::string>;
Environment current_environment();

// Loads the configuration. `file` is --config (must exist); without it, DBTWIN_CONFIG, then
// /etc/dbtwin/dbtwin.toml if present. An unknown key or a bad value is invalid_argument.
Result<Config> load_config(const std::optional<fs::path>& file, const Environment& env);

Status parse_port_range(const std::string& text, int& lo, int& hi);

}  // namespace dbtwin::core
