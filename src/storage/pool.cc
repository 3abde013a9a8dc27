#include "storage/pool.h"

#include <cctype>
#include <cerrno>

#include "os/process.h"
#include "storage/dir_pool.h"

namespace dbtwin::storage {

std::string_view driver_name(Driver d) {
  switch (d) {
    case Driver::btrfs:
      return "btrfs";
    case Driver::zfs:
      return "zfs";
    case Driver::reflink:
      return "reflink";
    case Driver::overlay:
      return "overlay";
    case Driver::copy:
      return "copy";
  }
  return "unknown";
}

Result<Driver> parse_driver(std::string_view name) {
  for (Driver d : {Driver::btrfs, Driver::zfs, Driver::reflink, Driver::overlay, Driver::copy}) {
    if (name == driver_name(d)) return d;
  }
  return err(Errc::invalid_argument,
             "unknown pool driver '{}' (expected btrfs, zfs, reflink, overlay or copy)", name);
}

Status validate_volume_id(std::string_view id) {
  auto bad = [&](std::string_view why) {
    return err(Errc::invalid_argument, "invalid volume id '{}': {}", id, why);
  };
  if (id.empty()) return bad("it is empty");
  if (id.size() > 200) return bad("it is longer than 200 characters");
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(id[0])) return bad("it must start with a lowercase letter or a digit");
  for (char c : id) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-') {
      return bad("only a-z, 0-9, '.', '_' and '-' are allowed");
    }
  }
  if (id.find("..") != std::string_view::npos) return bad("it contains '..'");
  return {};
}

Status validate_ids(std::initializer_list<std::string_view> ids) {
  for (auto id : ids) TRY(validate_volume_id(id));
  return {};
}

Error classify(Error e) {
  if (e.sys_errno == ENOSPC || e.sys_errno == EDQUOT) e.code = Errc::no_space;
  return e;
}

namespace {

// A ZFS dataset name such as "tank/dbtwin": it reaches the zfs command line.
Status validate_dataset(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return err(Errc::invalid_argument, "invalid zfs dataset '{}': {}", name, why);
  };
  if (name.empty()) return bad("the zfs pool driver needs a parent dataset (e.g. tank/dbtwin)");
  if (name.front() == '/' || name.back() == '/' || name.front() == '-') {
    return bad("it must not start with '/' or '-' nor end with '/'");
  }
  for (char c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
              c == ':' || c == '/';
    if (!ok) return bad("only letters, digits, '_', '-', '.', ':' and '/' are allowed");
  }
  if (name.find("//") != std::string_view::npos) return bad("it contains an empty component");
  return {};
}

}  // namespace

Result<std::unique_ptr<StoragePool>> open_pool(const fs::path& root, Driver driver,
                                               const PoolOptions& options) {
  if (!root.is_absolute()) {
    return err(Errc::invalid_argument, "pool folder '{}' must be an absolute path", root.string());
  }
  // Overlay mount options and zfs properties are comma- and colon-separated lists.
  if (root.string().find_first_of(",:\\\n") != std::string::npos) {
    return err(Errc::invalid_argument,
               "pool folder '{}' must not contain ',', ':', '\\' or a newline", root.string());
  }
  fs::path clean = root.lexically_normal();
  if (!clean.has_filename() && clean != clean.root_path()) clean = clean.parent_path();
  if (driver != Driver::zfs) {
    TRY_CTX(os::make_dirs(clean, 0755), fmt::format("opening pool {}", clean.string()));
  }
  switch (driver) {
    case Driver::btrfs:
      return make_btrfs_pool(clean);
    case Driver::reflink:
    case Driver::copy:
      return make_copy_pool(clean, driver);
    case Driver::overlay:
      if (!os::is_root()) {
        return err(Errc::unavailable, "the overlay pool driver needs root (it mounts overlayfs)");
      }
      return make_overlay_pool(clean);
    case Driver::zfs: {
      TRY(validate_dataset(options.zfs_dataset));
      auto zfs = TRY_CTX(os::find_executable("zfs"), "the zfs pool driver needs the zfs command");
      return make_zfs_pool(clean, options.zfs_dataset, zfs);
    }
  }
  return err(Errc::internal, "unknown pool driver");
}

}  // namespace dbtwin::storage
