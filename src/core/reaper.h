// The reaper: clones past their time to live, and optionally idle clones, are destroyed.
// Protected clones never are.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/config.h"
#include "core/context.h"

namespace dbtwin::core {

class Reaper {
 public:
  explicit Reaper(LifecycleSettings settings) : settings_(settings) {}

  // Destroys expired clones (as expire_clones does) and, if settings.idle_timeout > 0, running
  // clones that had no client connection and no activity for longer than idle_timeout. Activity
  // is sampled each tick (Engine::activity); a server started since the last tick counts as
  // activity too. The row's last_active_at follows what was seen (initialised to created_at),
  // so idleness survives a daemon restart; a clone is only found idle after two samples of this
  // reaper showed nothing. Returns one sentence per clone destroyed.
  Result<std::vector<std::string>> tick(Context& ctx);

 private:
  struct Sample {
    int64_t server_pid = 0;
    int64_t server_start = 0;
    std::optional<uint64_t> counter;  // the last counter read from this very server
    int64_t last_active = 0;          // when this reaper last saw activity (the row lags)
  };
  // Whether the clone was active since the last tick; *compared is set when two samples of the
  // same server could be compared (so that "not active" means something).
  bool sample(Context& ctx, const catalog::CloneRow& row, bool* compared);
  Status touch(Context& ctx, const std::string& name, int64_t when);

  LifecycleSettings settings_;
  std::map<std::string, Sample> samples_;
};

}  // namespace dbtwin::core
