// btrfs subvolumes through the kernel's ioctls.
#include "os/btrfs.h"

#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstring>

#include "os/files.h"

namespace dbtwin::os::btrfs {

namespace {

constexpr ino_t kSubvolumeRootIno = 256;  // BTRFS_FIRST_FREE_OBJECTID

// The folder holding `path` and the last component's name, checked to fit the ioctl.
Result<std::pair<UniqueFd, std::string>> parent_and_name(const fs::path& given) {
  fs::path path = given.lexically_normal();
  if (!path.has_filename()) path = path.parent_path();
  std::string name = path.filename().string();
  if (name.empty() || name == "." || name == ".." || name.size() >= BTRFS_PATH_NAME_MAX) {
    return err(Errc::invalid_argument, "invalid subvolume path {}", given.string());
  }
  fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  UniqueFd fd = TRY(open_fd(parent, O_RDONLY | O_DIRECTORY));
  return std::make_pair(std::move(fd), name);
}

Error btrfs_error(std::string what, int e) {
  Error error = errno_error(what, e);
  if (error.code == Errc::system || error.code == Errc::invalid_argument)
    error.code = Errc::storage;
  if (e == ENOTTY || e == EOPNOTSUPP) error.code = Errc::unavailable;  // not btrfs
  return error;
}

}  // namespace

Status create_subvolume(const fs::path& path) {
  auto [parent, name] = TRY(parent_and_name(path));
  btrfs_ioctl_vol_args args;
  std::memset(&args, 0, sizeof args);
  std::strncpy(args.name, name.c_str(), BTRFS_PATH_NAME_MAX);
  if (::ioctl(parent.get(), BTRFS_IOC_SUBVOL_CREATE, &args) < 0) {
    return btrfs_error(fmt::format("creating subvolume {}", path.string()), errno);
  }
  return {};
}

Status snapshot(const fs::path& src, const fs::path& dst, bool read_only) {
  UniqueFd source = TRY(open_fd(src, O_RDONLY | O_DIRECTORY));
  auto [parent, name] = TRY(parent_and_name(dst));
  btrfs_ioctl_vol_args_v2 args;
  std::memset(&args, 0, sizeof args);
  args.fd = source.get();
  args.flags = read_only ? BTRFS_SUBVOL_RDONLY : 0;
  std::strncpy(args.name, name.c_str(), BTRFS_SUBVOL_NAME_MAX);
  if (::ioctl(parent.get(), BTRFS_IOC_SNAP_CREATE_V2, &args) < 0) {
    return btrfs_error(fmt::format("snapshotting {} to {}", src.string(), dst.string()), errno);
  }
  return {};
}

Status delete_subvolume(const fs::path& path) {
  if (!os::exists(path)) return {};
  auto [parent, name] = TRY(parent_and_name(path));
  btrfs_ioctl_vol_args args;
  std::memset(&args, 0, sizeof args);
  std::strncpy(args.name, name.c_str(), BTRFS_PATH_NAME_MAX);
  if (::ioctl(parent.get(), BTRFS_IOC_SNAP_DESTROY, &args) < 0 && errno != ENOENT) {
    return btrfs_error(fmt::format("deleting subvolume {}", path.string()), errno);
  }
  return {};
}

Status set_read_only(const fs::path& path, bool read_only) {
  UniqueFd fd = TRY(open_fd(path, O_RDONLY | O_DIRECTORY));
  uint64_t flags = 0;
  if (::ioctl(fd.get(), BTRFS_IOC_SUBVOL_GETFLAGS, &flags) < 0) {
    return btrfs_error(fmt::format("reading the flags of subvolume {}", path.string()), errno);
  }
  flags = read_only ? (flags | BTRFS_SUBVOL_RDONLY) : (flags & ~uint64_t{BTRFS_SUBVOL_RDONLY});
  if (::ioctl(fd.get(), BTRFS_IOC_SUBVOL_SETFLAGS, &flags) < 0) {
    return btrfs_error(
        fmt::format("setting subvolume {} {}", path.string(), read_only ? "read-only" : "writable"),
        errno);
  }
  return {};
}

Result<bool> is_subvolume(const fs::path& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) < 0)
    return errno_error(fmt::format("reading the status of {}", path.string()), errno);
  if (!S_ISDIR(st.st_mode) || st.st_ino != kSubvolumeRootIno) return false;
  struct statfs sfs;
  if (::statfs(path.c_str(), &sfs) < 0) {
    return errno_error(fmt::format("reading the file system type of {}", path.string()), errno);
  }
  return sfs.f_type == static_cast<decltype(sfs.f_type)>(BTRFS_SUPER_MAGIC);
}

}  // namespace dbtwin::os::btrfs
