#include "os/socket.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

namespace dbtwin::os {

Result<UniqueFd> connect_unix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // sun_path holds the path and its terminating NUL.
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return err(Errc::invalid_argument, "unix socket path '{}' is empty or too long", path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error("creating a unix socket", errno);
  // A local connect completes or fails at once; it is not retried on EINTR, because a second
  // connect() on the same socket would not restart it.
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    return errno_error("connecting to " + path, errno);
  return fd;
}

}  // namespace dbtwin::os
