#include "storage/dir_pool.h"

#include "base/scope_guard.h"

namespace dbtwin::storage {

namespace {
constexpr std::string_view kStagingPrefix = ".staging.";
}

bool DirPool::exists(const std::string& id) {
  return validate_volume_id(id).ok() && os::exists(volume(id));
}

Result<std::vector<std::string>> DirPool::list() {
  auto names = TRY_CTX(os::list_dir(root_), fmt::format("listing pool {}", root_.string()));
  std::vector<std::string> ids;
  for (auto& name : names) {
    // Dot-folders are staging areas and lost+found-style entries are not ours.
    if (validate_volume_id(name).ok()) ids.push_back(std::move(name));
  }
  return ids;
}

Result<os::FsSpace> DirPool::space() {
  return in_context(os::fs_space(root_),
                    fmt::format("reading free space of pool {}", root_.string()));
}

Result<fs::path> DirPool::existing(const std::string& id) const {
  TRY(validate_volume_id(id));
  if (!os::exists(volume(id))) {
    return err(Errc::not_found, "volume {} does not exist in pool {}", id, root_.string());
  }
  return volume(id);
}

fs::path DirPool::staging(const std::string& id) const {
  return root_ / (std::string(kStagingPrefix) + id);
}

Status DirPool::remove_staging(const std::string& id) const {
  return in_context(os::remove_tree(staging(id)), "removing the staging folder of volume " + id);
}

Status DirPool::check_src_dst(const std::string& src, const std::string& dst) {
  TRY(validate_ids({src, dst}));
  TRY(existing(src));
  if (os::exists(volume(dst))) {
    return err(Errc::already_exists, "volume {} already exists in pool {}", dst, root_.string());
  }
  return {};
}

Result<fs::path> DirPool::make_volume_dir(const std::string& id) {
  TRY(validate_volume_id(id));
  fs::path p = volume(id);
  if (os::exists(p)) {
    return err(Errc::already_exists, "volume {} already exists in pool {}", id, root_.string());
  }
  auto made = os::make_dirs(p, 0700);
  if (!made.ok()) return classify(std::move(made).error().context("creating volume " + id));
  ScopeGuard undo([&] { (void)os::remove_tree(p); });
  TRY_CTX(os::set_mode(p, 0700), "creating volume " + id);
  undo.dismiss();
  return p;
}

Result<fs::path> DirPool::rename_volume(const std::string& from, const std::string& to) {
  TRY(check_src_dst(from, to));
  TRY_CTX(os::rename_path(volume(from), volume(to)),
          fmt::format("sealing volume {} as {}", from, to));
  return volume(to);
}

Result<fs::path> DirPool::copy_into_place(const fs::path& src, const std::string& dst_id,
                                          os::CopyMode mode) {
  fs::path tmp = staging(dst_id);
  // A staging folder left by a crash is garbage by definition.
  TRY_CTX(os::remove_tree(tmp), "removing stale staging folder " + tmp.string());
  ScopeGuard undo([&] { (void)os::remove_tree(tmp); });
  auto copied = os::copy_tree(src, tmp, mode);
  if (!copied.ok()) {
    return classify(std::move(copied).error().context(
        fmt::format("copying {} to volume {}", src.string(), dst_id)));
  }
  TRY_CTX(os::rename_path(tmp, volume(dst_id)), "moving volume " + dst_id + " into place");
  undo.dismiss();
  return volume(dst_id);
}

}  // namespace dbtwin::storage
