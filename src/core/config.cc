#include "core/config.h"

#include <unistd.h>

#include <set>

#define TOML_EXCEPTIONS 1
#include <toml++/toml.h>

#include "base/strings.h"
#include "os/files.h"
#include "os/process.h"

extern char** environ;

namespace dbtwin::core {

namespace {

Config defaults(const Environment& env) {
  Config c;
  if (os::is_root()) {
    c.state_dir = "/var/lib/dbtwin";
  } else {
    auto home = env.find("HOME");
    c.state_dir = fs::path(home != env.end() ? home->second : "/tmp") / ".local/share/dbtwin";
  }
  return c;
}

// The token is read from a file so that it never sits in a process's arguments or environment.
Status read_token_file(Config& c, const std::string& path) {
  auto text = TRY_CTX(os::read_file(path), "server.token_file");
  c.serve.token = std::string(trim(text));
  if (c.serve.token.empty()) return err(Errc::invalid_argument, "token file {} is empty", path);
  return {};
}

// Applies one setting by its dotted key; the file and the environment share this table.
Status apply(Config& c, const std::string& key, const std::string& v) {
  auto ttl = [&](std::chrono::seconds& out) -> Status {
    out = TRY(parse_duration(v));
    return {};
  };
  auto integer = [&](int& out) -> Status {
    try {
      out = std::stoi(v);
    } catch (...) {
      return err(Errc::invalid_argument, "'{}' must be a whole number, not '{}'", key, v);
    }
    return {};
  };
  if (key == "state_dir")
    c.state_dir = v;
  else if (key == "port_range")
    return parse_port_range(v, c.port_min, c.port_max);
  else if (key == "run_as")
    c.run_as = v;
  else if (key == "listen_address")
    c.listen_address = v;
  else if (key == "advertise_host")
    c.advertise_host = v;
  else if (key == "default_ttl")
    return v.empty() || v == "0" ? (c.default_ttl = {}, Status{}) : ttl(c.default_ttl);
  else if (key == "ready_timeout")
    return ttl(c.ready_timeout);
  else if (key == "server.listen")
    c.serve.listen = v;
  else if (key == "server.token")
    c.serve.token = v;
  else if (key == "server.token_file")
    return read_token_file(c, v);
  else if (key == "server.hooks_dir")
    c.serve.hooks_dir = v;
  else if (key == "server.threads")
    return integer(c.serve.threads);
  else if (key == "quota.max_clones")
    return integer(c.quotas.max_clones);
  else if (key == "quota.max_clones_per_template")
    return integer(c.quotas.max_clones_per_template);
  else if (key == "quota.min_free")
    return v.empty() || v == "0" ? (c.quotas.min_free_bytes = 0, Status{})
                                 : (c.quotas.min_free_bytes = TRY(parse_size(v)), Status{});
  else if (key == "lifecycle.interval")
    return ttl(c.lifecycle.interval);
  else if (key == "lifecycle.idle_timeout")
    return v.empty() || v == "0" ? (c.lifecycle.idle_timeout = {}, Status{})
                                 : ttl(c.lifecycle.idle_timeout);
  else if (key == "lifecycle.max_backoff")
    return ttl(c.lifecycle.max_backoff);
  else if (key == "lifecycle.keep_snapshots")
    return integer(c.lifecycle.keep_snapshots);
  else if (key == "pool.driver")
    c.pool_driver = v;
  else if (key == "pool.path")
    c.pool_path = v;
  else if (key == "pool.zfs_dataset")
    c.zfs_dataset = v;
  else if (key == "postgres.bindir")
    c.engines.pg_bindir = v;
  else if (key == "postgres.shared_buffers")
    c.memory.pg_shared_buffers = v;
  else if (key == "postgres.work_mem")
    c.memory.pg_work_mem = v;
  else if (key == "postgres.max_connections")
    return integer(c.memory.pg_max_connections);
  else if (key == "mariadb.bindir")
    c.engines.mariadb_bindir = v;
  else if (key == "mariadb.innodb_buffer_pool_size")
    c.memory.mariadb_buffer_pool = v;
  else if (key == "mariadb.max_connections")
    return integer(c.memory.mariadb_max_connections);
  else
    return err(Errc::invalid_argument, "unknown configuration key '{}'", key);
  return {};
}

const std::map<std::string, std::string> kEnvKeys = {
    {"DBTWIN_STATE_DIR", "state_dir"},
    {"DBTWIN_PORT_RANGE", "port_range"},
    {"DBTWIN_RUN_AS", "run_as"},
    {"DBTWIN_LISTEN_ADDRESS", "listen_address"},
    {"DBTWIN_ADVERTISE_HOST", "advertise_host"},
    {"DBTWIN_DEFAULT_TTL", "default_ttl"},
    {"DBTWIN_READY_TIMEOUT", "ready_timeout"},
    {"DBTWIN_POOL_DRIVER", "pool.driver"},
    {"DBTWIN_POOL_PATH", "pool.path"},
    {"DBTWIN_ZFS_DATASET", "pool.zfs_dataset"},
    {"DBTWIN_PG_BINDIR", "postgres.bindir"},
    {"DBTWIN_PG_SHARED_BUFFERS", "postgres.shared_buffers"},
    {"DBTWIN_MARIADB_BINDIR", "mariadb.bindir"},
    {"DBTWIN_MARIADB_BUFFER_POOL", "mariadb.innodb_buffer_pool_size"},
    {"DBTWIN_LISTEN", "server.listen"},
    {"DBTWIN_API_TOKEN", "server.token"},
    {"DBTWIN_API_TOKEN_FILE", "server.token_file"},
    {"DBTWIN_MAX_CLONES", "quota.max_clones"},
    {"DBTWIN_MAX_CLONES_PER_TEMPLATE", "quota.max_clones_per_template"},
    {"DBTWIN_MIN_FREE", "quota.min_free"},
    {"DBTWIN_LIFECYCLE_INTERVAL", "lifecycle.interval"},
    {"DBTWIN_IDLE_TIMEOUT", "lifecycle.idle_timeout"},
    {"DBTWIN_MAX_BACKOFF", "lifecycle.max_backoff"},
    {"DBTWIN_KEEP_SNAPSHOTS", "lifecycle.keep_snapshots"},
};

std::string toml_value_text(const toml::node& node) {
  if (auto s = node.value<std::string>()) return *s;
  if (auto i = node.value<int64_t>()) return std::to_string(*i);
  if (auto b = node.value<bool>()) return *b ? "true" : "false";
  return "";
}

Status apply_file(Config& c, const fs::path& path) {
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    return err(Errc::invalid_argument, "configuration {} line {}: {}", path.string(),
               e.source().begin.line, e.description());
  }
  for (auto& [key, node] : table) {
    std::string k(key.str());
    if (auto* sub = node.as_table()) {
      for (auto& [subkey, subnode] : *sub) {
        TRY_CTX(apply(c, k + "." + std::string(subkey.str()), toml_value_text(subnode)),
                fmt::format("configuration {}", path.string()));
      }
    } else {
      TRY_CTX(apply(c, k, toml_value_text(node)), fmt::format("configuration {}", path.string()));
    }
  }
  c.loaded_from = path;
  return {};
}

}  // namespace

