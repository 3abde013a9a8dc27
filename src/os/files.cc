// Whole-file reads and writes, folders, modes and owners.
#include "os/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/strings.h"
#include "os/fd_util.h"

namespace dbtwin::os {

using detail::retry_eintr;

namespace detail {

Result<struct statx> stat_at(int dirfd, const std::string& name, const std::string& shown) {
  struct statx st;
  int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (name.empty() ? AT_EMPTY_PATH : 0);
  if (::statx(dirfd, name.c_str(), flags, STATX_BASIC_STATS | STATX_MNT_ID, &st) < 0) {
    return errno_error(fmt::format("reading the status of {}", shown), errno);
  }
  return st;
}

Result<UniqueFd> open_dir_at(int dirfd, const std::string& name, const std::string& shown) {
  int fd = retry_eintr([&] {
    return ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  });
  if (fd < 0) return errno_error(fmt::format("opening folder {}", shown), errno);
  return UniqueFd(fd);
}

Result<std::vector<std::string>> dir_names(int dirfd, const std::string& shown) {
  int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return errno_error(fmt::format("reading folder {}", shown), errno);
  DIR* d = ::fdopendir(dup);
  if (d == nullptr) {
    int e = errno;
    ::close(dup);
    return errno_error(fmt::format("reading folder {}", shown), e);
  }
  ::rewinddir(d);  // the duplicate shares the offset with dirfd
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    dirent* e = ::readdir(d);
    if (e == nullptr) break;
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  int e = errno;
  ::closedir(d);
  if (e != 0) return errno_error(fmt::format("reading folder {}", shown), e);
  std::sort(names.begin(), names.end());
  return names;
}

uint64_t mount_key(const struct statx& st) {
  if (st.stx_mask & STATX_MNT_ID) return st.stx_mnt_id;
  return (uint64_t{1} << 63) | (uint64_t{st.stx_dev_major} << 32) | st.stx_dev_minor;
}

}  // namespace detail

Result<UniqueFd> open_fd(const fs::path& path, int flags, mode_t mode) {
  int fd = retry_eintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC, mode); });
  if (fd < 0) return errno_error(fmt::format("opening {}", path.string()), errno);
  return UniqueFd(fd);
}

Result<std::string> read_file(const fs::path& path) {
  UniqueFd fd = TRY(open_fd(path, O_RDONLY));
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
    if (n < 0) return errno_error(fmt::format("reading {}", path.string()), errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = retry_eintr([&] { return ::write(fd, data.data(), data.size()); });
    if (n < 0) return errno_error("writing", errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

namespace {

Status fsync_fd(int fd, const fs::path& path) {
  if (retry_eintr([&] { return ::fsync(fd); }) < 0) {
    return errno_error(fmt::format("flushing {}", path.string()), errno);
  }
  return {};
}

Status write_fd(int fd, const fs::path& path, std::string_view content, mode_t mode) {
  auto written = write_all(fd, content);
  if (!written.ok()) return std::move(written).error().context(path.string());
  // The mode is set explicitly: open() applies the umask.
  if (::fchmod(fd, mode) < 0)
    return errno_error(fmt::format("setting the mode of {}", path.string()), errno);
  return fsync_fd(fd, path);
}

}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view content, mode_t mode) {
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  fs::path temp = dir / ("." + path.filename().string() + ".tmp-" + random_token(8));
  UniqueFd fd = TRY(open_fd(temp, O_WRONLY | O_CREAT | O_EXCL, 0600));
  auto written = write_fd(fd.get(), temp, content, mode);
  if (written.ok() && ::rename(temp.c_str(), path.c_str()) < 0) {
    written = errno_error(fmt::format("renaming {} to {}", temp.string(), path.string()), errno);
  }
  if (!written.ok()) {
    ::unlink(temp.c_str());
    return written;
  }
  // The rename is durable only once the folder is flushed.
  UniqueFd dfd = TRY(open_fd(dir, O_RDONLY | O_DIRECTORY));
  return fsync_fd(dfd.get(), dir);
}

Status write_file(const fs::path& path, std::string_view content, mode_t mode) {
  UniqueFd fd = TRY(open_fd(path, O_WRONLY | O_CREAT | O_TRUNC, mode));
  return write_fd(fd.get(), path, content, mode);
}

bool exists(const fs::path& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

Status make_dirs(const fs::path& path, mode_t mode) {
  fs::path current;
  for (const auto& part : path.lexically_normal()) {
    if (part.empty()) continue;
    current /= part;
    if (::mkdir(current.c_str(), mode) == 0) {
      if (::chmod(current.c_str(), mode) < 0) {
        return errno_error(fmt::format("setting the mode of {}", current.string()), errno);
      }
      continue;
    }
    int e = errno;
    struct stat st;
    if (e == EEXIST && ::stat(current.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
    if (e == EEXIST)
      return err(Errc::already_exists, "{} exists and is not a folder", current.string());
    return errno_error(fmt::format("creating folder {}", current.string()), e);
  }
  return {};
}

Status set_mode(const fs::path& path, mode_t mode) {
  if (::chmod(path.c_str(), mode) < 0) {
    return errno_error(fmt::format("setting the mode of {}", path.string()), errno);
  }
  return {};
}

Status set_owner(const fs::path& path, uid_t uid, gid_t gid) {
  if (::lchown(path.c_str(), uid, gid) < 0) {
    return errno_error(fmt::format("changing the owner of {}", path.string()), errno);
  }
  return {};
}

Status remove_file(const fs::path& path) {
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) {
    return errno_error(fmt::format("removing {}", path.string()), errno);
  }
  return {};
}

Status remove_empty_dir(const fs::path& path) {
  if (::rmdir(path.c_str()) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST) {
    return errno_error(fmt::format("removing folder {}", path.string()), errno);
  }
  return {};
}

Status rename_path(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) < 0) {
    return errno_error(fmt::format("renaming {} to {}", from.string(), to.string()), errno);
  }
  return {};
}

Result<std::vector<std::string>> list_dir(const fs::path& path) {
  int fd = retry_eintr([&] { return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
  if (fd < 0) return errno_error(fmt::format("opening folder {}", path.string()), errno);
  UniqueFd dir(fd);
  return detail::dir_names(dir.get(), path.string());
}

Result<Owner> owner_of(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return errno_error("stat " + path.string(), errno);
  return Owner{st.st_uid, st.st_gid};
}

}  // namespace dbtwin::os
