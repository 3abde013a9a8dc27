// A step of a multi-step command fails half-way: the server does not start, the hook fails, the
// disk fills during the copy. The command fails with a clear message and its exit code, and
// undoes every step it had finished: no server, mount, volume, port, run folder or row is left.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "base/strings.h"
#include "failure_support.h"
#include "os/process.h"
#include "support/pools.h"

namespace dbtwin::test::failure {
namespace {

void make_executable(const fs::path& p, const std::string& text) {
  write_text(p, text);
  fs::permissions(p, fs::perms(0755));
}

class FailureSteps : public CopyInstallTest {};

TEST_F(FailureSteps, PostgresServerThatFailsToStartNamesItsLogAndLeavesNothing) {
  auto t = inst_->template_from_sql("shop", "postgres", items_sql(100));
  ASSERT_EQ(t.value("state", ""), "ready") << t.dump();

  // A setting the server refuses: the error carries the server's own words from its log.
  auto bad = inst_->run({"clone", "create", "shop", "c1"}, {"DBTWIN_PG_SHARED_BUFFERS=banana"});
  EXPECT_EQ(bad.exit_code, 6) << bad.err;
  EXPECT_NE(bad.err.find("exited while starting"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("invalid value for parameter \"shared_buffers\": \"banana\""),
            std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find((inst_->state() / "log").string()), std::string::npos)
      << "names the log: " << bad.err;
  expect_nothing_leaked(*inst_, {{"shop"}, {}});

  // A postgres binary that exits at once (initdb and the rest are the real ones).
  fs::path real = postgres_bindir();
  ASSERT_FALSE(real.empty()) << "no PostgreSQL under /usr/lib/postgresql";
  fs::path fake = inst_->scratch() / "fake-bin";
  fs::create_directories(fake);
  for (const auto& e : fs::directory_iterator(real)) {
    if (e.path().filename() != "postgres") fs::create_symlink(e.path(), fake / e.path().filename());
  }
  make_executable(fake / "postgres",
                  "#!/bin/sh\necho 'fake postgres: refusing to start for this test' >&2\nexit 1\n");
  fs::permissions(fake, fs::perms(0755));
  auto broken =
      inst_->run({"clone", "create", "shop", "c1"}, {"DBTWIN_PG_BINDIR=" + fake.string()});
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_EQ(broken.exit_code, 6) << broken.err;
  EXPECT_NE(broken.err.find("fake postgres: refusing to start"), std::string::npos) << broken.err;
  expect_nothing_leaked(*inst_, {{"shop"}, {}});

  // The import server of a new template fails the same way; the template is removed.
  auto tmpl = inst_->run({"template", "create", "other", "--engine", "postgres", "--empty"},
                         {"DBTWIN_PG_SHARED_BUFFERS=banana"});
  EXPECT_EQ(tmpl.exit_code, 6) << tmpl.err;
  EXPECT_NE(tmpl.err.find("banana"), std::string::npos) << tmpl.err;
  expect_nothing_leaked(*inst_, {{"shop"}, {}});

  // With a sane configuration the same name works.
  auto ok = inst_->clone("shop", "c1");
  EXPECT_EQ(sql(url_of(ok), "SELECT count(*) FROM items"), "100");
  expect_nothing_leaked(*inst_, {{"shop"}, {"c1"}});
}

TEST_F(FailureSteps, MariadbServerThatFailsToStartNamesItsLogAndLeavesNothing) {
  auto t = inst_->template_from_sql("shop", "mariadb", items_sql(100));
  ASSERT_EQ(t.value("state", ""), "ready") << t.dump();
  auto bad = inst_->run({"clone", "create", "shop", "c1"}, {"DBTWIN_MARIADB_BUFFER_POOL=banana"});
  EXPECT_EQ(bad.exit_code, 6) << bad.err;
  EXPECT_NE(bad.err.find("exited while starting"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("'banana'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find((inst_->state() / "log").string()), std::string::npos) << bad.err;
  expect_nothing_leaked(*inst_, {{"shop"}, {}});
  auto ok = inst_->clone("shop", "c1");
  EXPECT_EQ(sql(url_of(ok), "SELECT count(*) FROM items"), "100");
  expect_nothing_leaked(*inst_, {{"shop"}, {"c1"}});
}

TEST_F(FailureSteps, FailingHookRemovesTheClone) {
  auto t = inst_->template_from_sql("shop", "postgres", items_sql(100));
  ASSERT_EQ(t.value("state", ""), "ready") << t.dump();
  fs::path seen = inst_->scratch() / "hook-saw";
  fs::path hook = inst_->scratch() / "mask.sh";
  // The hook does its work against the clone (which is up), then fails.
  make_executable(hook,
                  "#!/bin/sh\n"
                  "psql -X -q -d \"$DBTWIN_URL\" -c 'DELETE FROM items' >/dev/null 2>&1\n"
                  "echo \"$DBTWIN_CLONE $DBTWIN_PORT\" > '" +
                      seen.string() +
                      "'\n"
                      "echo 'mask.sh: masking failed' >&2\n"
                      "exit 3\n");
  auto r = inst_->run({"clone", "create", "shop", "h1", "--exec", hook.string()});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("hook " + hook.string() + " exited with status 3"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("clone 'h1' removed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mask.sh: masking failed"), std::string::npos)
      << "the hook's own stderr: " << r.err;
  ASSERT_TRUE(file_exists(seen)) << "the hook did not run";
  expect_nothing_leaked(*inst_, {{"shop"}, {}});

  // The name is free again, and the template was never touched by the hook's writes.
  auto ok = inst_->clone("shop", "h1");
  EXPECT_EQ(sql(url_of(ok), "SELECT count(*) FROM items"), "100");
  expect_nothing_leaked(*inst_, {{"shop"}, {"h1"}});
}

// A loop-mounted XFS without reflink, so that the copy driver really copies every byte.
class PlainXfs {
 public:
  static std::unique_ptr<PlainXfs> make(uint64_t size, std::string* why_not) {
    if (!have_program("mkfs.xfs")) {
      *why_not = "mkfs.xfs is not installed";
      return nullptr;
    }
    std::unique_ptr<PlainXfs> x(new PlainXfs());
    fs::path image = x->dir_ / "pool.img";
    x->mnt_ = x->dir_ / "mnt";
    fs::create_directories(x->mnt_);
    { std::ofstream(image).flush(); }
    fs::resize_file(image, size);
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"mkfs.xfs", "-q", "-f", "-m", "reflink=0", image.string()},
             {"mount", "-o", "loop", image.string(), x->mnt_.string()}}) {
      os::SpawnOptions opts;
      opts.argv = argv;
      auto ran = os::run(opts);
      if (!ran.ok() || ran->exit_code != 0) {
        *why_not = argv[0] + " failed: " + (ran.ok() ? ran->err : ran.error().message);
        return nullptr;
      }
      x->mounted_ = argv[0] == "mount";
    }
    return x;
  }
  ~PlainXfs() {
    if (!mounted_) return;
    os::SpawnOptions opts;
    opts.argv = {"umount", mnt_.string()};
    (void)os::run(opts);  // TempDir detaches whatever is still mounted
  }
  const fs::path& mountpoint() const { return mnt_; }

 private:
  PlainXfs() = default;
  TempDir dir_{"dbtwin-enospc"};
  fs::path mnt_;
  bool mounted_ = false;
};

TEST(FailureNoSpace, DiskFillingDuringTheCopyIsExit8AndEarlierClonesStayFine) {
  DBTWIN_REQUIRE_ROOT();
  std::string why;
  // About 310 MiB free: the template (~120 MiB) and one copy fit, a second copy does not.
  auto xfs = PlainXfs::make(384ull << 20, &why);
  if (!xfs) GTEST_SKIP() << why;
  auto inst = std::make_unique<Install>("copy", xfs->mountpoint());
  const int rows = 300000;
  auto t = inst->template_from_sql("big", "postgres", items_sql(rows));
  ASSERT_EQ(t.value("state", ""), "ready") << t.dump();

  std::set<std::string> made;
  std::optional<CliResult> full;
  for (int i = 1; i <= 5 && !full; ++i) {
    std::string name = fmt::format("c{}", i);
    auto r = inst->run({"--json", "clone", "create", "big", name});
    if (r.exit_code == 0) {
      made.insert(name);
      continue;
    }
    full = r;
  }
  ASSERT_TRUE(full.has_value()) << "the pool never filled up";
  EXPECT_EQ(full->exit_code, 8) << full->err;
  EXPECT_NE(full->err.find("No space left on device"), std::string::npos) << full->err;
  EXPECT_NE(full->err.find("\"no_space\""), std::string::npos) << full->err;
  EXPECT_FALSE(made.empty()) << "the first copy should have fitted";
  expect_nothing_leaked(*inst, {{"big"}, made});
  // The clones made before the disk filled are untouched and still serve their data.
  for (const auto& name : made) {
    auto c = inst->cli().ok_json({"clone", "show", name});
    EXPECT_EQ(c.value("state", ""), "running") << c.dump();
    EXPECT_EQ(sql(url_of(c), "SELECT count(*) FROM items"), std::to_string(rows)) << name;
  }
  // Space given back is usable again.
  ASSERT_EQ(inst->run({"clone", "destroy", *made.begin()}).exit_code, 0);
  auto again = inst->run({"--json", "clone", "create", "big", "again"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  inst.reset();  // before the file system goes
}

}  // namespace
}  // namespace dbtwin::test::failure
