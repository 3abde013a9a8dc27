// ScopeGuard: runs an undo step on scope exit unless dismissed. Multi-step operations push one
// guard per finished step so that a failure undoes them in reverse order.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace dbtwin {

class ScopeGuard {
 public:
  explicit ScopeGuard(std::function<void()> fn) : fn_(std::move(fn)) {}
  ScopeGuard(ScopeGuard&& o) noexcept : fn_(std::exchange(o.fn_, nullptr)) {}
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;
  ScopeGuard& operator=(ScopeGuard&&) = delete;
  ~ScopeGuard() {
    if (fn_) fn_();
  }
  void dismiss() { fn_ = nullptr; }

 private:
  std::function<void()> fn_;
};

// Undo: a stack of undo steps, run newest first unless commit() is called.
class Undo {
 public:
  Undo() = default;
  Undo(const Undo&) = delete;
  Undo& operator=(const Undo&) = delete;
  ~Undo() {
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) (*it)();
  }
  void push(std::function<void()> step) { steps_.push_back(std::move(step)); }
  void commit() { steps_.clear(); }

 private:
  std::vector<std::function<void()>> steps_;
};

}  // namespace dbtwin
