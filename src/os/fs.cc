// File-system wide facts and operations: space, type, flushing, sparse files, lock files.
#include <sys/file.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "os/fd_util.h"
#include "os/files.h"

namespace dbtwin::os {

Result<FsSpace> fs_space(const fs::path& path) {
  struct statvfs st;
  if (::statvfs(path.c_str(), &st) < 0) {
    return errno_error(fmt::format("reading the free space of {}", path.string()), errno);
  }
  FsSpace s;
  s.total = uint64_t{st.f_blocks} * st.f_frsize;
  s.available = uint64_t{st.f_bavail} * st.f_frsize;
  return s;
}

Result<int64_t> fs_magic(const fs::path& path) {
  struct statfs st;
  if (::statfs(path.c_str(), &st) < 0) {
    return errno_error(fmt::format("reading the file system type of {}", path.string()), errno);
  }
  return static_cast<int64_t>(st.f_type);
}

Status sync_fs(const fs::path& path) {
  UniqueFd fd = TRY(open_fd(path, O_RDONLY));
  if (::syncfs(fd.get()) < 0) {
    return errno_error(fmt::format("flushing the file system of {}", path.string()), errno);
  }
  return {};
}

Status create_sparse_file(const fs::path& path, uint64_t size) {
  UniqueFd fd = TRY(open_fd(path, O_WRONLY | O_CREAT | O_EXCL, 0600));
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) < 0) {
    int e = errno;
    ::unlink(path.c_str());
    return errno_error(fmt::format("sizing {}", path.string()), e);
  }
  return {};
}

Result<FileLock> FileLock::acquire(const fs::path& path, bool exclusive, bool wait) {
  UniqueFd fd = TRY(open_fd(path, O_RDWR | O_CREAT, 0644));
  int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
  if (detail::retry_eintr([&] { return ::flock(fd.get(), op); }) < 0) {
    if (errno == EWOULDBLOCK) {
      Error e = err(Errc::conflict, "{} is locked by another process", path.string());
      e.sys_errno = EWOULDBLOCK;
      return e;
    }
    return errno_error(fmt::format("locking {}", path.string()), errno);
  }
  return FileLock(std::move(fd));
}

}  // namespace dbtwin::os
