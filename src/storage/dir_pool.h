// Internal to storage/: the parts every folder-based driver shares, and the driver factories.
// Volumes live at <root>/<id>; work in progress lives in dot-folders that list() ignores, so a
// crash mid-copy never leaves something that looks like a volume.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "os/files.h"
#include "os/process.h"
#include "storage/pool.h"

namespace dbtwin::storage {

// Keeps an error's message but files ENOSPC/EDQUOT under Errc::no_space, whatever code the
// lower layer chose, so that callers can tell a full pool from a broken one.
Error classify(Error e);

// Passes a result through, prefixing an error with `what` and classifying it (above).
template <typename T>
Result<T> in_context(Result<T> r, std::string_view what) {
  if (r.ok()) return r;
  return classify(std::move(r).error().context(what));
}

// Options to run a command with argv and nothing else set.
inline os::SpawnOptions command(std::vector<std::string> argv) {
  os::SpawnOptions o;
  o.argv = std::move(argv);
  return o;
}

// Validates every id given (see validate_volume_id).
Status validate_ids(std::initializer_list<std::string_view> ids);

class DirPool : public StoragePool {
 public:
  explicit DirPool(fs::path root) : root_(std::move(root)) {}

  const fs::path& root() const override { return root_; }
  bool exists(const std::string& id) override;
  Result<std::vector<std::string>> list() override;
  Result<os::FsSpace> space() override;

 protected:
  fs::path volume(const std::string& id) const { return root_ / id; }
  // <root>/<id> after validating the id; not_found if there is no such volume.
  Result<fs::path> existing(const std::string& id) const;
  // A scratch folder name beside the volumes for building `id` before it is renamed into place.
  fs::path staging(const std::string& id) const;
  // Removes the staging folder of `id`, which a copy killed half-way leaves behind.
  Status remove_staging(const std::string& id) const;
  // The checks every op starts with: valid ids, `src` present, `dst` absent.
  Status check_src_dst(const std::string& src, const std::string& dst);
  // mkdir <root>/<id> with mode 0700 (the umask does not apply).
  Result<fs::path> make_volume_dir(const std::string& id);
  // Renames volume `from` to `to`.
  Result<fs::path> rename_volume(const std::string& from, const std::string& to);
  // Copies the tree `src` into a staging folder, then renames it to <root>/<dst_id>. On failure
  // the staging folder is removed, so no partial volume is left.
  Result<fs::path> copy_into_place(const fs::path& src, const std::string& dst_id,
                                   os::CopyMode mode);

 private:
  fs::path root_;
};

std::unique_ptr<StoragePool> make_btrfs_pool(fs::path root);
// The reflink and copy drivers differ only in how files are copied and how usage is counted.
std::unique_ptr<StoragePool> make_copy_pool(fs::path root, Driver driver);
std::unique_ptr<StoragePool> make_overlay_pool(fs::path root);
// `zfs` is the resolved path of the zfs command.
std::unique_ptr<StoragePool> make_zfs_pool(fs::path root, std::string dataset, fs::path zfs);

}  // namespace dbtwin::storage
