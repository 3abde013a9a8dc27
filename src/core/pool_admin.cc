#include "core/pool_admin.h"

#include "base/strings.h"
#include "storage/loop_pool.h"

namespace dbtwin::core {

Status init_loop_pool(Context& ctx, uint64_t size, const std::string& fs_type) {
  if (fs_type != "xfs" && fs_type != "btrfs") {
    return err(Errc::invalid_argument, "--fs must be xfs or btrfs, not '{}'", fs_type);
  }
  if (size < 512ull * 1024 * 1024) {
    return err(Errc::invalid_argument, "a loop-backed pool needs at least 512M, not {}",
               format_bytes(size));
  }
  if (!os::is_root())
    return err(Errc::unavailable, "a loop-backed pool needs root (loop devices and mounts)");
  auto& cat = ctx.catalog();
  if (TRY(cat.setting("pool.image"))) {
    return err(Errc::already_exists,
               "this state folder already has a loop-backed pool (dbtwin pool status)");
  }
  if (!TRY(cat.list_templates()).empty()) {
    return err(Errc::conflict,
               "the pool already holds templates; a loop-backed pool must be set up first");
  }
  fs::path root = ctx.config().pool_root();
  if (os::exists(root) && !TRY(os::list_dir(root)).empty()) {
    return err(Errc::conflict, "the pool folder {} is not empty", root.string());
  }
  fs::path image = ctx.config().state_dir / "pool.img";
  TRY(os::make_dirs(root, 0711));
  TRY(storage::init_loop_pool({image, root, size, fs_type}));
  TRY(os::set_mode(root, 0711));
  TRY(cat.set_setting("pool.image", image.string()));
  TRY(cat.set_setting("pool.driver", fs_type == "btrfs" ? "btrfs" : "reflink"));
  return {};
}

Status mount_pool(Context& ctx) {
  auto image = TRY(ctx.catalog().setting("pool.image"));
  if (!image)
    return err(Errc::not_found,
               "this state folder has no loop-backed pool (dbtwin pool init --loop)");
  return storage::mount_loop_pool(*image, ctx.config().pool_root());
}

Result<PoolStatus> pool_status(Context& ctx) {
  auto* pool = TRY(ctx.pool());
  PoolStatus st;
  st.driver = std::string(storage::driver_name(pool->driver()));
  st.root = pool->root();
  st.image = TRY(ctx.catalog().setting("pool.image"));
  auto space = TRY(pool->space());
  st.total = space.total;
  st.available = space.available;
  st.volumes = TRY(pool->list()).size();
  return st;
}

}  // namespace dbtwin::core
