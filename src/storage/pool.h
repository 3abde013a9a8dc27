// StoragePool: where every data directory lives, behind one interface with five drivers.
//
// A volume is a folder that holds one engine data directory. Volume ids are built by core/ from
// validated names, in three shapes:
//   work.<template>.<n>   a writable volume being filled by an import
//   snap.<template>.<n>   an immutable snapshot of a template (or of a clone, for clone-of-clone)
//   clone.<name>          a clone's writable copy-on-write copy of a snapshot
// Pools check the id's shape again ([a-z0-9][a-z0-9._-]*, no "..") before it reaches a path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "os/files.h"

namespace dbtwin::storage {

namespace fs = std::filesystem;

enum class Driver { btrfs, zfs, reflink, overlay, copy };

std::string_view driver_name(Driver d);
Result<Driver> parse_driver(std::string_view name);
Status validate_volume_id(std::string_view id);

class StoragePool {
 public:
  virtual ~StoragePool() = default;

  virtual Driver driver() const = 0;
  virtual const fs::path& root() const = 0;
  // True if snapshot() of a running server's volume is crash-consistent (btrfs, zfs). Where it
  // is false, the caller quiesces the server (clean stop, snapshot, start).
  virtual bool atomic_snapshots() const = 0;

  // Creates an empty writable volume and returns its path (mode 0700).
  virtual Result<fs::path> create(const std::string& id) = 0;
  // Turns a finished writable volume into the immutable snapshot `snap_id`, consuming it.
  // O(1) on every driver (a rename, or a read-only flag).
  virtual Result<fs::path> seal(const std::string& work_id, const std::string& snap_id) = 0;
  // An immutable snapshot of writable volume `src_id`, which stays as it is.
  virtual Result<fs::path> snapshot(const std::string& src_id, const std::string& snap_id) = 0;
  // A writable copy-on-write copy of snapshot `snap_id`.
  virtual Result<fs::path> clone(const std::string& snap_id, const std::string& dst_id) = 0;
  // Removes a volume of any kind, and its mounts; not an error if it does not exist.
  virtual Status destroy(const std::string& id) = 0;

  // The path of a volume's data, mounting it again if it needs a mount (overlay after a reboot).
  virtual Result<fs::path> path(const std::string& id) = 0;
  virtual bool exists(const std::string& id) = 0;
  // Every volume id in the pool, for reconciliation with the catalog.
  virtual Result<std::vector<std::string>> list() = 0;
  // Bytes the volume uses that it does not share with the snapshot it came from.
  virtual Result<uint64_t> used_bytes(const std::string& id) = 0;
  // Size and free space of the pool.
  virtual Result<os::FsSpace> space() = 0;
};

struct PoolOptions {
  std::string zfs_dataset;  // the parent dataset for the zfs driver, e.g. "tank/dbtwin"
};

// Picks the best driver the folder supports: btrfs or zfs by file system, then reflink if FICLONE
// works, then overlay when running as root with overlayfs available, then copy.
Result<Driver> detect_driver(const fs::path& root);

// Opens (creating the folder if needed) a pool at `root` with the given driver.
Result<std::unique_ptr<StoragePool>> open_pool(const fs::path& root, Driver driver,
                                               const PoolOptions& options = {});

}  // namespace dbtwin::storage
