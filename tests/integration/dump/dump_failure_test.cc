// A source that goes away in the middle of `dump create`: the command fails with a clear error,
// the dump is listed as failed with that error, its chunks are gone, the index stays valid, and a
// later dump on the same bridge works.
#include <gtest/gtest.h>

#include <thread>

#include <fcntl.h>
#include "base/strings.h"
#include "dump_world.h"
#include "os/files.h"
#include "os/process.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::sql;

class DumpSourceDies : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why;
    world_ = test::CliWorld::make(test::pool_case("xfs"), &why);
    if (!world_) GTEST_SKIP() << why;
  }
  void TearDown() override {
    if (world_) world_->tear_down();
  }
  std::unique_ptr<test::CliWorld> world_;
};

TEST_P(DumpSourceDies, DumpIsMarkedFailedAndIndexStaysValid) {
  const bool pg = GetParam() == "postgres";
  auto t = world_->items_template("big", GetParam(), 10);
  ASSERT_TRUE(t.is_object());
  auto c = world_->create_clone("big", "src");
  std::string url = test::url_of(c);
  // About 150 MB of rows, so that the dump runs for a few seconds.
  ASSERT_EQ(sql(url, pg ? "CREATE TABLE bulk AS SELECT g AS id, md5(g::text) || md5((g+1)::text) "
                          "|| md5((g+2)::text) AS t FROM generate_series(1, 1200000) g"
                        : "CREATE TABLE bulk AS SELECT seq AS id, CONCAT(MD5(seq), MD5(seq+1), "
                          "MD5(seq+2)) AS t FROM seq_1_to_1200000"),
            "");
  fs::path bridge_dir = world_->scratch() / "bridge";
  fs::create_directories(bridge_dir);
  std::string bridge = "file://" + bridge_dir.string();

  os::SpawnOptions opts;
  opts.argv = {DBTWIN_BINARY, "dump",   "create", "--source",     url, "--bridge",
               bridge,        "--name", "dies",   "--chunk-size", "1M"};
  opts.env = world_->cli().env();
  fs::path err_file = world_->scratch() / "dump.err";
  auto err_fd = os::open_fd(err_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_TRUE(err_fd.ok());
  opts.stderr_fd = err_fd->get();
  auto child = os::ChildProcess::spawn(opts);
  ASSERT_TRUE(child.ok()) << child.error().message;
  // Once the first chunks are written, the source server is stopped under the dump.
  for (int i = 0; i < 600 && !fs::exists(bridge_dir / "dies" / "chunk-000001"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto stop = world_->cli().run({"clone", "stop", "src"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  auto code = child->wait();
  ASSERT_TRUE(code.ok());
  EXPECT_NE(*code, 0);
  std::string err = test::read_text(err_file);
  EXPECT_NE(err.find("dies"), std::string::npos) << err;

  auto list = world_->cli().run({"--json", "dump", "list", bridge});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto dumps = list.json();
  ASSERT_EQ(dumps.size(), 1u) << list.out;
  EXPECT_EQ(dumps[0]["status"], "failed");
  EXPECT_FALSE(dumps[0]["error"].get<std::string>().empty());
  EXPECT_TRUE(test::chunk_files(bridge_dir / "dies").empty());
  // latest skips it; a restore of it by name is refused.
  auto r = world_->cli().run({"dump", "restore", bridge, "dies", "--to", url});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("failed"), std::string::npos) << r.err;

  // The bridge still works: a new dump lands beside the failed one.
  ASSERT_EQ(world_->cli().run({"clone", "start", "src"}).exit_code, 0);
  auto ok =
      world_->cli().run({"dump", "create", "--source", url, "--bridge", bridge, "--name", "after"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(world_->cli().run({"--json", "dump", "list", bridge}).json().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Engines, DumpSourceDies, ::testing::Values("postgres", "mariadb"),
                         test::engine_name);

}  // namespace
}  // namespace dbtwin
