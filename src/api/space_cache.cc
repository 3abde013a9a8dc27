#include "api/space_cache.h"

namespace dbtwin::api {

void SpaceCache::fill(core::Context& ctx, core::CloneView& v) {
  auto now = std::chrono::steady_clock::now();
  // Keyed by volume and creation time: a clone destroyed and made again under the same name is
  // a new volume.
  std::string key = v.row.volume + "@" + std::to_string(v.row.created_at);
  {
    std::lock_guard lock(mu_);
    auto it = by_volume_.find(key);
    if (it != by_volume_.end() && now - it->second.at < max_age_) {
      v.used_bytes = it->second.bytes;
      return;
    }
  }
  auto pool = ctx.pool();
  if (!pool) return;
  auto used = (*pool)->used_bytes(v.row.volume);
  if (!used) return;
  v.used_bytes = *used;
  std::lock_guard lock(mu_);
  by_volume_[key] = {*used, now};
  // Forget volumes not measured for a long time (destroyed clones).
  for (auto it = by_volume_.begin(); it != by_volume_.end();) {
    it = now - it->second.at > 10 * max_age_ ? by_volume_.erase(it) : std::next(it);
  }
}

}  // namespace dbtwin::api
