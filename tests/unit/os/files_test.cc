#include "os/files.h"

#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/mount.h"
#include "support/temp_dir.h"

namespace dbtwin::os {
namespace {

mode_t mode_of(const fs::path& p) {
  struct stat st;
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST(Files, WriteFileAtomicSetsModeAndLeavesNoTemporary) {
  test::TempDir dir;
  auto f = dir / "secret.conf";
  ASSERT_TRUE(write_file_atomic(f, "one", 0600).ok());
  EXPECT_EQ(read_file(f).value_or(""), "one");
  EXPECT_EQ(mode_of(f), 0600u);
  ::umask(0077);
  auto s = write_file_atomic(f, "two", 0644);  // replaces, and the umask does not apply
  ::umask(0022);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(read_file(f).value_or(""), "two");
  EXPECT_EQ(mode_of(f), 0644u);
  EXPECT_EQ(list_dir(dir.path()).value_or({}), std::vector<std::string>{"secret.conf"});
}

TEST(Files, WriteFileAtomicIntoMissingFolderFails) {
  test::TempDir dir;
  auto s = write_file_atomic(dir / "no" / "f", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::not_found);
}

TEST(Files, WriteFileInPlaceAndRead) {
  test::TempDir dir;
  auto f = dir / "f";
  ASSERT_TRUE(write_file(f, "hello world", 0640).ok());
  ASSERT_TRUE(write_file(f, "bye", 0640).ok());  // truncates
  EXPECT_EQ(read_file(f).value_or(""), "bye");
  EXPECT_EQ(mode_of(f), 0640u);
  auto missing = read_file(dir / "missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find("missing"), std::string::npos);
}

TEST(Files, MakeDirsCreatesWithModeAndAcceptsExisting) {
  test::TempDir dir;
  auto d = dir / "a" / "b" / "c";
  ASSERT_TRUE(make_dirs(d, 0700).ok());
  EXPECT_EQ(mode_of(d), 0700u);
  EXPECT_EQ(mode_of(dir / "a"), 0700u);
  EXPECT_TRUE(make_dirs(d, 0700).ok());
  ASSERT_TRUE(write_file(dir / "file", "x").ok());
  auto s = make_dirs(dir / "file" / "sub");
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(make_dirs(dir / "file").ok());
}

TEST(Files, RemoveFileRenameExistsAndListDir) {
  test::TempDir dir;
  ASSERT_TRUE(write_file(dir / "b", "x").ok());
  ASSERT_TRUE(write_file(dir / "a", "x").ok());
  ASSERT_EQ(::symlink("/nonexistent", (dir / "dangling").c_str()), 0);
  EXPECT_TRUE(os::exists(dir / "dangling"));
  EXPECT_EQ(list_dir(dir.path()).value_or({}), (std::vector<std::string>{"a", "b", "dangling"}));
  ASSERT_TRUE(rename_path(dir / "a", dir / "c").ok());
  EXPECT_FALSE(os::exists(dir / "a"));
  ASSERT_TRUE(remove_file(dir / "c").ok());
  EXPECT_TRUE(remove_file(dir / "c").ok());
  EXPECT_FALSE(list_dir(dir / "nothing").ok());
}

TEST(Files, SparseFileSpaceMagicAndSync) {
  test::TempDir dir;
  auto f = dir / "image";
  ASSERT_TRUE(create_sparse_file(f, uint64_t{1} << 30).ok());
  EXPECT_EQ(fs::file_size(f), uint64_t{1} << 30);
  EXPECT_LT(tree_allocated_bytes(f).value_or(~0ull), uint64_t{1} << 20);
  auto again = create_sparse_file(f, 10);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::already_exists);

  auto space = fs_space(dir.path());
  ASSERT_TRUE(space.ok());
  EXPECT_GT(space->total, 0u);
  EXPECT_LE(space->available, space->total);
  EXPECT_TRUE(fs_magic(dir.path()).ok());
  EXPECT_TRUE(sync_fs(dir.path()).ok());
  EXPECT_FALSE(fs_space(dir / "missing").ok());
}

TEST(Files, AllocatedBytesCountsHardLinksOnce) {
  test::TempDir dir;
  ASSERT_TRUE(make_dirs(dir / "t").ok());
  ASSERT_TRUE(write_file(dir / "t" / "f", std::string(1 << 20, 'z')).ok());
  auto one = tree_allocated_bytes(dir / "t");
  ASSERT_TRUE(one.ok());
  EXPECT_GE(*one, uint64_t{1} << 20);
  ASSERT_EQ(::link((dir / "t" / "f").c_str(), (dir / "t" / "g").c_str()), 0);
  EXPECT_EQ(tree_allocated_bytes(dir / "t").value_or(0), *one);
  // Not a reflink file system: every byte is exclusive.
  EXPECT_GE(tree_exclusive_bytes(dir / "t").value_or(0), uint64_t{1} << 20);
}

TEST(FileLock, ExclusiveAndShared) {
  test::TempDir dir;
  auto f = dir / "lock";
  {
    auto a = FileLock::acquire(f, true, false);
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_TRUE(a->held());
    auto b = FileLock::acquire(f, true, false);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, Errc::conflict);
    EXPECT_NE(b.error().message.find("is locked by another process"), std::string::npos);
    EXPECT_FALSE(FileLock::acquire(f, false, false).ok());
  }
  auto s1 = FileLock::acquire(f, false, false);
  auto s2 = FileLock::acquire(f, false, true);
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_FALSE(FileLock::acquire(f, true, false).ok());
  *s1 = FileLock();
  *s2 = FileLock();
  EXPECT_TRUE(FileLock::acquire(f, true, true).ok());
}

TEST(Mounts, ListFindAndUnmountAPathWithSpaces) {
  DBTWIN_REQUIRE_ROOT();
  test::TempDir dir;
  auto target = dir / "with space";
  ASSERT_TRUE(make_dirs(target).ok());
  {
    auto m = Mount::make("dbtwin-test", target, "tmpfs", 0, "size=1m");
    ASSERT_TRUE(m.ok()) << m.error().message;
    auto found = find_mount(target);
    ASSERT_TRUE(found.ok());
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->fstype, "tmpfs");
    EXPECT_EQ((*found)->source, "dbtwin-test");
    EXPECT_NE((*found)->options.find("size="), std::string::npos);
    EXPECT_TRUE(find_mount(target.string() + "/").value_or(std::nullopt).has_value());
    EXPECT_EQ(fs_magic(target).value_or(0), TMPFS_MAGIC);
  }
  EXPECT_FALSE(find_mount(target).value_or(std::nullopt).has_value());
  EXPECT_TRUE(unmount(target).ok());  // nothing mounted: fine
}

}  // namespace
}  // namespace dbtwin::os
