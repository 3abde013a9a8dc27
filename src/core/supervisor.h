// The supervisor: clone servers that die are started again, with a growing wait between
// restarts of a clone that keeps dying.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/config.h"
#include "core/context.h"

namespace dbtwin::core {

struct SupervisorEvent {
  std::string clone;
  bool restarted = false;  // false: the restart failed; `message` says why
  std::string message;
};

class Supervisor {
 public:
  explicit Supervisor(LifecycleSettings settings) : settings_(settings) {}

  // One pass: each clone recorded "running" whose server process is gone (the "crashed" test of
  // clone views) is started again once its backoff has passed: the first restart of a clone at
  // once, then 1s, 2s, 4s, ... after the previous attempt, capped at settings.max_backoff; the
  // backoff resets once the server stayed up max_backoff. Each restart increments the row's
  // `restarts`. A failed restart is an event with the error; the clone is retried later.
  // Clones in transitional states (creating, destroying, quiescing) and stopped ones are left
  // alone.
  Result<std::vector<SupervisorEvent>> tick(Context& ctx);

  uint64_t restarts_total() const { return restarts_total_; }
  // How long after its last attempt the next restart of `clone` may happen (0: at once).
  std::chrono::seconds backoff(const std::string& clone) const;

 private:
  struct Track {
    int attempts = 0;  // restarts (and failed attempts) since the clone last stayed up
    std::chrono::steady_clock::time_point last_attempt;
  };
  std::chrono::seconds delay(int attempts) const;
  std::optional<SupervisorEvent> restart(Context& ctx, const catalog::CloneRow& row, Track& track);

  LifecycleSettings settings_;
  std::map<std::string, Track> tracks_;
  uint64_t restarts_total_ = 0;
};

}  // namespace dbtwin::core
