// Result<T>: a value or an Error, in the manner of std::expected (which g++ 12 lacks in C++20).
// Library code returns Result; front ends turn an Error into an exit code or an HTTP status.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace dbtwin {

enum class Errc {
  invalid_argument,  // bad input from the user: a name, a flag, a malformed file
  not_found,         // an unknown template, clone, snapshot or file
  already_exists,    // a name that is taken
  conflict,     // the operation clashes with the current state (template in use, clone protected)
  unavailable,  // a missing binary, a full port range, a pool that cannot be used
  no_space,     // the disk or the pool is full
  engine,       // the database server or its tools failed
  storage,      // the pool driver failed
  timeout,      // something did not happen in time
  hook_failed,  // a user script exited non-zero
  system,       // a system call failed (see sys_errno)
  internal,     // a bug
};

const char* errc_name(Errc code);
// The code errc_name() gave `name`, e.g. from an HTTP error body; nullopt for an unknown name.
std::optional<Errc> parse_errc(std::string_view name);

struct Error {
  Errc code = Errc::internal;
  std::string message;  // one sentence naming what failed and on what
  int sys_errno = 0;

  // Prefixes the message with context, e.g. "creating clone dev1: ".
  Error context(std::string_view what) &&;
};

Error make_error(Errc code, std::string message, int sys_errno = 0);
// The errno-to-Error conversion lives in this one place.
Error errno_error(std::string_view what, int err);

template <typename... Args>
Error err(Errc code, fmt::format_string<Args...> f, Args&&... args) {
  return make_error(code, fmt::format(f, std::forward<Args>(args)...));
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }
  void value() const {}

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace dbtwin

#define DBTWIN_CONCAT_(a, b) a##b
#define DBTWIN_CONCAT(a, b) DBTWIN_CONCAT_(a, b)

// TRY(expr): evaluates a Result; returns its Error from the enclosing function, or yields the
// value. A GNU statement expression, marked __extension__ so -Wpedantic accepts it; each
// expansion gets its own variable name so that nested TRYs do not shadow each other.
#define TRY(expr) DBTWIN_TRY_IMPL(expr, DBTWIN_CONCAT(dbtwin_try_, __COUNTER__))
#define DBTWIN_TRY_IMPL(expr, var)                \
  __extension__({                                 \
    auto var = (expr);                            \
    if (!var.ok()) return std::move(var).error(); \
    std::move(var).value();                       \
  })

// TRY_CTX(expr, context): as TRY, prefixing the error message with a context string.
#define TRY_CTX(expr, ctx) DBTWIN_TRY_CTX_IMPL(expr, ctx, DBTWIN_CONCAT(dbtwin_try_, __COUNTER__))
#define DBTWIN_TRY_CTX_IMPL(expr, ctx, var)                    \
  __extension__({                                              \
    auto var = (expr);                                         \
    if (!var.ok()) return std::move(var).error().context(ctx); \
    std::move(var).value();                                    \
  })
