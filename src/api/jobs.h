// Jobs: long operations (an import, a refresh, a clone created without waiting) run on their own
// thread; the catalog keeps their progress and result so clients can poll them, even after the
// daemon restarted.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "api/context_pool.h"
#include "api/events.h"
#include "catalog/rows.h"
#include "engine/engine.h"

namespace dbtwin::api {

nlohmann::json job_json(const catalog::JobRow& j);

class Jobs {
 public:
  using Work = std::function<Result<nlohmann::json>(core::Context&, const engine::Progress&)>;
  Jobs(ContextPool& contexts, Events& events) : contexts_(contexts), events_(events) {}
  ~Jobs();

  // Records a job and starts it. A job of the same kind on the same target that is still
  // running is a conflict.
  Result<catalog::JobRow> start(const std::string& kind, const std::string& target, Work work);
  bool running(const std::string& kind, const std::string& target);
  // Jobs recorded as running by a daemon that is gone are marked failed.
  Status fail_abandoned(core::Context& ctx);
  // Waits for running jobs, at most `seconds`; returns how many are still running.
  size_t wait(int seconds);

 private:
  void run(int64_t id, std::string key, Work work);

  ContextPool& contexts_;
  Events& events_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> active_;  // "kind/target"
  size_t threads_ = 0;
};

}  // namespace dbtwin::api
