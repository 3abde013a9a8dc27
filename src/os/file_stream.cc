#include "os/file_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "os/fd_util.h"
#include "os/files.h"

namespace dbtwin::os {

using detail::retry_eintr;

Result<size_t> read_some(int fd, char* buf, size_t n, const fs::path& shown) {
  ssize_t got = retry_eintr([&] { return ::read(fd, buf, n); });
  if (got < 0) return errno_error(fmt::format("reading {}", shown.string()), errno);
  return static_cast<size_t>(got);
}

Status sync_file(int fd, const fs::path& shown) {
  if (retry_eintr([&] { return ::fsync(fd); }) < 0) {
    return errno_error(fmt::format("flushing {}", shown.string()), errno);
  }
  return {};
}

Status sync_dir(const fs::path& dir) {
  UniqueFd fd = TRY(open_fd(dir, O_RDONLY | O_DIRECTORY));
  return sync_file(fd.get(), dir);
}

namespace {

Status walk(int dirfd, const std::string& rel, const fs::path& shown, std::vector<FileEntry>& out) {
  for (const auto& name : TRY(detail::dir_names(dirfd, shown.string()))) {
    std::string child_rel = rel.empty() ? name : rel + "/" + name;
    auto st = detail::stat_at(dirfd, name, (shown / name).string());
    if (!st.ok()) {
      if (st.error().code == Errc::not_found) continue;  // removed while we listed
      return std::move(st).error();
    }
    if (detail::is_dir(*st)) {
      auto sub = detail::open_dir_at(dirfd, name, (shown / name).string());
      if (!sub.ok() && sub.error().code == Errc::not_found) continue;
      if (!sub.ok()) return std::move(sub).error();
      TRY(walk(sub->get(), child_rel, shown / name, out));
    } else if (S_ISREG(st->stx_mode)) {
      out.push_back({child_rel, st->stx_size});
    }
  }
  return {};
}

}  // namespace

Result<std::vector<FileEntry>> list_files(const fs::path& root) {
  std::vector<FileEntry> out;
  auto dir = detail::open_dir_at(AT_FDCWD, root.string(), root.string());
  if (!dir.ok()) {
    if (dir.error().code == Errc::not_found) return out;
    return std::move(dir).error();
  }
  TRY(walk(dir->get(), "", root, out));
  std::sort(out.begin(), out.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  return out;
}

}  // namespace dbtwin::os
