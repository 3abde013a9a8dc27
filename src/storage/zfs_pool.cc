// The zfs driver, through the `zfs` command. Every volume is a dataset <parent>/<id>, mounted at
// <root>/<id> by inheriting the parent's mountpoint (the parent is mounted at the pool's root).
//
// Mapping (chosen so that every clone comes from a snapshot that never changes):
//   create(id)         zfs create -p P/id
//   seal(work, snap)   zfs rename P/work P/snap; zfs set readonly=on P/snap;
//                      zfs snapshot P/snap@sealed                         (O(1), no data moves)
//   snapshot(src,snap) zfs snapshot P/src@snap; zfs clone -o readonly=on P/src@snap P/snap;
//                      zfs snapshot P/snap@sealed                         (atomic:
//                      crash-consistent)
//   clone(snap, dst)   zfs clone P/snap@sealed P/dst
//   destroy(id)        zfs promote the newest clone of P/id's own snapshots (so that a snapshot
//                      taken from a clone outlives the clone), zfs destroy -r P/id, then
//                      zfs destroy -d of its origin unless that is a @sealed snapshot that
//                      other clones share (deferred: it goes when its last clone goes).
// Every volume is thus a dataset at the same path whatever its kind, and a snapshot volume's
// @sealed is the one thing clones depend on.
#include "base/scope_guard.h"
#include "base/strings.h"
#include "os/process.h"
#include "storage/dir_pool.h"

