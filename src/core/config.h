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
