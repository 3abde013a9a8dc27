// The zfs driver's command lines. ZFS cannot be loaded on these machines, so these tests put a
// FAKE `zfs` first on PATH: a shell script that logs its argv and keeps dataset names as files
// so that existence checks answer. It stands in for the real thing only because the real thing
// is impossible here; it checks what dbtwin asks zfs to do, not what zfs does.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "base/strings.h"
#include "os/files.h"
#include "storage/pool.h"
#include "support/temp_dir.h"

namespace dbtwin::storage {
namespace {

// clang-format off
constexpr const char* kFakeZfs = R"FAKE(#!/bin/sh
# FAKE zfs for dbtwin unit tests (real ZFS cannot be loaded on this machine).
echo "$*" >> "$FAKE_ZFS_DIR/log"
state="$FAKE_ZFS_DIR/state"
key() { echo "$1" | tr / %; }
for last in "$@"; do :; done
case "$1" in
  create|clone)
    touch "$state/$(key "$last")"
    mkdir -p "$FAKE_ZFS_ROOT/${last##*/}" ;;
  rename)
    mv "$state/$(key "$2")" "$state/$(key "$3")"
    mv "$FAKE_ZFS_ROOT/${2##*/}" "$FAKE_ZFS_ROOT/${3##*/}" ;;
  destroy)
    case "$last" in
      *@*) ;;
      *) rm -f "$state/$(key "$last")"; rm -rf "$FAKE_ZFS_ROOT/${last##*/}" ;;
    esac ;;
  list)
    case "$*" in
      *snapshot*) if [ -f "$FAKE_ZFS_DIR/snapshots" ]; then cat "$FAKE_ZFS_DIR/snapshots"; fi ;;
      *"-d 1"*) ls "$state" | tr % / ;;
      *) if [ ! -e "$state/$(key "$last")" ]; then
           echo "cannot open '$last': dataset does not exist" >&2; exit 1
         fi ;;
    esac ;;
  get)
    case "$*" in
      *available,used*) printf 'available\t1000000\nused\t4096\n' ;;
      *origin*) cat "$FAKE_ZFS_DIR/origin" 2>/dev/null || echo - ;;
      *clones*) cat "$FAKE_ZFS_DIR/clones" 2>/dev/null || echo ;;
      *used*) echo 8192 ;;
    esac ;;
esac
exit 0
)FAKE";
// clang-format on

class ZfsPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = dir_.path() / "fake";
    root_ = dir_.path() / "root";
    ASSERT_TRUE(os::make_dirs(fake_ / "bin").ok());
    ASSERT_TRUE(os::make_dirs(fake_ / "state").ok());
    ASSERT_TRUE(os::make_dirs(root_).ok());
    ASSERT_TRUE(os::write_file(fake_ / "bin/zfs", kFakeZfs, 0755).ok());
    old_path_ = getenv("PATH") ? getenv("PATH") : "";
    setenv("PATH", ((fake_ / "bin").string() + ":" + old_path_).c_str(), 1);
    setenv("FAKE_ZFS_DIR", fake_.c_str(), 1);
    setenv("FAKE_ZFS_ROOT", root_.c_str(), 1);
    auto pool = open_pool(root_, Driver::zfs, {.zfs_dataset = "tank/dbtwin"});
    ASSERT_TRUE(pool.ok()) << pool.error().message;
    pool_ = std::move(*pool);
  }
  void TearDown() override {
    setenv("PATH", old_path_.c_str(), 1);
    unsetenv("FAKE_ZFS_DIR");
    unsetenv("FAKE_ZFS_ROOT");
  }

  // The zfs command lines run since the last call, minus existence checks and queries.
  std::vector<std::string> commands() {
    auto log = os::read_file(fake_ / "log");
    std::vector<std::string> out;
    if (log.ok()) {
      for (auto& line : split(*log, '\n')) {
        if (!line.empty() && !starts_with(line, "list -H -o name tank/")) out.push_back(line);
      }
    }
    (void)os::remove_file(fake_ / "log");
    return out;
  }

  test::TempDir dir_{"dbtwin-fakezfs"};
  std::filesystem::path fake_, root_;
  std::string old_path_;
  std::unique_ptr<StoragePool> pool_;
};

using Lines = std::vector<std::string>;