Environment current_environment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

Status parse_port_range(const std::string& text, int& lo, int& hi) {
  auto parts = split(text, '-');
  try {
    if (parts.size() == 2) {
      int a = std::stoi(parts[0]), b = std::stoi(parts[1]);
      if (a > 0 && b <= 65535 && a <= b) {
        lo = a;
        hi = b;
        return {};
      }
    }
  } catch (...) {
  }
  return err(Errc::invalid_argument, "invalid port range '{}' (expected e.g. 6000-6999)", text);
}

Result<Config> load_config(const std::optional<fs::path>& file, const Environment& env) {
  Config c = defaults(env);
  std::optional<fs::path> path = file;
  if (!path) {
    if (auto it = env.find("DBTWIN_CONFIG"); it != env.end() && !it->second.empty())
      path = it->second;
  }
  if (path) {
    if (!fs::exists(*path))
      return err(Errc::not_found, "configuration file {} does not exist", path->string());
    TRY(apply_file(c, *path));
  } else if (fs::exists("/etc/dbtwin/dbtwin.toml")) {
    TRY(apply_file(c, "/etc/dbtwin/dbtwin.toml"));
  }
  for (const auto& [var, key] : kEnvKeys) {
    if (auto it = env.find(var); it != env.end() && !it->second.empty()) {
      TRY_CTX(apply(c, key, it->second), fmt::format("environment variable {}", var));
    }
  }
  return c;
}

}  // namespace dbtwin::core
