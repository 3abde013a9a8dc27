// Every pool driver this machine can run, on a real file system: btrfs and XFS in loop-mounted
// images, overlay and copy in a folder under /tmp.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/strings.h"
#include "os/files.h"
#include "os/mount.h"
#include "storage/pool.h"
#include "support/pools.h"
#include "support/temp_dir.h"

namespace dbtwin::storage {
namespace {

namespace fs = std::filesystem;

constexpr uid_t kNobody = 65534;
constexpr uint64_t kMiB = 1 << 20;
constexpr int kFiles = 4;  // of 1 MiB each, plus a small one in a subfolder

struct DriverCase {
  std::string name;
  std::string loop_fs;  // "" for a folder under /tmp
  Driver driver;
  bool cow;  // a fresh clone costs (almost) nothing
};

std::string payload(char seed, size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>(seed + (i * 131) % 251);
  return s;
}

std::string read(const fs::path& p) {
  auto r = os::read_file(p);
  return r.ok() ? *r : "<unreadable: " + r.error().message + ">";
}

// Mounts at or below `dir`, from /proc/self/mounts.
std::vector<std::string> mounts_below(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& line : split(read("/proc/self/mounts"), '\n')) {
    auto fields = split(line, ' ');
    if (fields.size() > 1 && starts_with(fields[1], dir.string())) found.push_back(fields[1]);
  }
  return found;
}

class PoolDriverTest : public ::testing::TestWithParam<DriverCase> {
 protected:
  void SetUp() override {
    DBTWIN_REQUIRE_ROOT();
    const auto& c = GetParam();
    if (!c.loop_fs.empty()) {
      std::string why;
      loop_ = test::LoopFs::make(c.loop_fs, c.loop_fs == "xfs" ? 320 * kMiB : 256 * kMiB, &why);
      if (!loop_) GTEST_SKIP() << why;
      root_ = loop_->mountpoint() / "pool";
    } else {
      root_ = tmp_ / "pool";
    }
    auto pool = open_pool(root_, c.driver);
    ASSERT_TRUE(pool.ok()) << pool.error().message;
    pool_ = std::move(*pool);
  }

  void TearDown() override {
    // Leave nothing mounted even when an assertion failed half-way.
    if (pool_) {
      auto ids = pool_->list();
      if (ids.ok()) {
        for (const auto& id : *ids) (void)pool_->destroy(id);
      }
    }
    pool_.reset();
    loop_.reset();
  }

  // A writable volume holding a data directory's worth of files, owned by nobody.
  fs::path make_filled(const std::string& id) {
    auto p = pool_->create(id);
    EXPECT_TRUE(p.ok()) << p.error().message;
    if (!p.ok()) return {};
    for (int i = 0; i < kFiles; ++i) {
      EXPECT_TRUE(
          os::write_file(*p / ("f" + std::to_string(i)), payload('a' + i, kMiB), 0600).ok());
    }
    EXPECT_TRUE(os::make_dirs(*p / "base/1", 0700).ok());
    EXPECT_TRUE(os::write_file(*p / "base/1/PG_VERSION", "15\n", 0600).ok());
    EXPECT_TRUE(os::chown_tree(*p, kNobody, kNobody).ok());
    EXPECT_TRUE(os::sync_fs(*p).ok());
    return *p;
  }

  void expect_original(const fs::path& p) {
    for (int i = 0; i < kFiles; ++i) {
      EXPECT_TRUE(read(p / ("f" + std::to_string(i))) == payload('a' + i, kMiB))
          << p << " f" << i << " changed";
    }
    EXPECT_EQ(read(p / "base/1/PG_VERSION"), "15\n");
    EXPECT_FALSE(os::exists(p / "new-file")) << p;
  }

  void expect_data_dir_root(const fs::path& p) {
    struct stat st {};
    ASSERT_EQ(::stat(p.c_str(), &st), 0) << p;
    EXPECT_EQ(st.st_mode & 07777, 0700u) << p;
    EXPECT_EQ(st.st_uid, kNobody) << p;
    EXPECT_EQ(st.st_gid, kNobody) << p;
  }

  uint64_t used(const std::string& id) {
    EXPECT_TRUE(os::sync_fs(root_).ok());
    auto u = pool_->used_bytes(id);
    EXPECT_TRUE(u.ok()) << u.error().message;
    return u.ok() ? *u : 0;
  }

