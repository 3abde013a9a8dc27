// Driver auto-detection: the best copy-on-write the pool's folder can give.
#include "base/strings.h"
#include "os/files.h"
#include "os/process.h"
#include "storage/pool.h"

namespace dbtwin::storage {

namespace {

constexpr int64_t kBtrfsMagic = 0x9123683E;
constexpr int64_t kZfsMagic = 0x2fc12fc1;
constexpr int64_t kOverlayMagic = 0x794c7630;

// The folder itself, or its nearest existing ancestor when the pool is not created yet.
fs::path nearest_existing(const fs::path& root) {
  fs::path p = root.lexically_normal();
  while (!os::exists(p) && p.has_relative_path()) p = p.parent_path();
  return p;
}

bool overlay_available() {
  auto filesystems = os::read_file("/proc/filesystems");
  if (!filesystems.ok()) return false;
  for (const auto& line : split(*filesystems, '\n')) {
    auto fields = split(line, '\t');
    if (!fields.empty() && trim(fields.back()) == "overlay") return true;
  }
  return false;
}

}  // namespace

Result<Driver> detect_driver(const fs::path& root) {
  fs::path dir = nearest_existing(root);
  int64_t magic = TRY_CTX(os::fs_magic(dir), "detecting the pool driver for " + root.string());
  if (magic == kBtrfsMagic) return Driver::btrfs;
  if (magic == kZfsMagic) return Driver::zfs;
  if (os::supports_reflink(dir)) return Driver::reflink;
  // overlayfs cannot use another overlay (a container's root) as its upper layer.
  if (os::is_root() && magic != kOverlayMagic && overlay_available()) return Driver::overlay;
  return Driver::copy;
}

}  // namespace dbtwin::storage
