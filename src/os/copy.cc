// Copying trees: by FICLONE (shared extents, O(files)) or byte by byte, keeping modes, owners,
// timestamps and symlinks. Hard links are copied as separate files; sockets are skipped (a
// server's socket is meaningless in a copy).
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/strings.h"
#include "os/fd_util.h"
#include "os/files.h"

namespace dbtwin::os {

using detail::retry_eintr;

namespace {

struct Node {
  int dirfd;
  std::string name;
  std::string shown;
};

bool cannot_share(int e) {
  return e == EOPNOTSUPP || e == ENOTTY || e == EXDEV || e == EINVAL;
}

Status clone_file(int from, int to, const Node& src) {
  if (::ioctl(to, FICLONE, from) == 0) return {};
  int e = errno;
  if (cannot_share(e)) {
    Error error =
        errno_error(fmt::format("cloning {}: the file system cannot share extents", src.shown), e);
    error.code = Errc::unavailable;
    return error;
  }
  return errno_error(fmt::format("cloning {}", src.shown), e);
}

Status copy_bytes(int from, int to, uint64_t size, const Node& src) {
  bool use_range = true;
  while (use_range && size > 0) {
    ssize_t n = retry_eintr([&] { return ::copy_file_range(from, nullptr, to, nullptr, size, 0); });
    if (n < 0 && cannot_share(errno)) {
      use_range = false;  // the offsets are unchanged: read/write takes over from here
    } else if (n < 0) {
      return errno_error(fmt::format("copying {}", src.shown), errno);
    } else if (n == 0) {
      return {};  // the file shrank meanwhile
    } else {
      size -= static_cast<uint64_t>(n);
    }
  }
  if (use_range) return {};
  char buf[1 << 16];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(from, buf, sizeof buf); });
    if (n < 0) return errno_error(fmt::format("reading {}", src.shown), errno);
    if (n == 0) return {};
    auto written = write_all(to, std::string_view(buf, static_cast<size_t>(n)));
    if (!written.ok())
      return errno_error(fmt::format("copying {}", src.shown), written.error().sys_errno);
  }
}

// Owner first (chown clears set-id bits), then mode, then times (last, since writing changes them).
Status copy_metadata(int fd, const Node& dst, const struct statx& st, bool is_link) {
  int r = fd >= 0 ? ::fchown(fd, st.stx_uid, st.stx_gid)
                  : ::fchownat(dst.dirfd, dst.name.c_str(), st.stx_uid, st.stx_gid,
                               AT_SYMLINK_NOFOLLOW);
  // Without root, files owned by others simply become ours.
  if (r < 0 && !(errno == EPERM && ::geteuid() != 0)) {
    return errno_error(fmt::format("setting the owner of {}", dst.shown), errno);
  }
  if (!is_link) {
    r = fd >= 0 ? ::fchmod(fd, st.stx_mode & 07777)
                : ::fchmodat(dst.dirfd, dst.name.c_str(), st.stx_mode & 07777, 0);
    if (r < 0) return errno_error(fmt::format("setting the mode of {}", dst.shown), errno);
  }
  timespec times[2] = {{st.stx_atime.tv_sec, st.stx_atime.tv_nsec},
                       {st.stx_mtime.tv_sec, st.stx_mtime.tv_nsec}};
  r = fd >= 0 ? ::futimens(fd, times)
              : ::utimensat(dst.dirfd, dst.name.c_str(), times, AT_SYMLINK_NOFOLLOW);
  if (r < 0) return errno_error(fmt::format("setting the times of {}", dst.shown), errno);
  return {};
}

Status copy_node(const Node& src, const Node& dst, const struct statx& st, CopyMode mode);

Status copy_dir(const Node& src, const Node& dst, const struct statx& st, CopyMode mode) {
  if (::mkdirat(dst.dirfd, dst.name.c_str(), 0700) < 0) {
    return errno_error(fmt::format("creating folder {}", dst.shown), errno);
  }
  UniqueFd sdir = TRY(detail::open_dir_at(src.dirfd, src.name, src.shown));
  UniqueFd ddir = TRY(detail::open_dir_at(dst.dirfd, dst.name, dst.shown));
  for (const auto& name : TRY(detail::dir_names(sdir.get(), src.shown))) {
    Node s{sdir.get(), name, src.shown + "/" + name};
    auto child = detail::stat_at(sdir.get(), name, s.shown);
    if (!child.ok() && child.error().sys_errno == ENOENT) continue;
    if (!child.ok()) return std::move(child).error();
    TRY(copy_node(s, Node{ddir.get(), name, dst.shown + "/" + name}, *child, mode));
  }
  return copy_metadata(ddir.get(), dst, st, false);
}

