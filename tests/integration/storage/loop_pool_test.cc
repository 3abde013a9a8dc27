// Loop-backed pools, detection on real file systems, full pools, and overlay after a reboot.
#include "storage/loop_pool.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "base/scope_guard.h"
#include "base/strings.h"
#include "os/files.h"
#include "os/mount.h"
#include "storage/pool.h"
#include "support/pools.h"
#include "support/temp_dir.h"

namespace dbtwin::storage {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kMiB = 1 << 20;

class LoopPoolTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LoopPoolTest, InitUnmountMountRoundTrip) {
  DBTWIN_REQUIRE_ROOT();
  const std::string fs_type = GetParam();
  if (!test::have_program("mkfs." + fs_type)) GTEST_SKIP() << "mkfs." << fs_type << " missing";
  test::TempDir dir;
  LoopPoolSpec spec{dir / "pool.img", dir / "mnt", 320 * kMiB, fs_type};
  ScopeGuard cleanup([&] { (void)unmount_loop_pool(spec.mountpoint); });

  auto made = init_loop_pool(spec);
  ASSERT_TRUE(made.ok()) << made.error().message;
  auto mounted = os::find_mount(spec.mountpoint);
  ASSERT_TRUE(mounted.ok() && mounted->has_value());
  EXPECT_EQ((*mounted)->fstype, fs_type);
  ASSERT_TRUE(os::write_file(spec.mountpoint / "kept", "yes\n").ok());

  // Refused a second time: the image exists (and is left alone).
  auto twice = init_loop_pool(spec);
  ASSERT_FALSE(twice.ok());
  EXPECT_TRUE(os::exists(spec.image));

  ASSERT_TRUE(unmount_loop_pool(spec.mountpoint).ok());
  mounted = os::find_mount(spec.mountpoint);
  ASSERT_TRUE(mounted.ok());
  EXPECT_FALSE(mounted->has_value());
  auto loops = os::loop_devices_for(spec.image);
  ASSERT_TRUE(loops.ok());
  EXPECT_TRUE(loops->empty()) << "the loop device should detach itself (autoclear)";

  ASSERT_TRUE(mount_loop_pool(spec.image, spec.mountpoint).ok());
  EXPECT_EQ(os::read_file(spec.mountpoint / "kept").value_or(""), "yes\n");
  ASSERT_TRUE(mount_loop_pool(spec.image, spec.mountpoint).ok()) << "idempotent";
  loops = os::loop_devices_for(spec.image);
  ASSERT_TRUE(loops.ok());
  EXPECT_EQ(loops->size(), 1u);

  auto detected = detect_driver(spec.mountpoint);
  ASSERT_TRUE(detected.ok()) << detected.error().message;
  EXPECT_EQ(*detected, fs_type == "btrfs" ? Driver::btrfs : Driver::reflink);
}

INSTANTIATE_TEST_SUITE_P(FileSystems, LoopPoolTest, ::testing::Values("btrfs", "xfs"));

TEST(LoopPool, FailedInitLeavesNothing) {
  DBTWIN_REQUIRE_ROOT();
  test::TempDir dir;
  auto bad_type = init_loop_pool({dir / "a.img", dir / "a", 320 * kMiB, "ext4"});
  ASSERT_FALSE(bad_type.ok());
  EXPECT_EQ(bad_type.error().code, Errc::invalid_argument);
  EXPECT_FALSE(os::exists(dir / "a.img"));
  // XFS refuses a file system this small: mkfs fails and the image goes.
  auto too_small = init_loop_pool({dir / "b.img", dir / "b", 16 * kMiB, "xfs"});
  ASSERT_FALSE(too_small.ok());
  EXPECT_FALSE(os::exists(dir / "b.img"));
  EXPECT_FALSE(os::exists(dir / "b"));
}

// Fills the file system holding `dir` with preallocated space until it is full.
void fill(const fs::path& dir) {
  auto fd = os::open_fd(dir / "filler", O_CREAT | O_WRONLY, 0600);
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  off_t at = 0;
  for (off_t step = 1 << 30; step >= 4096; step /= 2) {
    while (::fallocate(fd->get(), 0, at, step) == 0) at += step;
  }
}

class FullPoolTest : public ::testing::TestWithParam<Driver> {};

TEST_P(FullPoolTest, CloneAndSnapshotFailWithNoSpaceAndLeaveNothing) {
  DBTWIN_REQUIRE_ROOT();
  std::string why;
  auto loop = test::LoopFs::make("xfs", 320 * kMiB, &why);
  if (!loop) GTEST_SKIP() << why;
  auto pool = open_pool(loop->mountpoint() / "pool", GetParam());
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  auto& p = **pool;
  auto work = p.create("work.t.1");
  ASSERT_TRUE(work.ok());
  // Many small files: a reflink copy needs no data blocks, but every new inode needs space.
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(
        os::write_file(*work / ("f" + std::to_string(i)), std::string(64 * 1024, 'x')).ok());
  }
  ASSERT_TRUE(p.seal("work.t.1", "snap.t.1").ok());
  ASSERT_TRUE(p.clone("snap.t.1", "clone.a").ok());
  fill(loop->mountpoint());

  auto c = p.clone("snap.t.1", "clone.b");
  ASSERT_FALSE(c.ok()) << "a clone into a full pool succeeded";
  EXPECT_EQ(c.error().code, Errc::no_space) << c.error().message;
  auto s = p.snapshot("clone.a", "snap.a.1");
  ASSERT_FALSE(s.ok()) << "a snapshot into a full pool succeeded";
  EXPECT_EQ(s.error().code, Errc::no_space) << s.error().message;

  auto ids = p.list();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"clone.a", "snap.t.1"}));
  auto names = os::list_dir(p.root());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"clone.a", "snap.t.1"})) << "no staging left";
}

INSTANTIATE_TEST_SUITE_P(Drivers, FullPoolTest, ::testing::Values(Driver::copy, Driver::reflink),
                         [](const ::testing::TestParamInfo<Driver>& param_info) {
                           return std::string(driver_name(param_info.param));
                         });

TEST(OverlayPool, CloneSurvivesAnUnmountLikeAReboot) {
  DBTWIN_REQUIRE_ROOT();
  test::TempDir dir;
  auto pool = open_pool(dir / "pool", Driver::overlay);
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  auto& p = **pool;
  auto work = p.create("work.t.1");
  ASSERT_TRUE(work.ok());
  ASSERT_TRUE(os::write_file(*work / "PG_VERSION", "15\n").ok());
  ASSERT_TRUE(p.seal("work.t.1", "snap.t.1").ok());
  auto c = p.clone("snap.t.1", "clone.a");
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(os::write_file(*c / "mine", "written\n").ok());

  ASSERT_TRUE(os::unmount(*c).ok());
  EXPECT_FALSE(os::exists(*c / "PG_VERSION"));
  EXPECT_TRUE(p.exists("clone.a"));
  auto again = p.path("clone.a");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, *c);
  EXPECT_EQ(os::read_file(*again / "PG_VERSION").value_or(""), "15\n");
  EXPECT_EQ(os::read_file(*again / "mine").value_or(""), "written\n");
  auto used = p.used_bytes("clone.a");
  ASSERT_TRUE(used.ok());
  EXPECT_GT(*used, 0u);

  ASSERT_TRUE(p.destroy("clone.a").ok());
  auto m = os::find_mount(*c);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->has_value());
  EXPECT_FALSE(os::exists(dir / "pool/clone.a"));
}

}  // namespace
}  // namespace dbtwin::storage
