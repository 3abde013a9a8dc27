// Walking trees through descriptors (openat/unlinkat/fstatat-style calls relative to an open
// folder), so that a symlink swapped in mid-walk is never followed out of the tree.
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <functional>
#include <set>
#include <utility>

#include "os/fd_util.h"
#include "os/files.h"

namespace dbtwin::os {

using detail::dir_names;
using detail::is_dir;
using detail::mount_key;
using detail::open_dir_at;
using detail::stat_at;

namespace {

// Calls visit(dirfd, name, st, shown) for every entry below dirfd, parents before children.
// Folders on another mount are reported to visit but never entered.
using Visitor =
    std::function<Status(int, const std::string&, const struct statx&, const std::string&)>;

Status walk(int dirfd, const std::string& shown, uint64_t mount, const Visitor& visit) {
  auto names = TRY(dir_names(dirfd, shown));
  for (const auto& name : names) {
    std::string child = shown + "/" + name;
    auto st = stat_at(dirfd, name, child);
    if (!st.ok() && st.error().sys_errno == ENOENT) continue;  // vanished meanwhile
    if (!st.ok()) return std::move(st).error();
    TRY(visit(dirfd, name, *st, child));
    if (is_dir(*st) && mount_key(*st) == mount) {
      UniqueFd sub = TRY(open_dir_at(dirfd, name, child));
      TRY(walk(sub.get(), child, mount, visit));
    }
  }
  return {};
}

// Walks the tree at path, the root included (visited with dirfd AT_FDCWD and its full path).
Status walk_tree(const fs::path& path, const Visitor& visit) {
  std::string shown = path.string();
  auto st = TRY(stat_at(AT_FDCWD, shown, shown));
  TRY(visit(AT_FDCWD, shown, st, shown));
  if (!is_dir(st)) return {};
  UniqueFd dir = TRY(open_dir_at(AT_FDCWD, shown, shown));
  return walk(dir.get(), shown, mount_key(st), visit);
}

Status remove_contents(int dirfd, const std::string& shown, uint64_t mount) {
  auto names = TRY(dir_names(dirfd, shown));
  for (const auto& name : names) {
    std::string child = shown + "/" + name;
    auto st = stat_at(dirfd, name, child);
    if (!st.ok() && st.error().sys_errno == ENOENT) continue;
    if (!st.ok()) return std::move(st).error();
    if (is_dir(*st)) {
      if (mount_key(*st) != mount) {
        return err(Errc::conflict, "refusing to remove {}: it is a mount point", child);
      }
      UniqueFd sub = TRY(open_dir_at(dirfd, name, child));
      // Re-checked on the open folder, in case it changed since the statx above.
      auto opened = TRY(stat_at(sub.get(), "", child));
      if (mount_key(opened) != mount) {
        return err(Errc::conflict, "refusing to remove {}: it is a mount point", child);
      }
      TRY(remove_contents(sub.get(), child, mount));
    }
    if (::unlinkat(dirfd, name.c_str(), is_dir(*st) ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT) {
      return errno_error(fmt::format("removing {}", child), errno);
    }
  }
  return {};
}

// The extents of one file that no other file shares, in bytes.
Result<uint64_t> exclusive_bytes(int fd, const std::string& shown, const struct statx& st) {
  constexpr unsigned kBatch = 256;
  std::vector<char> buf(sizeof(fiemap) + kBatch * sizeof(fiemap_extent));
  auto* fm = reinterpret_cast<fiemap*>(buf.data());
  uint64_t total = 0;
  uint64_t start = 0;
  for (;;) {
    std::fill(buf.begin(), buf.end(), 0);
    fm->fm_start = start;
    fm->fm_length = FIEMAP_MAX_OFFSET - start;
    fm->fm_extent_count = kBatch;
    if (::ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
      // No FIEMAP here (tmpfs, overlayfs): every allocated block counts as this file's own.
      if (errno == EOPNOTSUPP || errno == ENOTTY) return st.stx_blocks * 512;
      return errno_error(fmt::format("mapping the extents of {}", shown), errno);
    }
    if (fm->fm_mapped_extents == 0) return total;
    bool last = false;
    for (unsigned i = 0; i < fm->fm_mapped_extents; ++i) {
      const fiemap_extent& e = fm->fm_extents[i];
      // Delayed-allocation, inline and unknown extents are fresh writes: not shared.
      if (!(e.fe_flags & FIEMAP_EXTENT_SHARED)) total += e.fe_length;
      last = last || (e.fe_flags & FIEMAP_EXTENT_LAST);
      start = e.fe_logical + e.fe_length;
    }
    if (last) return total;
  }
}

bool first_sighting(std::set<std::pair<uint64_t, uint64_t>>& seen, const struct statx& st) {
  if (st.stx_nlink <= 1 || is_dir(st)) return true;
  return seen.emplace((uint64_t{st.stx_dev_major} << 32) | st.stx_dev_minor, st.stx_ino).second;
}

}  // namespace

Status remove_tree(const fs::path& given) {
  fs::path path = given.lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // a trailing slash
  std::string shown = path.string();
  auto st = stat_at(AT_FDCWD, shown, shown);
  if (!st.ok() && st.error().sys_errno == ENOENT) return {};
  if (!st.ok()) return std::move(st).error();
  if (!is_dir(*st)) return remove_file(path);
  fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  auto parent_st = TRY(stat_at(AT_FDCWD, parent.string(), parent.string()));
  if (mount_key(parent_st) != mount_key(*st)) {
    return err(Errc::conflict, "refusing to remove {}: it is a mount point", shown);
  }
  UniqueFd dir = TRY(open_dir_at(AT_FDCWD, shown, shown));
  TRY(remove_contents(dir.get(), shown, mount_key(*st)));
  if (::rmdir(path.c_str()) < 0 && errno != ENOENT)
    return errno_error(fmt::format("removing {}", shown), errno);
  return {};
}

Status chown_tree(const fs::path& path, uid_t uid, gid_t gid) {
  return walk_tree(path,
                   [&](int dirfd, const std::string& name, const struct statx& st,
                       const std::string& shown) -> Status {
                     // Only what differs: on overlayfs a chown copies the whole file up, so
                     // chowning an already-owned clone would cost a full copy of it.
                     if (st.stx_uid == uid && st.stx_gid == gid) return {};
                     if (::fchownat(dirfd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
                       return errno_error(fmt::format("changing the owner of {}", shown), errno);
                     }
                     return {};
                   });
}

Result<uint64_t> tree_allocated_bytes(const fs::path& path) {
  uint64_t total = 0;
  std::set<std::pair<uint64_t, uint64_t>> seen;
  TRY(walk_tree(path,
                [&](int, const std::string&, const struct statx& st, const std::string&) -> Status {
                  if (first_sighting(seen, st)) total += st.stx_blocks * 512;
                  return {};
                }));
  return total;
}

Result<uint64_t> tree_exclusive_bytes(const fs::path& path) {
  uint64_t total = 0;
  std::set<std::pair<uint64_t, uint64_t>> seen;
  auto visit = [&](int dirfd, const std::string& name, const struct statx& st,
                   const std::string& shown) -> Status {
    if (!first_sighting(seen, st)) return {};
    if (!S_ISREG(st.stx_mode)) {
      total += st.stx_blocks * 512;
      return {};
    }
    int fd = detail::retry_eintr([&] {
      return ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
    });
    if (fd < 0 && errno == EPERM) {  // O_NOATIME needs ownership
      fd = detail::retry_eintr(
          [&] { return ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC); });
    }
    if (fd < 0 && errno == ENOENT) return {};
    if (fd < 0) return errno_error(fmt::format("opening {}", shown), errno);
    UniqueFd file(fd);
    total += TRY(exclusive_bytes(file.get(), shown, st));
    return {};
  };
  TRY(walk_tree(path, visit));
  return total;
}

}  // namespace dbtwin::os
