#include "os/listen.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dbtwin::os {

Result<UniqueFd> listen_unix(const std::filesystem::path& path, mode_t mode) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.empty() || p.size() >= sizeof addr.sun_path)
    return err(Errc::invalid_argument, "unix socket path '{}' is empty or too long", p);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);

  struct stat st {};
  if (::lstat(p.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return err(Errc::conflict, "{} exists and is not a socket; not replacing it", p);
    ::unlink(p.c_str());  // a socket left by a daemon that was killed
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error("creating a unix socket", errno);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    return errno_error("binding unix socket " + p, errno);
  if (::chmod(p.c_str(), mode) < 0) return errno_error("setting the mode of " + p, errno);
  if (::listen(fd.get(), 128) < 0) return errno_error("listening on " + p, errno);
  return fd;
}

void allow_address_reuse(int fd) {
  int one = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
}

Status widen_backlog(int fd) {
  if (::listen(fd, SOMAXCONN) < 0)
    return errno_error("widening a listening socket's backlog", errno);
  return {};
}

}  // namespace dbtwin::os
