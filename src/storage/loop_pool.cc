#include "storage/loop_pool.h"

#include <algorithm>

#include "base/scope_guard.h"
#include "base/strings.h"
#include "os/files.h"
#include "os/mount.h"
#include "os/process.h"
#include "storage/dir_pool.h"

namespace dbtwin::storage {

namespace {

Result<std::vector<std::string>> mkfs_argv(const std::string& fs_type, const fs::path& image) {
  if (fs_type == "btrfs") return std::vector<std::string>{"mkfs.btrfs", "-q", "-f", image.string()};
  if (fs_type == "xfs") {
    return std::vector<std::string>{"mkfs.xfs", "-q", "-m", "reflink=1", "-f", image.string()};
  }
  return err(Errc::invalid_argument, "loop pools are btrfs or xfs, not '{}'", fs_type);
}

// Attaches the image to a loop device and mounts it. The loop device is attached with
// autoclear, so once mounted it is released: the kernel detaches it at unmount.
Status attach_and_mount(const fs::path& image, const fs::path& mountpoint,
                        const std::string& fs_type) {
  auto loop = TRY(os::LoopDevice::attach(image));
  auto mounted = os::mount_fs(loop.device().string(), mountpoint, fs_type, 0, "");
  if (!mounted.ok()) {
    return std::move(mounted).error().context(
        fmt::format("mounting {} ({}) at {}", image.string(), fs_type, mountpoint.string()));
  }
  loop.release();
  return {};
}

// The file system type in an image, read by blkid.
Result<std::string> image_fs_type(const fs::path& image) {
  auto out =
      TRY_CTX(os::run_checked(command({"blkid", "-p", "-o", "value", "-s", "TYPE", image.string()}),
                              Errc::storage),
              "reading the file system type of " + image.string());
  std::string type{trim(out)};
  if (type != "btrfs" && type != "xfs") {
    return err(Errc::storage, "{} holds '{}', not a btrfs or xfs loop pool", image.string(), type);
  }
  return type;
}

}  // namespace

Status init_loop_pool(const LoopPoolSpec& spec) {
  auto ctx =
      fmt::format("creating loop pool {} at {}", spec.image.string(), spec.mountpoint.string());
  auto argv = TRY_CTX(mkfs_argv(spec.fs_type, spec.image), ctx);
  if (spec.size == 0) return err(Errc::invalid_argument, "{}: the size must not be zero", ctx);
  auto already = TRY_CTX(os::find_mount(spec.mountpoint), ctx);
  if (already) {
    return err(Errc::conflict, "{}: something ({}) is already mounted there", ctx, already->source);
  }
  Undo undo;
  TRY_CTX(os::create_sparse_file(spec.image, spec.size), ctx);
  undo.push([&] { (void)os::remove_file(spec.image); });
  TRY_CTX(os::run_checked(command(argv), Errc::storage), ctx);
  if (!os::exists(spec.mountpoint)) {
    TRY_CTX(os::make_dirs(spec.mountpoint, 0755), ctx);
    undo.push([&] { (void)os::remove_tree(spec.mountpoint); });
  }
  TRY_CTX(attach_and_mount(spec.image, spec.mountpoint, spec.fs_type), ctx);
  undo.commit();
  return {};
}

Status mount_loop_pool(const fs::path& image, const fs::path& mountpoint) {
  auto ctx = fmt::format("mounting loop pool {} at {}", image.string(), mountpoint.string());
  if (!os::exists(image)) return err(Errc::not_found, "{}: the image does not exist", ctx);
  auto current = TRY_CTX(os::find_mount(mountpoint), ctx);
  if (current) {
    auto devices = TRY_CTX(os::loop_devices_for(image), ctx);
    if (std::find(devices.begin(), devices.end(), fs::path(current->source)) != devices.end()) {
      return {};  // already mounted there: nothing to do
    }
    return err(Errc::conflict, "{}: {} is mounted there instead", ctx, current->source);
  }
  auto type = TRY_CTX(image_fs_type(image), ctx);
  TRY_CTX(os::make_dirs(mountpoint, 0755), ctx);
  return attach_and_mount(image, mountpoint, type);
}

Status unmount_loop_pool(const fs::path& mountpoint) {
  return in_context(os::unmount(mountpoint), "unmounting loop pool at " + mountpoint.string());
}

}  // namespace dbtwin::storage