Status copy_file(const Node& src, const Node& dst, const struct statx& st, CopyMode mode) {
  int sfd = retry_eintr(
      [&] { return ::openat(src.dirfd, src.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC); });
  if (sfd < 0) return errno_error(fmt::format("opening {}", src.shown), errno);
  UniqueFd from(sfd);
  int dfd = retry_eintr([&] {
    return ::openat(dst.dirfd, dst.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  });
  if (dfd < 0) return errno_error(fmt::format("creating {}", dst.shown), errno);
  UniqueFd to(dfd);
  if (mode == CopyMode::reflink) {
    TRY(clone_file(from.get(), to.get(), src));
  } else {
    TRY(copy_bytes(from.get(), to.get(), st.stx_size, src));
  }
  return copy_metadata(to.get(), dst, st, false);
}

Status copy_symlink(const Node& src, const Node& dst, const struct statx& st) {
  std::string target(st.stx_size + 1, '\0');
  for (;;) {
    ssize_t n = ::readlinkat(src.dirfd, src.name.c_str(), target.data(), target.size());
    if (n < 0) return errno_error(fmt::format("reading link {}", src.shown), errno);
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      break;
    }
    target.resize(target.size() * 2);
  }
  if (::symlinkat(target.c_str(), dst.dirfd, dst.name.c_str()) < 0) {
    return errno_error(fmt::format("creating link {}", dst.shown), errno);
  }
  return copy_metadata(-1, dst, st, true);
}

Status copy_node(const Node& src, const Node& dst, const struct statx& st, CopyMode mode) {
  switch (st.stx_mode & S_IFMT) {
    case S_IFDIR:
      return copy_dir(src, dst, st, mode);
    case S_IFREG:
      return copy_file(src, dst, st, mode);
    case S_IFLNK:
      return copy_symlink(src, dst, st);
    case S_IFSOCK:
      return {};
    default:  // fifos and device nodes
      if (::mknodat(dst.dirfd, dst.name.c_str(), st.stx_mode,
                    makedev(st.stx_rdev_major, st.stx_rdev_minor)) < 0) {
        return errno_error(fmt::format("creating {}", dst.shown), errno);
      }
      return copy_metadata(-1, dst, st, false);
  }
}

}  // namespace

Status copy_tree(const fs::path& src, const fs::path& dst, CopyMode mode) {
  auto st = TRY(detail::stat_at(AT_FDCWD, src.string(), src.string()));
  if (os::exists(dst))
    return err(Errc::already_exists, "cannot copy {} to {}: the destination exists", src.string(),
               dst.string());
  auto copied = copy_node(Node{AT_FDCWD, src.string(), src.string()},
                          Node{AT_FDCWD, dst.string(), dst.string()}, st, mode);
  if (!copied.ok()) {
    (void)remove_tree(dst);  // all or nothing
    return std::move(copied).error().context(
        fmt::format("copying {} to {}", src.string(), dst.string()));
  }
  return {};
}

bool supports_reflink(const fs::path& dir) {
  // Unnamed files (O_TMPFILE) vanish with their descriptors, so a kill mid-probe leaves nothing
  // in the pool; named scratch files, unlinked at once, serve where O_TMPFILE is not supported.
  auto scratch = [&](const char* suffix) -> Result<UniqueFd> {
    auto unnamed = open_fd(dir, O_TMPFILE | O_RDWR, 0600);
    if (unnamed.ok()) return unnamed;
    fs::path p = dir / (".dbtwin-reflink-probe-" + random_token(10) + suffix);
    auto named = TRY(open_fd(p, O_RDWR | O_CREAT | O_EXCL, 0600));
    ::unlink(p.c_str());
    return named;
  };
  auto from = scratch("-a");
  auto to = scratch("-b");
  if (!from.ok() || !to.ok()) return false;
  std::string block(4096, 'x');
  if (!write_all(from->get(), block).ok()) return false;
  return ::ioctl(to->get(), FICLONE, from->get()) == 0;
}

}  // namespace dbtwin::os
