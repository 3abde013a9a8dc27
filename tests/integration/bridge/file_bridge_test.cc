// The file:// bridge against a real folder, and a real full file system (a 1 MiB tmpfs).
#include <gtest/gtest.h>
#include <sys/mount.h>

#include "bridge/bridge.h"
#include "os/files.h"
#include "os/mount.h"
#include "store_checks.h"
#include "support/temp_dir.h"

namespace dbtwin::test {
namespace {

std::unique_ptr<pipeline::ObjectStore> open_dir(const std::filesystem::path& dir) {
  auto s = bridge::open_bridge("file://" + dir.string(), {});
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(FileBridge, SharedBehaviour) {
  TempDir tmp;
  auto store = open_dir(tmp / "bridge");
  ASSERT_TRUE(store);
  check_small_objects(*store);
  check_big_object(*store, 9 << 20);
  check_list_paginates(*store);
  check_missing_and_remove(*store);
  check_put_replaces(*store);
  check_uncommitted_invisible(*store);
  check_hostile_keys(*store);
  EXPECT_FALSE(os::exists(tmp / "x")) << "a hostile key escaped the bridge folder";
}

TEST(FileBridge, FilesArePrivate) {
  TempDir tmp;
  auto store = open_dir(tmp / "bridge");
  ASSERT_TRUE(store->put("d/obj", "secret").ok());
  struct stat st {};
  ASSERT_EQ(::stat((tmp / "bridge/d/obj").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((tmp / "bridge/d").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(FileBridge, LockIndexSerializes) {
  TempDir tmp;
  auto a = open_dir(tmp / "bridge");
  auto lock = a->lock_index();
  ASSERT_TRUE(lock.ok()) << lock.error().message;
  EXPECT_FALSE(a->list("")->size()) << "the lock file is not an object";
}

TEST(FileBridge, FullDiskIsNoSpaceAndLeavesNoTemporary) {
  DBTWIN_REQUIRE_ROOT();
  TempDir tmp;
  auto mnt = tmp / "small";
  ASSERT_TRUE(os::make_dirs(mnt, 0755).ok());
  auto mount = os::Mount::make("tmpfs", mnt, "tmpfs", 0, "size=1M");
  ASSERT_TRUE(mount.ok()) << mount.error().message;
  auto store = open_dir(mnt);
  auto w = store->create("dump-1/chunk-000000");
  ASSERT_TRUE(w.ok()) << w.error().message;
  std::string mib(1 << 20, 'z');
  Status s;
  for (int i = 0; i < 4 && s.ok(); ++i) s = (*w)->write(mib);
  if (s.ok()) s = (*w)->commit();
  ASSERT_FALSE(s.ok()) << "4 MiB fitted in a 1 MiB file system";
  EXPECT_EQ(s.error().code, Errc::no_space) << s.error().message;
  EXPECT_NE(s.error().message.find(mnt.string()), std::string::npos) << s.error().message;
  w->reset();
  auto left = os::list_dir(mnt / "dump-1");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << "left behind: " << left->front();
  auto put = store->put("metadata.json", std::string(2 << 20, 'm'));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, Errc::no_space);
  EXPECT_EQ(os::list_dir(mnt)->size(), 1u) << "only dump-1/ may remain";
}

TEST(FileBridge, UrlErrors) {
  for (std::string url : std::vector<std::string>{
           "file://relative/dir", "ftp://host/x", "nonsense", "s3://", "s3:///prefix",
           "sftp://host/path", "sftp://u@host:99999/p", "sftp://u@host:x/p", "sftp://u@host"}) {
    auto s = bridge::open_bridge(url, {});
    ASSERT_FALSE(s.ok()) << url;
    EXPECT_EQ(s.error().code, Errc::invalid_argument) << url << ": " << s.error().message;
  }
  auto s = bridge::open_bridge("sftp://u:hunter2@host:99999/p", {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace dbtwin::test
