// Files read and written in pieces, for the file:// bridge: reads, flushes, and a recursive
// listing of regular files. Every descriptor is opened O_CLOEXEC; EINTR is retried here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

namespace dbtwin::os {

namespace fs = std::filesystem;

// Reads up to `n` bytes; 0 at the end of the file. `shown` names the file in errors.
Result<size_t> read_some(int fd, char* buf, size_t n, const fs::path& shown);
// Flushes a file's data and metadata (fsync); out of space is Errc::no_space.
Status sync_file(int fd, const fs::path& shown);
// Flushes a folder, so that a rename or a creation inside it survives a crash.
Status sync_dir(const fs::path& dir);

struct FileEntry {
  std::string path;  // relative to the root, '/'-separated
  uint64_t size = 0;
};
// Every regular file under `root`, recursively, never following symlinks, sorted by path. An
// absent root gives an empty list.
Result<std::vector<FileEntry>> list_files(const fs::path& root);

}  // namespace dbtwin::os
