// Parallel `clone create` from separate processes on one template, on every pool driver and both
// engines: no two clones share a port or a name, and destroying them all leaves nothing.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <set>

#include "base/strings.h"
#include "os/files.h"
#include "os/net.h"
#include "os/process.h"
#include "support/cli_matrix.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kParallel = 8;

class ParallelCreate : public test::MatrixTest {};

TEST_P(ParallelCreate, EightAtOnceGetDistinctPortsAndNames) {
  auto t = world_->items_template("shop", engine(), 50);
  ASSERT_TRUE(t.is_object());
  const int snapshots = static_cast<int>(t["snapshots"].size());

  // Every process is spawned before any is waited for, each writing its JSON to its own file.
  std::vector<os::ChildProcess> children;
  std::vector<fs::path> outs;
  for (int i = 0; i < kParallel; ++i) {
    outs.push_back(world_->scratch() / fmt::format("create-{}.json", i));
    auto out = os::open_fd(outs.back(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    auto err =
        os::open_fd(outs.back().string() + ".err", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_TRUE(out.ok() && err.ok());
    os::SpawnOptions opts;
    opts.argv = {DBTWIN_BINARY, "--json", "clone", "create", "shop"};  // generated names
    opts.env = cli().env();
    opts.stdout_fd = out->get();
    opts.stderr_fd = err->get();
    auto child = os::ChildProcess::spawn(opts);
    ASSERT_TRUE(child.ok()) << child.error().message;
    children.push_back(std::move(*child));
  }
  std::vector<json> clones;
  for (int i = 0; i < kParallel; ++i) {
    auto code = children[i].wait();
    ASSERT_TRUE(code.ok());
    EXPECT_EQ(*code, 0) << "create " << i << ": " << test::read_text(outs[i].string() + ".err");
    auto j = json::parse(test::read_text(outs[i]), nullptr, false);
    if (*code == 0 && !j.is_discarded()) clones.push_back(j);
  }
  ASSERT_EQ(clones.size(), static_cast<size_t>(kParallel));

  std::set<std::string> names;
  std::set<int> ports;
  std::vector<std::string> argv = {"clone", "destroy"};
  for (const auto& c : clones) {
    names.insert(c["name"].get<std::string>());
    ports.insert(c["port"].get<int>());
    argv.push_back(c["name"].get<std::string>());
    EXPECT_EQ(test::sql(test::url_of(c), "SELECT COUNT(*) FROM items"), "50") << c["name"];
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kParallel));
  EXPECT_EQ(ports.size(), static_cast<size_t>(kParallel));
  EXPECT_EQ(world_->volumes(), snapshots + kParallel);

  auto destroyed = cli().run(argv);
  ASSERT_EQ(destroyed.exit_code, 0) << destroyed.err;
  EXPECT_TRUE(cli().ok_json({"clone", "list"}).empty());
  // Back to the template's snapshots alone: no volume, server, mount or port is left.
  EXPECT_EQ(world_->volumes(), snapshots);
  EXPECT_TRUE(test::processes_mentioning(cli().state_dir().string()).empty());
  EXPECT_TRUE(test::processes_mentioning(world_->pool_root().string()).empty());
  EXPECT_TRUE(test::mounts_below(world_->pool_root()).empty());
  for (int port : ports) EXPECT_TRUE(os::tcp_port_free("127.0.0.1", port)) << port;
  // The freed ports serve again.
  auto again = world_->create_clone("shop", "again");
  ASSERT_TRUE(again.is_object());
  EXPECT_EQ(test::sql(test::url_of(again), "SELECT COUNT(*) FROM items"), "50");
}

INSTANTIATE_TEST_SUITE_P(Drivers, ParallelCreate, ::testing::ValuesIn(test::matrix()),
                         test::matrix_name);

}  // namespace
}  // namespace dbtwin
