// The btrfs driver: every volume is a subvolume. Snapshots are read-only subvolume snapshots
// (atomic, so a live server's volume is crash-consistent) and clones are writable snapshots of
// them: both O(1) ioctls.
#include "base/scope_guard.h"
#include "os/btrfs.h"
#include "storage/dir_pool.h"

namespace dbtwin::storage {

namespace {

class BtrfsPool final : public DirPool {
 public:
  using DirPool::DirPool;

  Driver driver() const override { return Driver::btrfs; }
  bool atomic_snapshots() const override { return true; }

  Result<fs::path> create(const std::string& id) override {
    TRY(validate_volume_id(id));
    fs::path p = volume(id);
    if (os::exists(p)) {
      return err(Errc::already_exists, "volume {} already exists in pool {}", id, root().string());
    }
    auto made = os::btrfs::create_subvolume(p);
    if (!made.ok()) return classify(std::move(made).error().context("creating volume " + id));
    ScopeGuard undo([&] { (void)os::btrfs::delete_subvolume(p); });
    TRY_CTX(os::set_mode(p, 0700), "creating volume " + id);
    undo.dismiss();
    return p;
  }

  Result<fs::path> seal(const std::string& work_id, const std::string& snap_id) override {
    fs::path p = TRY(rename_volume(work_id, snap_id));
    ScopeGuard undo([&] { (void)os::rename_path(p, volume(work_id)); });
    TRY_CTX(os::btrfs::set_read_only(p, true), "sealing volume " + snap_id);
    undo.dismiss();
    return p;
  }

  Result<fs::path> snapshot(const std::string& src_id, const std::string& snap_id) override {
    TRY(check_src_dst(src_id, snap_id));
    return make_snapshot(src_id, snap_id, true);
  }

  Result<fs::path> clone(const std::string& snap_id, const std::string& dst_id) override {
    TRY(check_src_dst(snap_id, dst_id));
    return make_snapshot(snap_id, dst_id, false);
  }

  Status destroy(const std::string& id) override {
    TRY(validate_volume_id(id));
    fs::path p = volume(id);
    if (!os::exists(p)) return {};
    bool subvolume = TRY_CTX(os::btrfs::is_subvolume(p), "destroying volume " + id);
    if (!subvolume) return in_context(os::remove_tree(p), "destroying volume " + id);
    // A read-only snapshot cannot be deleted by every kernel without clearing the flag.
    (void)os::btrfs::set_read_only(p, false);
    return in_context(os::btrfs::delete_subvolume(p), "destroying volume " + id);
  }

  Result<fs::path> path(const std::string& id) override { return existing(id); }

  Result<uint64_t> used_bytes(const std::string& id) override {
    fs::path p = TRY(path(id));
    return in_context(os::tree_exclusive_bytes(p), "measuring volume " + id);
  }

 private:
  Result<fs::path> make_snapshot(const std::string& src_id, const std::string& dst_id,
                                 bool read_only) {
    fs::path dst = volume(dst_id);
    auto made = os::btrfs::snapshot(volume(src_id), dst, read_only);
    if (!made.ok()) {
      // The ioctl is all or nothing, but never leave a half-made volume behind whatever it did.
      if (os::exists(dst)) (void)os::btrfs::delete_subvolume(dst);
      return classify(std::move(made).error().context(
          fmt::format("snapshotting volume {} as {}", src_id, dst_id)));
    }
    return dst;
  }
};

}  // namespace

std::unique_ptr<StoragePool> make_btrfs_pool(fs::path root) {
  return std::make_unique<BtrfsPool>(std::move(root));
}

}  // namespace dbtwin::storage
