// Context: what one command needs, opened once: the configuration, the catalog, the pool, the
// engines and the service user. Opening it also reconciles the catalog with reality (see
// reconcile.h) and enforces time to live, so a killed command is cleaned up by the next one.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "catalog/catalog.h"
#include "core/config.h"
#include "engine/engine.h"
#include "os/files.h"
#include "os/process.h"
#include "storage/pool.h"

namespace dbtwin::core {

class Context {
 public:
  struct Options {
    bool reconcile = true;  // clean up after killed operations and expire clones on open
  };
  static Result<std::unique_ptr<Context>> open(Config config, Options options);
  static Result<std::unique_ptr<Context>> open(Config config) {
    return open(std::move(config), Options{});
  }

  const Config& config() const { return config_; }
  catalog::Catalog& catalog() { return *catalog_; }
  // The pool, opened on first use: its driver is fixed in the catalog the first time.
  Result<storage::StoragePool*> pool();
  Result<engine::Engine*> engine(engine::Kind kind);
  Result<engine::Engine*> engine(const std::string& kind_name);
  // The identity servers run as: the service user when root, else nobody to switch to.
  Result<std::optional<os::Identity>> run_as();

  // This process as the owner of a transitional catalog row.
  catalog::OpOwner self_op() const { return self_; }
  // Folders: the per-port run folder (socket, pid file, option file) and log files.
  fs::path run_dir(int port) const { return config_.state_dir / "run" / std::to_string(port); }
  fs::path log_path(const std::string& kind, const std::string& name) const {
    return config_.state_dir / "log" / (kind + "-" + name + ".log");
  }
  // What reconciliation and expiry did while opening, one sentence each, for the user.
  const std::vector<std::string>& notes() const { return notes_; }
  void add_note(std::string note) { notes_.push_back(std::move(note)); }

 private:
  explicit Context(Config c) : config_(std::move(c)) {}
  Status prepare_state_dir();
  Result<storage::Driver> pool_driver();

  Config config_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<storage::StoragePool> pool_;
  std::map<engine::Kind, std::unique_ptr<engine::Engine>> engines_;
  std::optional<std::optional<os::Identity>> run_as_;
  os::FileLock shared_lock_;
  catalog::OpOwner self_;
  std::vector<std::string> notes_;
};

}  // namespace dbtwin::core
