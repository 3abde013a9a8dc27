#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/files.h"
#include "os/mount.h"
#include "support/temp_dir.h"

namespace dbtwin::os {
namespace {

struct stat stat_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st;
}

// src/ with a file, a sub-folder, a relative symlink, a dangling symlink, an empty file.
void make_sample(const fs::path& src) {
  ASSERT_TRUE(make_dirs(src / "sub", 0750).ok());
  ASSERT_TRUE(write_file(src / "data", std::string(100000, 'd'), 0640).ok());
  ASSERT_TRUE(write_file(src / "sub" / "empty", "", 0600).ok());
  ASSERT_EQ(::symlink("../data", (src / "sub" / "link").c_str()), 0);
  ASSERT_EQ(::symlink("/nonexistent/x", (src / "dangling").c_str()), 0);
  ASSERT_EQ(::mkfifo((src / "fifo").c_str(), 0620), 0);
  timespec old[2] = {{1000000000, 0}, {1000000000, 500}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (src / "data").c_str(), old, 0), 0);
  ASSERT_EQ(::chmod(src.c_str(), 0711), 0);
}

TEST(RemoveTree, DoesNotFollowSymlinksOutOfTheTree) {
  test::TempDir dir;
  auto outside = dir / "outside";
  ASSERT_TRUE(make_dirs(outside / "keep").ok());
  ASSERT_TRUE(write_file(outside / "keep" / "precious", "x").ok());
  auto tree = dir / "tree";
  ASSERT_TRUE(make_dirs(tree / "a" / "b").ok());
  ASSERT_TRUE(write_file(tree / "a" / "b" / "f", "x").ok());
  ASSERT_EQ(::symlink(outside.c_str(), (tree / "a" / "to-dir").c_str()), 0);
  ASSERT_EQ(::symlink((outside / "keep" / "precious").c_str(), (tree / "to-file").c_str()), 0);
  ASSERT_TRUE(remove_tree(tree).ok());
  EXPECT_FALSE(os::exists(tree));
  EXPECT_EQ(read_file(outside / "keep" / "precious").value_or(""), "x");
  EXPECT_TRUE(remove_tree(tree).ok());  // absent: fine
}

TEST(RemoveTree, RemovesASymlinkRootNotItsTarget) {
  test::TempDir dir;
  ASSERT_TRUE(make_dirs(dir / "real").ok());
  ASSERT_TRUE(write_file(dir / "real" / "f", "x").ok());
  ASSERT_EQ(::symlink((dir / "real").c_str(), (dir / "link").c_str()), 0);
  ASSERT_TRUE(remove_tree(dir / "link").ok());
  EXPECT_FALSE(os::exists(dir / "link"));
  EXPECT_TRUE(os::exists(dir / "real" / "f"));
  ASSERT_TRUE(remove_tree(dir.path().string() + "/real/").ok());
  EXPECT_FALSE(os::exists(dir / "real"));
}

TEST(RemoveTree, RefusesToCrossIntoAMount) {
  DBTWIN_REQUIRE_ROOT();
  test::TempDir dir;
  auto tree = dir / "tree";
  ASSERT_TRUE(make_dirs(tree / "mnt").ok());
  auto m = Mount::make("tmpfs", tree / "mnt", "tmpfs", 0, "size=1m");
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_TRUE(write_file(tree / "mnt" / "inside", "x").ok());
  auto s = remove_tree(tree);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::conflict);
  EXPECT_NE(s.error().message.find("mount point"), std::string::npos) << s.error().message;
  EXPECT_TRUE(os::exists(tree / "mnt" / "inside"));
  // Nor the mount point itself.
  s = remove_tree(tree / "mnt");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(os::exists(tree / "mnt" / "inside"));
}

