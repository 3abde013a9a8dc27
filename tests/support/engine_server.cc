#include "support/engine_server.h"

#include "support/cli.h"

#include <atomic>
#include <map>
#include <mutex>

#include "os/files.h"
#include "os/net.h"
#include "os/users.h"
#include "support/temp_dir.h"

namespace dbtwin::test {

Result<std::optional<os::Identity>> engine_service_user() {
  if (!running_as_root()) return std::optional<os::Identity>();
  auto id = TRY(os::ensure_system_user("dbtwin"));
  return std::optional<os::Identity>(id);
}

int next_engine_port() {
  // A block no other test process holds, so parallel engine tests never pick the same port.
  static const int base = unique_port_base();
  static std::atomic<int> next{0};
  for (int i = 0; i < 100; ++i) {
    int port = base + next.fetch_add(1) % 100;
    if (os::tcp_port_free("127.0.0.1", port)) return port;
  }
  return 0;
}

engine::Credentials test_admin(engine::Kind kind) {
  return {kind == engine::Kind::postgres ? "postgres" : "root", "admin'pw\"1"};
}

std::string default_database(engine::Kind kind) {
  return kind == engine::Kind::postgres ? "postgres" : "";
}

Result<std::unique_ptr<engine::Engine>> installed_engine(engine::Kind kind) {
  auto e = TRY(engine::make_engine(kind, {}));
  TRY(e->check_installed());
  return e;
}

Result<engine::ServerSpec> make_server_spec(const fs::path& base, const std::string& name) {
  engine::ServerSpec spec;
  spec.datadir = base / name / "data";
  spec.rundir = base / name / "run";
  spec.log_file = base / name / "server.log";
  spec.port = next_engine_port();
  if (spec.port == 0) return err(Errc::unavailable, "no free port in this test process's block");
  spec.run_as = TRY(engine_service_user());
  spec.server_id = static_cast<uint32_t>(spec.port);
  TRY(os::make_dirs(base / name, 0755));
  return spec;
}

Result<fs::path> golden_datadir(engine::Engine& engine) {
  // Made once and shared: initializing takes seconds, a copy a fraction of that.
  static std::mutex mu;
  static std::map<engine::Kind, fs::path> made;
  std::lock_guard lock(mu);
  static TempDir root("dbtwin-golden");  // removed at process exit
  if (auto it = made.find(engine.kind()); it != made.end()) return it->second;
  auto spec = TRY(make_server_spec(root.path(), std::string(engine::kind_name(engine.kind()))));
  spec.durable = false;
  TRY(engine.init_datadir(spec, test_admin(engine.kind())));
  made[engine.kind()] = spec.datadir;
  return spec.datadir;
}

Result<engine::ServerSpec> spec_from_golden(engine::Engine& engine, const fs::path& base,
                                            const std::string& name, bool durable,
                                            const fs::path& datadir) {
  auto golden = TRY(golden_datadir(engine));
  auto spec = TRY(make_server_spec(base, name));
  spec.durable = durable;
  if (!datadir.empty()) spec.datadir = datadir;
  TRY(os::copy_tree(golden, spec.datadir, os::CopyMode::copy));
  return spec;
}

EngineServer::~EngineServer() {
  if (pid_ && os::process_alive(*pid_)) (void)engine_.stop(spec_, *pid_, engine::StopMode::fast);
}

Result<std::unique_ptr<EngineServer>> EngineServer::from_golden(engine::Engine& engine,
                                                                const fs::path& base,
                                                                const std::string& name,
                                                                bool durable) {
  auto spec = TRY(spec_from_golden(engine, base, name, durable));
  TRY(engine.prepare_copy(spec));
  TRY(engine.configure(spec));
  return std::make_unique<EngineServer>(engine, spec);
}

Status EngineServer::start() {
  pid_ = TRY(engine_.start(spec_));
  return {};
}

Status EngineServer::wait_ready(const engine::Credentials& creds,
                                std::chrono::milliseconds timeout) {
  if (!pid_) return err(Errc::internal, "server not started");
  return engine_.wait_ready(spec_, *pid_, creds, default_database(engine_.kind()), timeout);
}

Status EngineServer::start_and_wait() {
  TRY(start());
  return wait_ready(admin());
}

Status EngineServer::stop(engine::StopMode mode) {
  if (!pid_) return {};
  auto st = engine_.stop(spec_, *pid_, mode);
  if (st.ok()) pid_.reset();
  return st;
}

}  // namespace dbtwin::test
