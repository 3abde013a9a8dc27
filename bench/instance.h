// One dbtwin state folder (its own catalog, pool driver and port range), driven through the
// real `dbtwin` executable exactly as a user would: the figures include process start-up,
// configuration, catalog and reconciliation, not just the library's inner steps.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "os/process.h"

namespace dbtwin::bench {

namespace fs = std::filesystem;

struct Timed {
  int exit_code = 0;
  std::string out;
  std::string err;
  double wall = 0;  // seconds from just before the spawn to just after the exit was reaped
};

class Instance {
 public:
  // `driver` is passed as --pool-driver (overlay, copy); a loop pool records its own.
  Instance(fs::path dbtwin, fs::path config, fs::path state, std::string port_range,
           std::optional<std::string> driver);

  // Runs `dbtwin <globals> --json ARGS` and times it; a non-zero exit is not an error here.
  Result<Timed> run(const std::vector<std::string>& args) const;
  // As run(), but a non-zero exit becomes an Error carrying dbtwin's own message.
  Result<nlohmann::json> json(const std::vector<std::string>& args) const;
  Result<nlohmann::json> json(const std::vector<std::string>& args, double& wall) const;
  // What runs `dbtwin <globals> ARGS` (no --json), for a process the caller runs and waits for
  // itself (the daemon); `extra_env` (KEY=VALUE) is added to the cleaned environment.
  os::SpawnOptions spawn_options(const std::vector<std::string>& args,
                                 const std::vector<std::string>& extra_env = {}) const;

  const fs::path& state() const { return state_; }
  fs::path pool_root() const { return state_ / "pool"; }

 private:
  fs::path dbtwin_;
  fs::path config_;
  fs::path state_;
  std::string port_range_;
  std::optional<std::string> driver_;
  std::vector<std::string> env_;
};

}  // namespace dbtwin::bench
