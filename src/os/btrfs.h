// btrfs subvolume operations through the kernel's ioctls (no fork of btrfs-progs on the clone
// path: a snapshot ioctl takes milliseconds).
#pragma once

#include <filesystem>

#include "base/result.h"

namespace dbtwin::os::btrfs {

namespace fs = std::filesystem;

Status create_subvolume(const fs::path& path);
// Snapshot of subvolume `src` at `dst` (dst must not exist); read-only if asked.
Status snapshot(const fs::path& src, const fs::path& dst, bool read_only);
// Deletes a subvolume (read-only or not); not an error if absent.
Status delete_subvolume(const fs::path& path);
Status set_read_only(const fs::path& path, bool read_only);
Result<bool> is_subvolume(const fs::path& path);

}  // namespace dbtwin::os::btrfs
