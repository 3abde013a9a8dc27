// Real loop-mounted XFS (reflink=1) and btrfs file systems: FICLONE, FIEMAP, subvolumes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <unistd.h>

#include <optional>
#include <set>
#include <thread>

#include "os/btrfs.h"
#include "os/files.h"
#include "os/mount.h"
#include "os/process.h"
#include "support/temp_dir.h"

namespace dbtwin::os {
namespace {

constexpr uint64_t kMiB = 1 << 20;

// A file system in a sparse file, on a loop device, mounted at dir/mnt. Members are destroyed
// in reverse: the mount first, then the loop device.
struct LoopFs {
  std::optional<LoopDevice> loop;
  std::optional<Mount> mount;
  fs::path root;
};

Status make_loop_fs(const test::TempDir& dir, const std::string& fstype, uint64_t size,
                    std::vector<std::string> mkfs, LoopFs* out) {
  auto image = dir / (fstype + ".img");
  TRY(create_sparse_file(image, size));
  mkfs.push_back(image.string());
  SpawnOptions o;
  o.argv = mkfs;
  TRY(run_checked(o, Errc::storage));
  out->loop.emplace(TRY(LoopDevice::attach(image)));
  out->root = dir / "mnt";
  TRY(make_dirs(out->root));
  out->mount.emplace(TRY(Mount::make(out->loop->device().string(), out->root, fstype, 0, "")));
  return {};
}

// Overwrites `len` bytes at `offset` in place and flushes them to disk.
void overwrite(const fs::path& p, uint64_t offset, uint64_t len) {
  auto fd = open_fd(p, O_WRONLY);
  ASSERT_TRUE(fd.ok());
  std::string data(len, 'w');
  ASSERT_EQ(::pwrite(fd->get(), data.data(), data.size(), static_cast<off_t>(offset)),
            static_cast<ssize_t>(len));
  ASSERT_EQ(::fsync(fd->get()), 0);
}

TEST(LoopFs, XfsReflinkCopiesShareEveryExtent) {
  DBTWIN_REQUIRE_ROOT();
  test::TempDir dir;
  LoopFs xfs;
  auto made =
      make_loop_fs(dir, "xfs", 320 * kMiB, {"mkfs.xfs", "-q", "-f", "-m", "reflink=1"}, &xfs);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(fs_magic(xfs.root).value_or(0), XFS_SUPER_MAGIC);
  EXPECT_TRUE(supports_reflink(xfs.root));
  EXPECT_EQ(list_dir(xfs.root).value_or({"x"}), std::vector<std::string>{});  // probe cleaned up

  auto a = xfs.root / "a";
  ASSERT_TRUE(make_dirs(a / "base", 0700).ok());
  ASSERT_TRUE(write_file(a / "base" / "big", std::string(8 * kMiB, 'a'), 0600).ok());
  ASSERT_TRUE(write_file(a / "small", "tiny", 0600).ok());
  ASSERT_TRUE(sync_fs(xfs.root).ok());
  auto before = tree_exclusive_bytes(a);
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_GE(*before, 8 * kMiB);

  auto s = copy_tree(a, xfs.root / "b", CopyMode::reflink);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_TRUE(sync_fs(xfs.root).ok());
  EXPECT_EQ(read_file(xfs.root / "b" / "small").value_or(""), "tiny");
  EXPECT_EQ(tree_exclusive_bytes(xfs.root / "b").value_or(~0ull), 0u);
  EXPECT_EQ(tree_exclusive_bytes(a).value_or(~0ull), 0u);
  EXPECT_GE(tree_allocated_bytes(xfs.root / "b").value_or(0), 8 * kMiB);

  // Rewriting 1 MiB of the copy makes exactly that much its own.
  overwrite(xfs.root / "b" / "base" / "big", 2 * kMiB, kMiB);
  auto delta = tree_exclusive_bytes(xfs.root / "b");
  ASSERT_TRUE(delta.ok());
  EXPECT_GE(*delta, kMiB);
  EXPECT_LE(*delta, 2 * kMiB);

  ASSERT_TRUE(remove_tree(xfs.root / "b").ok());
  ASSERT_TRUE(remove_tree(a).ok());
}

TEST(LoopFs, FiemapWalksFilesWithManyExtents) {
  DBTWIN_REQUIRE_ROOT();
  test::TempDir dir;
  LoopFs xfs;
  auto made =
      make_loop_fs(dir, "xfs", 320 * kMiB, {"mkfs.xfs", "-q", "-f", "-m", "reflink=1"}, &xfs);
  ASSERT_TRUE(made.ok()) << made.error().message;
  // 600 separate 4 KiB blocks, every other one shared after the clone: more extents than one
  // FIEMAP batch holds.
  auto f = xfs.root / "holes";
  {
    auto fd = open_fd(f, O_WRONLY | O_CREAT, 0600);
    ASSERT_TRUE(fd.ok());
    std::string block(4096, 'h');
    for (int i = 0; i < 1200; i += 2) {
      ASSERT_EQ(::pwrite(fd->get(), block.data(), block.size(), off_t{i} * 4096), 4096);
    }
    ASSERT_EQ(::fsync(fd->get()), 0);
  }
  ASSERT_TRUE(copy_tree(f, xfs.root / "clone", CopyMode::reflink).ok());
  for (int i = 0; i < 1200; i += 4) overwrite(xfs.root / "clone", uint64_t(i) * 4096, 4096);
  auto own = tree_exclusive_bytes(xfs.root / "clone");
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(*own, 300u * 4096);
}

TEST(LoopFs, BtrfsSubvolumesAndSnapshots) {
  DBTWIN_REQUIRE_ROOT();
  test::TempDir dir;
  LoopFs b;
  auto made = make_loop_fs(dir, "btrfs", 256 * kMiB, {"mkfs.btrfs", "-q", "-f"}, &b);
  ASSERT_TRUE(made.ok()) << made.error().message;
  auto vol = b.root / "vol";
  ASSERT_TRUE(btrfs::create_subvolume(vol).ok());
  EXPECT_TRUE(btrfs::is_subvolume(vol).value_or(false));
  ASSERT_TRUE(make_dirs(b.root / "plain").ok());
  EXPECT_FALSE(btrfs::is_subvolume(b.root / "plain").value_or(true));
  EXPECT_FALSE(btrfs::is_subvolume(dir.path()).value_or(true));  // not btrfs at all
  ASSERT_TRUE(write_file(vol / "f", std::string(4 * kMiB, 'v')).ok());

  auto snap = b.root / "snap";
  auto s = btrfs::snapshot(vol, snap, true);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(btrfs::is_subvolume(snap).value_or(false));
  EXPECT_EQ(read_file(snap / "f").value_or("").size(), 4 * kMiB);
  EXPECT_FALSE(write_file(snap / "g", "x").ok());  // read-only
  ASSERT_TRUE(sync_fs(b.root).ok());
  EXPECT_EQ(tree_exclusive_bytes(snap).value_or(~0ull), 0u);

  ASSERT_TRUE(btrfs::set_read_only(snap, false).ok());
  EXPECT_TRUE(write_file(snap / "g", "x").ok());
  ASSERT_TRUE(btrfs::set_read_only(snap, true).ok());

  auto clone = b.root / "clone";
  ASSERT_TRUE(btrfs::snapshot(snap, clone, false).ok());
  EXPECT_TRUE(write_file(clone / "h", "x").ok());
  EXPECT_EQ(btrfs::snapshot(vol, clone, false).error().code, Errc::already_exists);

  for (const auto& p : {clone, snap, vol}) {
    auto d = btrfs::delete_subvolume(p);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_FALSE(os::exists(p));
  }
  EXPECT_TRUE(btrfs::delete_subvolume(vol).ok());  // absent: fine
  EXPECT_FALSE(btrfs::create_subvolume(dir / "not-btrfs").ok());
}

TEST(LoopDevice, DetachedOnDestructionAndAutoclearedAfterUnmount) {
  DBTWIN_REQUIRE_ROOT();
  test::TempDir dir;
  auto image = dir / "img";
  ASSERT_TRUE(create_sparse_file(image, 256 * kMiB).ok());
  {
    auto loop = LoopDevice::attach(image);
    ASSERT_TRUE(loop.ok()) << loop.error().message;
    auto found = loop_devices_for(image);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, std::vector<fs::path>{loop->device()});
  }
  EXPECT_TRUE(loop_devices_for(image).value_or({"x"}).empty());