TEST_F(ZfsPoolTest, CreateSealCloneDestroy) {
  EXPECT_TRUE(pool_->atomic_snapshots());
  auto work = pool_->create("work.t.1");
  ASSERT_TRUE(work.ok()) << work.error().message;
  EXPECT_EQ(*work, root_ / "work.t.1");
  EXPECT_EQ(commands(), Lines{"create -p tank/dbtwin/work.t.1"});

  auto snap = pool_->seal("work.t.1", "snap.t.1");
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  EXPECT_EQ(commands(), (Lines{"rename tank/dbtwin/work.t.1 tank/dbtwin/snap.t.1",
                               "set readonly=on tank/dbtwin/snap.t.1",
                               "snapshot tank/dbtwin/snap.t.1@sealed"}));

  auto clone = pool_->clone("snap.t.1", "clone.dev");
  ASSERT_TRUE(clone.ok()) << clone.error().message;
  EXPECT_EQ(*clone, root_ / "clone.dev");
  EXPECT_EQ(commands(), Lines{"clone tank/dbtwin/snap.t.1@sealed tank/dbtwin/clone.dev"});

  // A clone's origin is its snapshot's @sealed, which other clones share: it is kept.
  ASSERT_TRUE(os::write_file(fake_ / "origin", "tank/dbtwin/snap.t.1@sealed\n").ok());
  ASSERT_TRUE(pool_->destroy("clone.dev").ok());
  EXPECT_EQ(
      commands(),
      (Lines{"list -H -o name -t snapshot -s createtxg -d 1 tank/dbtwin/clone.dev",
             "get -H -o value origin tank/dbtwin/clone.dev", "destroy -r tank/dbtwin/clone.dev"}));
  EXPECT_FALSE(pool_->exists("clone.dev"));
  EXPECT_TRUE(pool_->destroy("clone.dev").ok());  // absent: nothing to do
}

TEST_F(ZfsPoolTest, SnapshotOfLiveVolumeIsAReadOnlyClone) {
  ASSERT_TRUE(pool_->create("work.f.1").ok());
  (void)commands();
  auto snap = pool_->snapshot("work.f.1", "snap.f.2");
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  EXPECT_EQ(commands(),
            (Lines{"snapshot tank/dbtwin/work.f.1@snap.f.2",
                   "clone -o readonly=on tank/dbtwin/work.f.1@snap.f.2 tank/dbtwin/snap.f.2",
                   "snapshot tank/dbtwin/snap.f.2@sealed"}));

  // Destroying the snapshot volume also drops the origin snapshot it came from (deferred).
  ASSERT_TRUE(os::write_file(fake_ / "origin", "tank/dbtwin/work.f.1@snap.f.2\n").ok());
  ASSERT_TRUE(pool_->destroy("snap.f.2").ok());
  auto lines = commands();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "destroy -d tank/dbtwin/work.f.1@snap.f.2");
}

TEST_F(ZfsPoolTest, DestroyingASourcePromotesTheSnapshotMadeFromIt) {
  ASSERT_TRUE(pool_->create("clone.a").ok());
  ASSERT_TRUE(os::write_file(fake_ / "snapshots",
                             "tank/dbtwin/clone.a@snap.x.1\ntank/dbtwin/clone.a@snap.x.2\n")
                  .ok());
  ASSERT_TRUE(os::write_file(fake_ / "clones", "tank/dbtwin/snap.x.2\n").ok());
  (void)commands();
  ASSERT_TRUE(pool_->destroy("clone.a").ok());
  EXPECT_EQ(
      commands(),
      (Lines{"list -H -o name -t snapshot -s createtxg -d 1 tank/dbtwin/clone.a",
             "get -H -o value clones tank/dbtwin/clone.a@snap.x.2", "promote tank/dbtwin/snap.x.2",
             "get -H -o value origin tank/dbtwin/clone.a", "destroy -r tank/dbtwin/clone.a"}));
}

TEST_F(ZfsPoolTest, ListUsedAndSpace) {
  ASSERT_TRUE(pool_->create("work.t.1").ok());
  ASSERT_TRUE(pool_->create("clone.b").ok());
  auto ids = pool_->list();
  ASSERT_TRUE(ids.ok()) << ids.error().message;
  EXPECT_EQ(*ids, (Lines{"clone.b", "work.t.1"}));
  (void)commands();
  auto used = pool_->used_bytes("clone.b");
  ASSERT_TRUE(used.ok()) << used.error().message;
  EXPECT_EQ(*used, 8192u);
  auto space = pool_->space();
  ASSERT_TRUE(space.ok()) << space.error().message;
  EXPECT_EQ(space->available, 1000000u);
  EXPECT_EQ(space->total, 1004096u);
  EXPECT_EQ(commands(), (Lines{"get -Hp -o value used tank/dbtwin/clone.b",
                               "get -Hp -o property,value available,used tank/dbtwin"}));
}

TEST_F(ZfsPoolTest, RefusesHostileIdsBeforeRunningZfs) {
  for (const std::string bad : {"../x", "a;b", "x@y", "a b"}) {
    EXPECT_FALSE(pool_->create(bad).ok()) << bad;
    EXPECT_FALSE(pool_->clone("snap.t.1", bad).ok()) << bad;
    EXPECT_FALSE(pool_->destroy(bad).ok()) << bad;
  }
  EXPECT_EQ(commands(), Lines{});
}

TEST_F(ZfsPoolTest, ExistingTargetIsRefused) {
  ASSERT_TRUE(pool_->create("work.t.1").ok());
  auto again = pool_->create("work.t.1");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::already_exists);
  auto missing = pool_->clone("snap.none.1", "clone.c");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

}  // namespace
}  // namespace dbtwin::storage
