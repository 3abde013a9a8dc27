#include "core/context.h"

#include "base/log.h"
#include "core/expiry.h"
#include "core/reconcile.h"
#include "os/users.h"
#include "storage/loop_pool.h"

namespace dbtwin::core {

Result<std::unique_ptr<Context>> Context::open(Config config, Options options) {
  std::unique_ptr<Context> ctx(new Context(std::move(config)));
  auto me = TRY(os::process_id(os::self_pid()));
  ctx->self_ = {me.pid, static_cast<int64_t>(me.start_time)};
  TRY(ctx->prepare_state_dir());
  const fs::path& state = ctx->config_.state_dir;
  ctx->catalog_ = TRY(catalog::Catalog::open(state / "catalog.db"));
  // The catalog holds clone and template passwords: only root (or the owner) may read it.
  for (const char* f : {"catalog.db", "catalog.db-wal", "catalog.db-shm"}) {
    if (os::exists(state / f)) TRY(os::set_mode(state / f, 0600));
  }
  if (options.reconcile) {
    // Only a process alone in the state folder may sweep volumes and processes that no row
    // owns; everyone may clean up rows whose operation's process is dead.
    auto exclusive = os::FileLock::acquire(state / "lock", true, false);
    TRY(reconcile(*ctx, exclusive.ok()));
  }
  ctx->shared_lock_ = TRY(os::FileLock::acquire(state / "lock", false, true));
  if (options.reconcile) TRY(expire_clones(*ctx));
  return ctx;
}

Status Context::prepare_state_dir() {
  const fs::path& state = config_.state_dir;
  // 0711: the service user must traverse to its data and run folders, but not list them.
  TRY_CTX(os::make_dirs(state, 0711), fmt::format("state folder {}", state.string()));
  TRY(os::set_mode(state, 0711));
  TRY(os::make_dirs(state / "run", 0711));
  TRY(os::make_dirs(state / "log", 0700));
  return {};
}

Result<storage::Driver> Context::pool_driver() {
  auto recorded = TRY(catalog_->setting("pool.driver"));
  const std::string& wanted = config_.pool_driver;
  if (recorded) {
    if (wanted != "auto" && wanted != *recorded) {
      return err(Errc::conflict,
                 "the pool at {} already uses the {} driver; the configuration asks for {} "
                 "(use another state folder, or pool.driver = \"auto\")",
                 config_.pool_root().string(), *recorded, wanted);
    }
    return storage::parse_driver(*recorded);
  }
  storage::Driver d = wanted == "auto" ? TRY(storage::detect_driver(config_.pool_root()))
                                       : TRY(storage::parse_driver(wanted));
  TRY(catalog_->set_setting("pool.driver", std::string(storage::driver_name(d))));
  return d;
}

Result<storage::StoragePool*> Context::pool() {
  if (pool_) return pool_.get();
  fs::path root = config_.pool_root();
  // A loop-backed pool is mounted again on use after a reboot.
  if (auto image = TRY(catalog_->setting("pool.image"))) {
    TRY_CTX(storage::mount_loop_pool(*image, root), "mounting the loop-backed pool");
  }
  TRY(os::make_dirs(root, 0711));
  storage::Driver driver = TRY(pool_driver());
  pool_ = TRY(storage::open_pool(root, driver, storage::PoolOptions{config_.zfs_dataset}));
  return pool_.get();
}

Result<engine::Engine*> Context::engine(engine::Kind kind) {
  auto it = engines_.find(kind);
  if (it != engines_.end()) return it->second.get();
  auto made = TRY(engine::make_engine(kind, config_.engines));
  TRY(made->check_installed());
  return engines_.emplace(kind, std::move(made)).first->second.get();
}

Result<engine::Engine*> Context::engine(const std::string& name) {
  return engine(TRY(engine::parse_kind(name)));
}

Result<std::optional<os::Identity>> Context::run_as() {
  if (run_as_) return *run_as_;
  std::optional<os::Identity> id;
  if (os::is_root()) {
    // PostgreSQL refuses to run as root; MariaDB should not. Servers run as the service user.
    if (config_.run_as.empty() || config_.run_as == "root") {
      return err(Errc::invalid_argument, "run_as must name a user other than root");
    }
    id = TRY_CTX(os::ensure_system_user(config_.run_as), "the service user");
  }
  run_as_ = id;
  return id;
}

}  // namespace dbtwin::core
