#include "base/result.h"

#include <cstring>

namespace dbtwin {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::invalid_argument:
      return "invalid_argument";
    case Errc::not_found:
      return "not_found";
    case Errc::already_exists:
      return "already_exists";
    case Errc::conflict:
      return "conflict";
    case Errc::unavailable:
      return "unavailable";
    case Errc::no_space:
      return "no_space";
    case Errc::engine:
      return "engine";
    case Errc::storage:
      return "storage";
    case Errc::timeout:
      return "timeout";
    case Errc::hook_failed:
      return "hook_failed";
    case Errc::system:
      return "system";
    case Errc::internal:
      return "internal";
  }
  return "internal";
}

std::optional<Errc> parse_errc(std::string_view name) {
  // Errc::internal is the last code.
  for (int i = 0; i <= static_cast<int>(Errc::internal); ++i) {
    auto code = static_cast<Errc>(i);
    if (name == errc_name(code)) return code;
  }
  return std::nullopt;
}

Error Error::context(std::string_view what) && {
  message = fmt::format("{}: {}", what, message);
  return std::move(*this);
}

Error make_error(Errc code, std::string message, int sys_errno) {
  return Error{code, std::move(message), sys_errno};
}

Error errno_error(std::string_view what, int e) {
  Errc code = Errc::system;
  switch (e) {
    case ENOENT:
      code = Errc::not_found;
      break;
    case EEXIST:
      code = Errc::already_exists;
      break;
    case ENOSPC:
    case EDQUOT:
      code = Errc::no_space;
      break;
    case EINVAL:
      code = Errc::invalid_argument;
      break;
    case EBUSY:
      code = Errc::conflict;
      break;
    default:
      break;
  }
  return Error{code, fmt::format("{}: {}", what, std::strerror(e)), e};
}

}  // namespace dbtwin
