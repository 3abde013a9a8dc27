// Volume ids, driver names and driver detection on plain file systems.
#include "storage/pool.h"

#include <gtest/gtest.h>

#include "os/files.h"
#include "os/mount.h"
#include "support/temp_dir.h"

namespace dbtwin::storage {
namespace {

TEST(VolumeId, AcceptsTheShapesCoreBuilds) {
  for (const char* id :
       {"work.orders.1", "snap.orders.12", "clone.dev-1", "clone.a_b", "0", "x.y-z_w.9"}) {
    EXPECT_TRUE(validate_volume_id(id).ok()) << id;
  }
  EXPECT_TRUE(validate_volume_id(std::string(200, 'a')).ok());
}

TEST(VolumeId, RefusesHostileOrMalformedIds) {
  for (const char* id : {"", "../x", "..", "a/b", "/abs", "a;b", "a b", ".hidden", "-x", "_x", "A",
                         "clone.Dev", "a..b", "a\nb", "a$(id)", "snap.x/../../etc"}) {
    auto st = validate_volume_id(id);
    EXPECT_FALSE(st.ok()) << id;
    if (!st.ok()) {
      EXPECT_EQ(st.error().code, Errc::invalid_argument) << id;
    }
  }
  EXPECT_FALSE(validate_volume_id(std::string(201, 'a')).ok());
}

TEST(Driver, NamesRoundTrip) {
  for (Driver d : {Driver::btrfs, Driver::zfs, Driver::reflink, Driver::overlay, Driver::copy}) {
    auto parsed = parse_driver(driver_name(d));
    ASSERT_TRUE(parsed.ok()) << driver_name(d);
    EXPECT_EQ(*parsed, d);
  }
  auto bad = parse_driver("ext4");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_FALSE(parse_driver("").ok());
  EXPECT_FALSE(parse_driver("BTRFS").ok());
}

// Without copy-on-write by file system or FICLONE, root gets overlay and others plain copies.
Driver expected_plain_driver() {
  return test::running_as_root() ? Driver::overlay : Driver::copy;
}

TEST(Detect, Ext4OrTmpDirGetsOverlayOrCopy) {
  test::TempDir dir;
  auto magic = os::fs_magic(dir.path());
  ASSERT_TRUE(magic.ok()) << magic.error().message;
  if (*magic == 0x9123683E || os::supports_reflink(dir.path())) {
    GTEST_SKIP() << "the temporary folder is on a copy-on-write file system";
  }
  auto d = detect_driver(dir.path());
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(*d, expected_plain_driver());
  // A pool folder that does not exist yet is judged by its nearest existing ancestor.
  auto later = detect_driver(dir / "not/yet/made");
  ASSERT_TRUE(later.ok()) << later.error().message;
  EXPECT_EQ(*later, *d);
}

TEST(Detect, TmpfsGetsOverlayOrCopy) {
  DBTWIN_REQUIRE_ROOT();
  test::TempDir dir;
  auto mounted = os::Mount::make("tmpfs", dir.path(), "tmpfs", 0, "size=16m");
  ASSERT_TRUE(mounted.ok()) << mounted.error().message;
  auto d = detect_driver(dir.path());
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(*d, Driver::overlay);
}

TEST(OpenPool, RefusesRelativeAndSeparatorRoots) {
  EXPECT_FALSE(open_pool("relative/pool", Driver::copy).ok());
  EXPECT_FALSE(open_pool("/tmp/a,b", Driver::copy).ok());
  EXPECT_FALSE(open_pool("/tmp/a:b", Driver::copy).ok());
  auto zfs = open_pool("/tmp/z", Driver::zfs, {.zfs_dataset = ""});
  ASSERT_FALSE(zfs.ok());
  EXPECT_EQ(zfs.error().code, Errc::invalid_argument);
  EXPECT_FALSE(open_pool("/tmp/z", Driver::zfs, {.zfs_dataset = "tank/a b"}).ok());
  EXPECT_FALSE(open_pool("/tmp/z", Driver::zfs, {.zfs_dataset = "-o"}).ok());
}

// The copy driver runs anywhere, so the id checks of every operation are exercised here; the
// other drivers share them (integration tests repeat the hostile cases per driver).
TEST(CopyPool, EveryOperationValidatesIds) {
  test::TempDir dir;
  auto pool = open_pool(dir / "pool", Driver::copy);
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  auto& p = **pool;
  ASSERT_TRUE(p.create("work.t.1").ok());
  for (const std::string bad : {"../x", "a;b", "..", "x/y", ".staging.x"}) {
    EXPECT_FALSE(p.create(bad).ok()) << bad;
    EXPECT_FALSE(p.seal("work.t.1", bad).ok()) << bad;
    EXPECT_FALSE(p.seal(bad, "snap.t.1").ok()) << bad;
    EXPECT_FALSE(p.snapshot("work.t.1", bad).ok()) << bad;
    EXPECT_FALSE(p.clone(bad, "clone.c").ok()) << bad;
    EXPECT_FALSE(p.destroy(bad).ok()) << bad;
    EXPECT_FALSE(p.path(bad).ok()) << bad;
    EXPECT_FALSE(p.used_bytes(bad).ok()) << bad;
    EXPECT_FALSE(p.exists(bad)) << bad;
  }
  EXPECT_FALSE(os::exists(dir.path() / "x"));
  auto ids = p.list();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, std::vector<std::string>{"work.t.1"});
}

TEST(CopyPool, ErrorsNameTheVolume) {
  test::TempDir dir;
  auto pool = open_pool(dir / "pool", Driver::copy);
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  auto missing = (*pool)->clone("snap.none.1", "clone.x");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find("snap.none.1"), std::string::npos);
  ASSERT_TRUE((*pool)->create("work.t.1").ok());
  auto twice = (*pool)->create("work.t.1");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::already_exists);
  EXPECT_TRUE((*pool)->destroy("never.there").ok());
}

}  // namespace
}  // namespace dbtwin::storage
