// Test support for engine servers: the service user, free ports from a per-process block, a golden
// data directory per engine made once per test process, and a server guard that always stops.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "engine/engine.h"

namespace dbtwin::test {

namespace fs = std::filesystem;

// The `dbtwin` service user when running as root (created if missing), else nobody.
Result<std::optional<os::Identity>> engine_service_user();

// A port from this process's block (unique_port_base) that is free now and was not handed out
// before in this process.
int next_engine_port();

// The admin login every test data directory is created with.
engine::Credentials test_admin(engine::Kind kind);
// A database that always exists ("postgres", or none for MariaDB).
std::string default_database(engine::Kind kind);

// The engine with default options, or a reason to skip.
Result<std::unique_ptr<engine::Engine>> installed_engine(engine::Kind kind);

// A spec for a server under base/name (datadir, rundir, log), on a fresh port.
Result<engine::ServerSpec> make_server_spec(const fs::path& base, const std::string& name);

// An initialized, cleanly stopped data directory for the engine, made once per process.
Result<fs::path> golden_datadir(engine::Engine& engine);

// make_server_spec's spec, with a copy of the golden directory at `datadir` (default: the spec's
// own); not yet prepared or configured.
Result<engine::ServerSpec> spec_from_golden(engine::Engine& engine, const fs::path& base,
                                            const std::string& name, bool durable,
                                            const fs::path& datadir = {});

// One server: owns its process from start() on and stops it (fast) on destruction.
class EngineServer {
 public:
  EngineServer(engine::Engine& engine, engine::ServerSpec spec)
      : engine_(engine), spec_(std::move(spec)) {}
  EngineServer(const EngineServer&) = delete;
  EngineServer& operator=(const EngineServer&) = delete;
  ~EngineServer();

  // A copy of the golden directory, prepared and configured, not started.
  static Result<std::unique_ptr<EngineServer>> from_golden(engine::Engine& engine,
                                                           const fs::path& base,
                                                           const std::string& name,
                                                           bool durable = true);

  Status start();
  Status wait_ready(const engine::Credentials& creds,
                    std::chrono::milliseconds timeout = std::chrono::seconds(120));
  Status start_and_wait();  // as the admin, on the default database
  Status stop(engine::StopMode mode);

  engine::ServerSpec& spec() { return spec_; }
  const std::optional<os::ProcessId>& process() const { return pid_; }
  engine::Credentials admin() const { return test_admin(engine_.kind()); }

 private:
  engine::Engine& engine_;
  engine::ServerSpec spec_;
  std::optional<os::ProcessId> pid_;
};

}  // namespace dbtwin::test
