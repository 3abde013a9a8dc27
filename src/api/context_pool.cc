#include "api/context_pool.h"

namespace dbtwin::api {

ContextPool::Lease::~Lease() {
  if (pool_ != nullptr && ctx_) pool_->give_back(std::move(ctx_));
}

Result<ContextPool::Lease> ContextPool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto ctx = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(ctx));
    }
  }
  auto ctx = TRY(core::Context::open(config_, core::Context::Options{.reconcile = false}));
  return Lease(this, std::move(ctx));
}

void ContextPool::give_back(std::unique_ptr<core::Context> ctx) {
  std::lock_guard lock(mu_);
  // Bound the cache: a burst of parallel requests should not keep a connection each forever.
  if (idle_.size() < 16) idle_.push_back(std::move(ctx));
}

}  // namespace dbtwin::api
