// Files and directories. Every descriptor is opened O_CLOEXEC; EINTR is retried here.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace dbtwin::os {

namespace fs = std::filesystem;

Result<UniqueFd> open_fd(const fs::path& path, int flags, mode_t mode = 0);
Result<std::string> read_file(const fs::path& path);
// Writes a whole file atomically: a temporary beside it, fsync, rename, fsync of the folder.
Status write_file_atomic(const fs::path& path, std::string_view content, mode_t mode = 0644);
// Writes a whole file in place (for files that may not be renamed over, e.g. inside data dirs).
Status write_file(const fs::path& path, std::string_view content, mode_t mode = 0644);
Status write_all(int fd, std::string_view data);

// True if an entry is there (a dangling symlink counts). Call it qualified, os::exists(p):
// std::filesystem::exists is also found by argument-dependent lookup.
bool exists(const fs::path& path);
Status make_dirs(const fs::path& path, mode_t mode = 0755);
Status set_mode(const fs::path& path, mode_t mode);
Status set_owner(const fs::path& path, uid_t uid, gid_t gid);
// The owner of a path (not following a final symlink).
struct Owner {
  uid_t uid = 0;
  gid_t gid = 0;
};
Result<Owner> owner_of(const fs::path& path);
// Changes the owner of a whole tree (no symlink following), touching only entries whose owner
// differs.
Status chown_tree(const fs::path& path, uid_t uid, gid_t gid);
Status remove_file(const fs::path& path);  // not an error if absent
// Removes a folder if it is empty; not an error if it is absent or holds something.
Status remove_empty_dir(const fs::path& path);
// Removes a tree without following symlinks and without crossing into other mounts (a mount
// found inside is an error). Not an error if absent.
Status remove_tree(const fs::path& path);
Status rename_path(const fs::path& from, const fs::path& to);
Result<std::vector<std::string>> list_dir(const fs::path& path);  // names, sorted

enum class CopyMode {
  reflink,  // FICLONE every file; fails where the file system cannot share extents
  copy,     // copy every byte (copy_file_range: a file system may still share extents)
};
// Copies a tree, keeping modes, owners, timestamps and symlinks (never followed). The
// destination must not exist; on failure nothing of it is left. Hard links become separate
// files and sockets are skipped. Out of space is Errc::no_space.
Status copy_tree(const fs::path& src, const fs::path& dst, CopyMode mode);
// True if the file system holding `dir` can FICLONE (tried on a scratch file).
bool supports_reflink(const fs::path& dir);

// Space a tree occupies on disk (st_blocks), and the part of it in extents that no other file
// shares (FIEMAP): the real cost of a copy-on-write copy.
Result<uint64_t> tree_allocated_bytes(const fs::path& path);
Result<uint64_t> tree_exclusive_bytes(const fs::path& path);

struct FsSpace {
  uint64_t total = 0;
  uint64_t available = 0;
  uint64_t used() const { return total - available; }
};
Result<FsSpace> fs_space(const fs::path& path);
// The statfs magic of the file system holding path (BTRFS_SUPER_MAGIC, XFS_SUPER_MAGIC, ...).
Result<int64_t> fs_magic(const fs::path& path);
// Flushes the file system holding path to disk (syncfs).
Status sync_fs(const fs::path& path);
// Creates a sparse file of `size` bytes; already_exists if present.
Status create_sparse_file(const fs::path& path, uint64_t size);

// An exclusive or shared advisory lock (flock) on a lock file, released on destruction.
class FileLock {
 public:
  static Result<FileLock> acquire(const fs::path& path, bool exclusive, bool wait);
  FileLock() = default;
  bool held() const { return fd_.valid(); }

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace dbtwin::os
