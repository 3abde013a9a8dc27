// Loop-backed pools: a btrfs or XFS (reflink=1) file system in a sparse file, mounted at the
// pool's folder. O(1) clones on a host whose own file system is ext4.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/result.h"

namespace dbtwin::storage {

namespace fs = std::filesystem;

struct LoopPoolSpec {
  fs::path image;       // the sparse backing file
  fs::path mountpoint;  // the pool's folder
  uint64_t size = 0;    // bytes
  std::string fs_type;  // "btrfs" or "xfs"
};

// Creates the sparse image, makes the file system (mkfs.btrfs, or mkfs.xfs -m reflink=1) and
// mounts it. Refuses if the image exists. Undoes everything on failure.
Status init_loop_pool(const LoopPoolSpec& spec);
// Mounts the image at the mountpoint unless it is already mounted there (after a reboot).
Status mount_loop_pool(const fs::path& image, const fs::path& mountpoint);
// Unmounts it (the loop device is detached by autoclear).
Status unmount_loop_pool(const fs::path& mountpoint);

}  // namespace dbtwin::storage
