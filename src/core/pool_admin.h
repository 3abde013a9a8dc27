// Pool administration: a loop-backed pool, mounting it again, and its status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "core/context.h"

namespace dbtwin::core {

// Creates <state>/pool.img of `size` bytes with a btrfs or XFS (reflink) file system and mounts
// it at the pool's folder. Refused once the pool holds volumes.
Status init_loop_pool(Context& ctx, uint64_t size, const std::string& fs_type);
// Mounts the loop-backed pool again (after a reboot); not an error if it is mounted.
Status mount_pool(Context& ctx);

struct PoolStatus {
  std::string driver;
  fs::path root;
  std::optional<std::string> image;
  uint64_t total = 0;
  uint64_t available = 0;
  size_t volumes = 0;
};
Result<PoolStatus> pool_status(Context& ctx);

}  // namespace dbtwin::core
