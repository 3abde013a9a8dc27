// Internal to os/: small descriptor helpers shared by the file and tree code.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace dbtwin::os::detail {

// Retries a system call interrupted by a signal.
template <typename F>
auto retry_eintr(F f) {
  decltype(f()) r;
  do {
    r = f();
  } while (r < 0 && errno == EINTR);
  return r;
}

// statx of `name` under `dirfd` (AT_FDCWD for a path; "" with AT_EMPTY_PATH for dirfd itself),
// never following a final symlink, with the mount id when the kernel reports it.
Result<struct statx> stat_at(int dirfd, const std::string& name, const std::string& shown);

// Opens a directory under dirfd without following a symlink.
Result<UniqueFd> open_dir_at(int dirfd, const std::string& name, const std::string& shown);

// The names in a directory (not "." or ".."), read through a duplicate of dirfd.
Result<std::vector<std::string>> dir_names(int dirfd, const std::string& shown);

// The mount a statx result lives on: the mount id, else the device (older kernels).
uint64_t mount_key(const struct statx& st);

inline bool is_dir(const struct statx& st) {
  return S_ISDIR(st.stx_mode);
}

}  // namespace dbtwin::os::detail
