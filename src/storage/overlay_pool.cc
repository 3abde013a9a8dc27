// The overlay driver (kernel overlayfs, root only): snapshots are plain folders, and a clone is
// an overlay mount with the snapshot as its lower layer:
//   <root>/<clone>/upper     the clone's own changes (a write copies the whole file up)
//   <root>/<clone>/work      overlayfs's scratch folder (same file system as upper)
//   <root>/<clone>/merged    the mount: the clone's data
//   <root>/<clone>/dbtwin-overlay.lower   the snapshot id, to mount again after a reboot
// The snapshot folder must outlive its clones; core/ guarantees it.

#include <cerrno>

#include "base/scope_guard.h"
#include "base/strings.h"
#include "os/mount.h"
#include "os/process.h"
#include "storage/dir_pool.h"

namespace dbtwin::storage {

namespace {

constexpr const char* kLowerFile = "dbtwin-overlay.lower";

// The owner of a folder. TODO(os): this is the one system call made outside os/, because

class OverlayPool final : public DirPool {
 public:
  OverlayPool(fs::path root, bool reflink) : DirPool(std::move(root)), reflink_(reflink) {}

  Driver driver() const override { return Driver::overlay; }
  bool atomic_snapshots() const override { return false; }

  Result<fs::path> create(const std::string& id) override { return make_volume_dir(id); }

  Result<fs::path> seal(const std::string& work_id, const std::string& snap_id) override {
    TRY(validate_ids({work_id, snap_id}));
    if (!is_clone(work_id)) return rename_volume(work_id, snap_id);
    // A mounted clone cannot be renamed into a plain folder: copy its merged view instead.
    fs::path p = TRY(snapshot(work_id, snap_id));
    TRY_CTX(destroy(work_id), "sealing volume " + work_id);
    return p;
  }

  Result<fs::path> snapshot(const std::string& src_id, const std::string& snap_id) override {
    TRY(check_src_dst(src_id, snap_id));
    fs::path src = TRY(path(src_id));
    // Extents cannot be shared across the overlay mount, so a clone's view is copied in full.
    auto mode = reflink_ && !is_clone(src_id) ? os::CopyMode::reflink : os::CopyMode::copy;
    return copy_into_place(src, snap_id, mode);
  }

  Result<fs::path> clone(const std::string& snap_id, const std::string& dst_id) override {
    TRY(check_src_dst(snap_id, dst_id));
    if (is_clone(snap_id)) {
      return err(Errc::invalid_argument,
                 "volume {} is an overlay clone, not a snapshot: snapshot it first", snap_id);
    }
    TRY_CTX(build_clone(snap_id, dst_id), "cloning volume " + snap_id + " as " + dst_id);
    ScopeGuard undo([&] { (void)os::remove_tree(volume(dst_id)); });
    TRY_CTX(mount_clone(dst_id), "cloning volume " + snap_id + " as " + dst_id);
    undo.dismiss();
    return volume(dst_id) / "merged";
  }

  Status destroy(const std::string& id) override {
    TRY(validate_volume_id(id));
    TRY(remove_staging(id));
    fs::path p = volume(id);
    if (!os::exists(p)) return {};
    if (is_clone(id)) TRY_CTX(os::unmount(p / "merged"), "destroying volume " + id);
    return in_context(os::remove_tree(p), "destroying volume " + id);
  }

  Result<fs::path> path(const std::string& id) override {
    fs::path p = TRY(existing(id));
    if (!is_clone(id)) return p;
    auto mounted = TRY(os::find_mount(p / "merged"));
    if (!mounted) TRY_CTX(mount_clone(id), "mounting volume " + id + " again");
    return p / "merged";
  }

  Result<uint64_t> used_bytes(const std::string& id) override {
    fs::path p = TRY(path(id));
    if (is_clone(id)) {
      return in_context(os::tree_allocated_bytes(volume(id) / "upper"), "measuring volume " + id);
    }
    auto used = reflink_ ? os::tree_exclusive_bytes(p) : os::tree_allocated_bytes(p);
    return in_context(std::move(used), "measuring volume " + id);
  }

 private:
  bool is_clone(const std::string& id) const { return os::exists(volume(id) / kLowerFile); }

  // Lays the clone's folders out in a staging folder, then renames it into place. The root of
  // upper gets the lower root's mode and owner: it becomes the merged root, and servers check
  // their data directory's (postgres wants 0700 and its own user).
  Status build_clone(const std::string& snap_id, const std::string& dst_id) {
    fs::path lower = volume(snap_id);
    fs::path tmp = staging(dst_id);
    TRY(os::remove_tree(tmp));
    ScopeGuard undo([&] { (void)os::remove_tree(tmp); });
    // 0711: the service user must reach merged/ (its data directory) but not list the rest.
    auto made = os::make_dirs(tmp, 0711);
    if (!made.ok()) return classify(std::move(made).error());
    TRY(os::set_mode(tmp, 0711));
    for (const char* sub : {"upper", "work", "merged"}) TRY(os::make_dirs(tmp / sub, 0700));
    auto owner = TRY(os::owner_of(lower));
    auto perms = fs::status(lower).permissions();
    TRY(os::set_mode(tmp / "upper", static_cast<mode_t>(perms) & 07777));
    TRY(os::set_owner(tmp / "upper", owner.uid, owner.gid));
    auto wrote = os::write_file(tmp / kLowerFile, snap_id + "\n", 0600);
    if (!wrote.ok()) return classify(std::move(wrote).error());
    TRY(os::rename_path(tmp, volume(dst_id)));
    undo.dismiss();
    return {};
  }

  Status mount_clone(const std::string& id) {
    fs::path p = volume(id);
    std::string snap_id{trim(TRY(os::read_file(p / kLowerFile)))};
    TRY_CTX(validate_volume_id(snap_id), "reading the lower layer of " + id);
    if (!os::exists(volume(snap_id))) {
      return err(Errc::not_found, "snapshot {} under overlay clone {} is gone", snap_id, id);
    }
    std::string options =
        fmt::format("lowerdir={},upperdir={},workdir={}", volume(snap_id).string(),
                    (p / "upper").string(), (p / "work").string());
    auto mounted = os::mount_fs("overlay", p / "merged", "overlay", 0, options);
    if (!mounted.ok()) return classify(std::move(mounted).error());
    return {};
  }

  bool reflink_;
};

}  // namespace

std::unique_ptr<StoragePool> make_overlay_pool(fs::path root) {
  bool reflink = os::supports_reflink(root);
  return std::make_unique<OverlayPool>(std::move(root), reflink);
}

}  // namespace dbtwin::storage
