// The reflink and copy drivers: volumes are plain folders; snapshots and clones are copies of
// the tree, sharing extents (FICLONE) under reflink and copying every byte under copy. Neither
// is atomic, so core/ quiesces a live server before a snapshot.
#include "storage/dir_pool.h"

namespace dbtwin::storage {

namespace {

class CopyPool final : public DirPool {
 public:
  CopyPool(fs::path root, Driver driver) : DirPool(std::move(root)), driver_(driver) {}

  Driver driver() const override { return driver_; }
  bool atomic_snapshots() const override { return false; }

  Result<fs::path> create(const std::string& id) override { return make_volume_dir(id); }

  Result<fs::path> seal(const std::string& work_id, const std::string& snap_id) override {
    return rename_volume(work_id, snap_id);
  }

  Result<fs::path> snapshot(const std::string& src_id, const std::string& snap_id) override {
    TRY(check_src_dst(src_id, snap_id));
    return copy_into_place(volume(src_id), snap_id, mode());
  }

  Result<fs::path> clone(const std::string& snap_id, const std::string& dst_id) override {
    TRY(check_src_dst(snap_id, dst_id));
    return copy_into_place(volume(snap_id), dst_id, mode());
  }

  Status destroy(const std::string& id) override {
    TRY(validate_volume_id(id));
    TRY(remove_staging(id));
    return in_context(os::remove_tree(volume(id)), "destroying volume " + id);
  }

  Result<fs::path> path(const std::string& id) override { return existing(id); }

  Result<uint64_t> used_bytes(const std::string& id) override {
    fs::path p = TRY(path(id));
    // A reflinked copy costs only the extents it no longer shares; a plain copy costs it all.
    auto used =
        driver_ == Driver::reflink ? os::tree_exclusive_bytes(p) : os::tree_allocated_bytes(p);
    return in_context(std::move(used), "measuring volume " + id);
  }

 private:
  os::CopyMode mode() const {
    return driver_ == Driver::reflink ? os::CopyMode::reflink : os::CopyMode::copy;
  }

  Driver driver_;
};

}  // namespace

std::unique_ptr<StoragePool> make_copy_pool(fs::path root, Driver driver) {
  return std::make_unique<CopyPool>(std::move(root), driver);
}

}  // namespace dbtwin::storage