TEST(CopyTree, KeepsModesOwnersTimesAndSymlinks) {
  test::TempDir dir;
  auto src = dir / "src";
  make_sample(src);
  if (test::running_as_root()) {
    ASSERT_EQ(::lchown((src / "data").c_str(), 65534, 65534), 0);
    ASSERT_EQ(::lchown((src / "sub" / "link").c_str(), 65534, 65534), 0);
  }
  auto dst = dir / "dst";
  auto s = copy_tree(src, dst, CopyMode::copy);
  ASSERT_TRUE(s.ok()) << s.error().message;

  EXPECT_EQ(read_file(dst / "data").value_or(""), std::string(100000, 'd'));
  for (const char* rel : {"", "sub", "data", "sub/empty", "sub/link", "dangling", "fifo"}) {
    auto a = stat_of(src / rel);
    auto b = stat_of(dst / rel);
    EXPECT_EQ(a.st_mode, b.st_mode) << rel;
    EXPECT_EQ(a.st_uid, b.st_uid) << rel;
    EXPECT_EQ(a.st_gid, b.st_gid) << rel;
    EXPECT_EQ(a.st_mtim.tv_sec, b.st_mtim.tv_sec) << rel;
    EXPECT_EQ(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec) << rel;
  }
  EXPECT_EQ(fs::read_symlink(dst / "sub" / "link"), "../data");
  EXPECT_EQ(fs::read_symlink(dst / "dangling"), "/nonexistent/x");

  auto again = copy_tree(src, dst, CopyMode::copy);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::already_exists);
}

TEST(CopyTree, ReflinkWhereUnsupportedFailsAndLeavesNothing) {
  test::TempDir dir;
  if (supports_reflink(dir.path())) GTEST_SKIP() << "the temp folder supports reflinks";
  auto src = dir / "src";
  make_sample(src);
  auto s = copy_tree(src, dir / "dst", CopyMode::reflink);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::unavailable);
  EXPECT_FALSE(os::exists(dir / "dst"));
  // supports_reflink cleans up its probe files.
  EXPECT_EQ(list_dir(dir.path()).value_or({}), std::vector<std::string>{"src"});
}

TEST(CopyTree, SingleFileAndMissingSource) {
  test::TempDir dir;
  ASSERT_TRUE(write_file(dir / "f", "abc", 0604).ok());
  ASSERT_TRUE(copy_tree(dir / "f", dir / "g", CopyMode::copy).ok());
  EXPECT_EQ(read_file(dir / "g").value_or(""), "abc");
  EXPECT_EQ(stat_of(dir / "g").st_mode & 07777, 0604u);
  auto s = copy_tree(dir / "missing", dir / "h", CopyMode::copy);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::not_found);
}

TEST(CopyTree, NoSpaceSurfacesAsNoSpace) {
  DBTWIN_REQUIRE_ROOT();
  test::TempDir dir;
  ASSERT_TRUE(make_dirs(dir / "src").ok());
  ASSERT_TRUE(write_file(dir / "src" / "big", std::string(3 << 20, 'b')).ok());
  ASSERT_TRUE(make_dirs(dir / "small").ok());
  auto m = Mount::make("tmpfs", dir / "small", "tmpfs", 0, "size=1m");
  ASSERT_TRUE(m.ok()) << m.error().message;
  auto s = copy_tree(dir / "src", dir / "small" / "dst", CopyMode::copy);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::no_space) << s.error().message;
  EXPECT_FALSE(os::exists(dir / "small" / "dst"));  // all or nothing
}

TEST(ChownTree, ChangesEveryEntryWithoutFollowingLinks) {
  DBTWIN_REQUIRE_ROOT();
  test::TempDir dir;
  auto src = dir / "src";
  make_sample(src);
  ASSERT_TRUE(write_file(dir / "outside", "x").ok());
  ASSERT_EQ(::symlink((dir / "outside").c_str(), (src / "out-link").c_str()), 0);
  ASSERT_TRUE(chown_tree(src, 65534, 65533).ok());
  for (const char* rel : {"", "sub", "data", "sub/link", "fifo", "out-link"}) {
    EXPECT_EQ(stat_of(src / rel).st_uid, 65534u) << rel;
    EXPECT_EQ(stat_of(src / rel).st_gid, 65533u) << rel;
  }
  EXPECT_EQ(stat_of(dir / "outside").st_uid, 0u);
}

}  // namespace
}  // namespace dbtwin::os
