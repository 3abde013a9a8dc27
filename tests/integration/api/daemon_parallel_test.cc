// 30 clients create clones at once through POST /v1/clones, then delete them at once: every
// clone gets its own name and port and accepts its own login, and afterwards no row, volume,
// server process or port is left.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "base/strings.h"
#include "daemon_fixture.h"

namespace dbtwin::test {
namespace {

using nlohmann::json;

constexpr int kParallel = 30;

class DaemonParallel : public DaemonTest {};

TEST_F(DaemonParallel, ThirtyCreatesAndDeletesAtOnceCollideOnNothing) {
  ASSERT_TRUE(world_->items_template("shop", "postgres", 50).is_object());
  ASSERT_TRUE(start({"DBTWIN_LIFECYCLE_INTERVAL=1s"}));
  const int snapshots = template_snapshots();

  // Every request is in flight before any answer is read.
  std::vector<HttpResult> created(kParallel);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kParallel; ++i) {
      threads.emplace_back([&, i] {
        created[i] = daemon_->post("/v1/clones",
                                   {{"template", "shop"}, {"name", fmt::format("par-{:02}", i)}});
      });
    }
    for (auto& t : threads) t.join();
  }
  std::set<std::string> names;
  std::vector<std::string> urls;
  for (int i = 0; i < kParallel; ++i) {
    ASSERT_EQ(created[i].status, 201) << "create " << i << ": " << created[i].body << "\n"
                                      << daemon_->log();
    json c = created[i].json();
    EXPECT_EQ(c.value("state", ""), "running") << c.dump();
    names.insert(c.value("name", ""));
    ports_.insert(c.value("port", 0));
    urls.push_back(url_of(c));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kParallel));
  EXPECT_EQ(ports_.size(), static_cast<size_t>(kParallel)) << "two clones share a port";
  for (const auto& url : urls) EXPECT_EQ(sql(url, "SELECT count(*) FROM items"), "50") << url;
  EXPECT_EQ(clone_names().size(), static_cast<size_t>(kParallel));
  EXPECT_EQ(volumes(), snapshots + kParallel);
  EXPECT_EQ(processes_mentioning(world_->pool_root().string()).size(),
            static_cast<size_t>(kParallel))
      << "one server per clone";

  std::vector<HttpResult> deleted(kParallel);
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < kParallel; ++i) {
      threads.emplace_back(
          [&, i] { deleted[i] = daemon_->del(fmt::format("/v1/clones/par-{:02}", i)); });
    }
    for (auto& t : threads) t.join();
  }
  for (int i = 0; i < kParallel; ++i)
    EXPECT_EQ(deleted[i].status, 204) << "delete " << i << ": " << deleted[i].body;
  EXPECT_TRUE(clone_names().empty());
  EXPECT_EQ(volumes(), snapshots) << "volumes leaked";
  EXPECT_TRUE(processes_mentioning(world_->pool_root().string()).empty());
  destroy_all_and_check_nothing_left();
}

}  // namespace
}  // namespace dbtwin::test
