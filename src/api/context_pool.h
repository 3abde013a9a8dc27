// Contexts for the daemon's threads. A Context (catalog connection, pool, engines) is used by one
// thread at a time; opening one per request would cost a SQLite open and engine lookups, so
// finished ones are kept for the next request.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "core/config.h"
#include "core/context.h"

namespace dbtwin::api {

class ContextPool {
 public:
  explicit ContextPool(core::Config config) : config_(std::move(config)) {}

  class Lease {
   public:
    Lease(ContextPool* pool, std::unique_ptr<core::Context> ctx)
        : pool_(pool), ctx_(std::move(ctx)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    core::Context& operator*() { return *ctx_; }
    core::Context* operator->() { return ctx_.get(); }

   private:
    ContextPool* pool_;
    std::unique_ptr<core::Context> ctx_;
  };

  // A context that reconciliation already ran for (the daemon does it once, at start).
  Result<Lease> acquire();
  const core::Config& config() const { return config_; }

 private:
  void give_back(std::unique_ptr<core::Context> ctx);

  core::Config config_;
  std::mutex mu_;
  std::vector<std::unique_ptr<core::Context>> idle_;
};

}  // namespace dbtwin::api