  // Released once mounted: the kernel detaches it when the mount goes away.
  SpawnOptions mkfs;
  mkfs.argv = {"mkfs.btrfs", "-q", "-f", image.string()};
  auto formatted = run_checked(mkfs);
  ASSERT_TRUE(formatted.ok()) << formatted.error().message;
  ASSERT_TRUE(make_dirs(dir / "mnt").ok());
  {
    auto loop = LoopDevice::attach(image);
    ASSERT_TRUE(loop.ok());
    auto m = Mount::make(loop->device().string(), dir / "mnt", "btrfs", 0, "");
    ASSERT_TRUE(m.ok()) << m.error().message;
    loop->release();
    m->release();
  }
  EXPECT_EQ(loop_devices_for(image).value_or({}).size(), 1u);
  ASSERT_TRUE(unmount(dir / "mnt").ok());
  // Autoclear runs as the last opener goes; give the kernel's release path a few moments.
  for (int i = 0; i < 200 && !loop_devices_for(image).value_or({"x"}).empty(); ++i) {
    ::usleep(5000);
  }
  EXPECT_TRUE(loop_devices_for(image).value_or({"x"}).empty());
}

TEST(LoopDevice, ConcurrentAttachesGetDistinctDevices) {
  DBTWIN_REQUIRE_ROOT();
  test::TempDir dir;
  std::vector<fs::path> images;
  for (int i = 0; i < 4; ++i) {
    images.push_back(dir / ("img" + std::to_string(i)));
    ASSERT_TRUE(create_sparse_file(images.back(), 16 * kMiB).ok());
  }
  std::vector<std::optional<Result<LoopDevice>>> loops(images.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < images.size(); ++i) {
    threads.emplace_back([&, i] { loops[i].emplace(LoopDevice::attach(images[i])); });
  }
  for (auto& t : threads) t.join();
  std::set<fs::path> devices;
  for (auto& l : loops) {
    ASSERT_TRUE(l->ok()) << l->error().message;
    devices.insert((*l)->device());
  }
  EXPECT_EQ(devices.size(), images.size());
}

}  // namespace
}  // namespace dbtwin::os