namespace dbtwin::storage {

namespace {

constexpr const char* kSealed = "sealed";

Result<uint64_t> parse_bytes(std::string_view text, std::string_view what) {
  text = trim(text);
  uint64_t v = 0;
  if (text.empty()) return err(Errc::storage, "zfs printed no value for {}", what);
  for (char c : text) {
    if (c < '0' || c > '9') return err(Errc::storage, "zfs printed '{}' for {}", text, what);
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

class ZfsPool final : public DirPool {
 public:
  ZfsPool(fs::path root, std::string dataset, fs::path zfs)
      : DirPool(std::move(root)), dataset_(std::move(dataset)), zfs_(std::move(zfs)) {}

  Driver driver() const override { return Driver::zfs; }
  bool atomic_snapshots() const override { return true; }

  bool exists(const std::string& id) override {
    if (!validate_volume_id(id).ok()) return false;
    auto r = os::run(command({zfs_.string(), "list", "-H", "-o", "name", ds(id)}));
    return r.ok() && r->exit_code == 0;
  }

  Result<fs::path> create(const std::string& id) override {
    TRY(validate_volume_id(id));
    TRY(check_absent(id));
    TRY(zfs({"create", "-p", ds(id)}));
    ScopeGuard undo([&] { (void)zfs({"destroy", "-r", ds(id)}); });
    TRY_CTX(os::set_mode(volume(id), 0700), "creating volume " + id);
    undo.dismiss();
    return volume(id);
  }

  Result<fs::path> seal(const std::string& work_id, const std::string& snap_id) override {
    TRY(check_pair(work_id, snap_id));
    Undo undo;
    TRY(zfs({"rename", ds(work_id), ds(snap_id)}));
    undo.push([&] { (void)zfs({"rename", ds(snap_id), ds(work_id)}); });
    TRY(zfs({"set", "readonly=on", ds(snap_id)}));
    undo.push([&] { (void)zfs({"inherit", "readonly", ds(snap_id)}); });
    TRY(zfs({"snapshot", sealed(snap_id)}));
    undo.commit();
    return volume(snap_id);
  }

  Result<fs::path> snapshot(const std::string& src_id, const std::string& snap_id) override {
    TRY(check_pair(src_id, snap_id));
    std::string origin = ds(src_id) + "@" + snap_id;
    Undo undo;
    TRY(zfs({"snapshot", origin}));
    undo.push([&] { (void)zfs({"destroy", origin}); });
    TRY(zfs({"clone", "-o", "readonly=on", origin, ds(snap_id)}));
    undo.push([&] { (void)zfs({"destroy", "-r", ds(snap_id)}); });
    TRY(zfs({"snapshot", sealed(snap_id)}));
    undo.commit();
    return volume(snap_id);
  }

  Result<fs::path> clone(const std::string& snap_id, const std::string& dst_id) override {
    TRY(check_pair(snap_id, dst_id));
    TRY(zfs({"clone", sealed(snap_id), ds(dst_id)}));
    return volume(dst_id);
  }

  Status destroy(const std::string& id) override {
    TRY(validate_volume_id(id));
    if (!exists(id)) return {};
    TRY(promote_dependents(id));
    std::string origin{trim(TRY(zfs({"get", "-H", "-o", "value", "origin", ds(id)})))};
    TRY(zfs({"destroy", "-r", ds(id)}));
    if (origin != "-" && !origin.empty() && !ends_with(origin, std::string("@") + kSealed)) {
      // The snapshot this volume was cloned from has no other use; -d defers it if it has.
      (void)zfs({"destroy", "-d", origin});
    }
    return {};
  }

  Result<fs::path> path(const std::string& id) override {
    TRY(validate_volume_id(id));
    if (!exists(id)) {
      return err(Errc::not_found, "volume {} does not exist in zfs dataset {}", id, dataset_);
    }
    return volume(id);
  }

  Result<std::vector<std::string>> list() override {
    auto out = TRY(zfs({"list", "-H", "-o", "name", "-t", "filesystem", "-d", "1", dataset_}));
    std::vector<std::string> ids;
    std::string prefix = dataset_ + "/";
    for (const auto& line : split(out, '\n')) {
      auto name = trim(line);
      if (!starts_with(name, prefix)) continue;
      std::string id{name.substr(prefix.size())};
      if (validate_volume_id(id).ok()) ids.push_back(std::move(id));
    }
    return ids;
  }

  Result<uint64_t> used_bytes(const std::string& id) override {
    TRY(validate_volume_id(id));
    auto out = TRY(zfs({"get", "-Hp", "-o", "value", "used", ds(id)}));
    return parse_bytes(out, "used of " + ds(id));
  }

  Result<os::FsSpace> space() override {
    auto out = TRY(zfs({"get", "-Hp", "-o", "property,value", "available,used", dataset_}));
    uint64_t available = 0, used = 0;
    for (const auto& line : split(out, '\n')) {
      auto fields = split(line, '\t');
      if (fields.size() != 2) continue;
      if (fields[0] == "available") available = TRY(parse_bytes(fields[1], "available"));
      if (fields[0] == "used") used = TRY(parse_bytes(fields[1], "used"));
    }
    return os::FsSpace{available + used, available};
  }

 private:
  std::string ds(const std::string& id) const { return dataset_ + "/" + id; }
  std::string sealed(const std::string& id) const { return ds(id) + "@" + kSealed; }

  Result<std::string> zfs(std::vector<std::string> args) {
    args.insert(args.begin(), zfs_.string());
    auto out = os::run_checked(command(std::move(args)), Errc::storage);
    if (!out.ok()) {
      Error e = std::move(out).error();
      if (e.message.find("out of space") != std::string::npos) e.code = Errc::no_space;
      return e;
    }
    return out;
  }

  Status check_absent(const std::string& id) {
    if (exists(id)) {
      return err(Errc::already_exists, "volume {} already exists in zfs dataset {}", id, dataset_);
    }
    return {};
  }

  Status check_pair(const std::string& src, const std::string& dst) {
    TRY(validate_ids({src, dst}));
    if (!exists(src)) {
      return err(Errc::not_found, "volume {} does not exist in zfs dataset {}", src, dataset_);
    }
    return check_absent(dst);
  }

  // Hands P/id's snapshots that have clones to the clone of the newest one (zfs promote), so
  // that P/id can be destroyed while volumes made from it live on.
  Status promote_dependents(const std::string& id) {
    auto snaps = TRY(
        zfs({"list", "-H", "-o", "name", "-t", "snapshot", "-s", "createtxg", "-d", "1", ds(id)}));
    auto names = split(snaps, '\n');
    for (auto it = names.rbegin(); it != names.rend(); ++it) {
      std::string snap{trim(*it)};
      if (snap.empty()) continue;
      auto clones = TRY(zfs({"get", "-H", "-o", "value", "clones", snap}));
      auto list = split(trim(clones), ',');
      std::string first = list.empty() ? "" : std::string(trim(list.front()));
      if (first.empty() || first == "-") continue;
      TRY_CTX(zfs({"promote", first}), "destroying volume " + id);
      return {};
    }
    return {};
  }

  std::string dataset_;
  fs::path zfs_;
};

}  // namespace

std::unique_ptr<StoragePool> make_zfs_pool(fs::path root, std::string dataset, fs::path zfs) {
  return std::make_unique<ZfsPool>(std::move(root), std::move(dataset), std::move(zfs));
}

}  // namespace dbtwin::storage