  test::TempDir tmp_{"dbtwin-pool"};
  std::unique_ptr<test::LoopFs> loop_;
  fs::path root_;
  std::unique_ptr<StoragePool> pool_;
};

TEST_P(PoolDriverTest, SealCloneWriteIsolateDestroy) {
  EXPECT_EQ(pool_->driver(), GetParam().driver);
  fs::path work = make_filled("work.t.1");
  ASSERT_FALSE(work.empty());
  auto snap = pool_->seal("work.t.1", "snap.t.1");
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  EXPECT_FALSE(pool_->exists("work.t.1"));
  expect_original(*snap);

  auto a = pool_->clone("snap.t.1", "clone.a");
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = pool_->clone("snap.t.1", "clone.b");
  ASSERT_TRUE(b.ok()) << b.error().message;
  expect_data_dir_root(*a);
  expect_data_dir_root(*b);
  expect_original(*a);

  const uint64_t data = kFiles * kMiB;
  uint64_t fresh = used("clone.a");
  if (GetParam().cow) {
    EXPECT_LT(fresh, data / 10) << "a fresh clone should share its data";
  } else {
    EXPECT_GE(fresh, data);
  }

  ASSERT_TRUE(os::write_file(*a / "f0", payload('z', kMiB), 0600).ok());
  ASSERT_TRUE(os::write_file(*a / "new-file", payload('n', kMiB), 0600).ok());
  EXPECT_EQ(read(*a / "f0"), payload('z', kMiB));
  expect_original(*b);
  expect_original(*snap);
  EXPECT_GE(used("clone.a"), fresh + kMiB);

  auto ids = pool_->list();
  ASSERT_TRUE(ids.ok()) << ids.error().message;
  EXPECT_EQ(*ids, (std::vector<std::string>{"clone.a", "clone.b", "snap.t.1"}));

  for (const char* id : {"clone.a", "clone.b", "snap.t.1"}) {
    ASSERT_TRUE(pool_->destroy(id).ok()) << id;
    EXPECT_FALSE(pool_->exists(id)) << id;
  }
  EXPECT_TRUE(pool_->destroy("clone.a").ok()) << "destroying twice is not an error";
  EXPECT_TRUE(mounts_below(root_).empty());
  auto left = os::list_dir(root_);
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << "left behind: " << (left->empty() ? "" : left->front());
}

TEST_P(PoolDriverTest, SnapshotKeepsTheSourceWritable) {
  ASSERT_FALSE(make_filled("work.t.1").empty());
  auto snap = pool_->snapshot("work.t.1", "snap.t.1");
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  EXPECT_EQ(pool_->atomic_snapshots(), GetParam().driver == Driver::btrfs);

  auto work = pool_->path("work.t.1");
  ASSERT_TRUE(work.ok());
  ASSERT_TRUE(os::write_file(*work / "new-file", "later\n", 0600).ok());
  expect_original(*snap);

  // Clone of a clone: freeze a clone into a snapshot, and clone that.
  ASSERT_TRUE(pool_->clone("snap.t.1", "clone.a").ok());
  auto a = pool_->path("clone.a");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(os::write_file(*a / "f1", "changed\n", 0600).ok());
  auto frozen = pool_->snapshot("clone.a", "snap.a.1");
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  auto aa = pool_->clone("snap.a.1", "clone.aa");
  ASSERT_TRUE(aa.ok()) << aa.error().message;
  EXPECT_EQ(read(*aa / "f1"), "changed\n");
  expect_data_dir_root(*aa);
  expect_original(*snap);
}

TEST_P(PoolDriverTest, RefusesHostileIdsAndTakenNames) {
  ASSERT_FALSE(make_filled("work.t.1").empty());
  ASSERT_TRUE(pool_->seal("work.t.1", "snap.t.1").ok());
  for (const std::string bad : {"../x", "a;b", "..", "clone/../../x", "/etc"}) {
    auto c = pool_->clone("snap.t.1", bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.error().code, Errc::invalid_argument) << bad;
    EXPECT_FALSE(pool_->create(bad).ok()) << bad;
    EXPECT_FALSE(pool_->destroy(bad).ok()) << bad;
  }
  EXPECT_FALSE(os::exists(root_.parent_path() / "x"));

  ASSERT_TRUE(pool_->clone("snap.t.1", "clone.a").ok());
  auto again = pool_->clone("snap.t.1", "clone.a");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::already_exists);
  auto missing = pool_->clone("snap.nope.1", "clone.b");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_FALSE(pool_->exists("clone.b"));
}

INSTANTIATE_TEST_SUITE_P(
    Drivers, PoolDriverTest,
    ::testing::Values(DriverCase{"btrfs", "btrfs", Driver::btrfs, true},
                      DriverCase{"reflink_xfs", "xfs", Driver::reflink, true},
                      DriverCase{"reflink_btrfs", "btrfs", Driver::reflink, true},
                      DriverCase{"overlay", "", Driver::overlay, true},
                      DriverCase{"copy", "", Driver::copy, false}),
    [](const ::testing::TestParamInfo<DriverCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace dbtwin::storage
