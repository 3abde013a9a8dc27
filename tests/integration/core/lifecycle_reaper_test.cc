// The reaper against real servers: expired clones go, protected ones stay; with an idle
// timeout, a clone with no connection and no work goes, while one with an open connection, one
// that keeps being used in short sessions, and a protected one stay. The activity probe itself
// never counts as activity, and idleness survives a new reaper (a daemon restart).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "base/strings.h"
#include "core/clone_sql.h"
#include "core/reaper.h"
#include "lifecycle_support.h"
#include "support/cli_matrix.h"

namespace dbtwin {
namespace {

using namespace std::chrono_literals;
using test::lifecycle::World;

class ReaperTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() { test::lifecycle::drop_shared_worlds(); }
  void SetUp() override {
    std::string why;
    world_ = test::lifecycle::shared_world(GetParam(), &why);
    if (!world_) GTEST_SKIP() << why;
  }
  void TearDown() override {
    if (world_) world_->destroy_clones();
  }

  core::Context& ctx() { return world_->ctx(); }
  bool exists(const std::string& clone) {
    auto r = ctx().catalog().find_clone(clone);
    EXPECT_TRUE(r.ok());
    return r.ok() && r->has_value();
  }
  // One tick; the clones it destroyed, each checked against its sentence.
  std::set<std::string> tick(core::Reaper& reaper, const std::string& why) {
    auto done = reaper.tick(ctx());
    EXPECT_TRUE(done.ok()) << done.error().message;
    std::set<std::string> names;
    if (!done) return names;
    for (const auto& sentence : *done) {
      auto open = sentence.find('\''), close = sentence.find('\'', open + 1);
      EXPECT_NE(close, std::string::npos) << sentence;
      if (close == std::string::npos) continue;
      names.insert(sentence.substr(open + 1, close - open - 1));
      EXPECT_NE(sentence.find(why), std::string::npos) << sentence;
      EXPECT_NE(sentence.find("destroyed"), std::string::npos) << sentence;
    }
    return names;
  }

  World* world_ = nullptr;
};

TEST_P(ReaperTest, DestroysExpiredClonesButNotProtectedOnes) {
  world_->clone("shop", "old", 1s);
  world_->clone("shop", "guarded", 1s);
  world_->clone("shop", "lasting");
  ASSERT_TRUE(core::set_protected(ctx(), "guarded", true).ok());
  int64_t expiry = ctx().catalog().get_clone("old")->expires_at;
  while (now_unix() < expiry) std::this_thread::sleep_for(100ms);

  core::Reaper reaper(core::LifecycleSettings{});  // no idle timeout
  EXPECT_EQ(tick(reaper, "expired"), (std::set<std::string>{"old"}));
  EXPECT_FALSE(exists("old"));
  auto pool = ctx().pool();
  ASSERT_TRUE(pool.ok());
  EXPECT_FALSE((*pool)->exists("clone.old"));
  EXPECT_TRUE(exists("guarded"));
  EXPECT_TRUE(exists("lasting"));
  EXPECT_EQ(world_->scalar("guarded", "SELECT count(*) FROM items"), "20");
  EXPECT_TRUE(tick(reaper, "expired").empty());
}

TEST_P(ReaperTest, IdleTimeoutSparesConnectedBusyAndProtectedClones) {
  const auto timeout = 3s;
  core::LifecycleSettings settings;
  settings.idle_timeout = timeout;
  auto idle = world_->clone("shop", "idle");
  auto held = world_->clone("shop", "held");
  world_->clone("shop", "chatty");
  world_->clone("shop", "guarded");
  ASSERT_TRUE(core::set_protected(ctx(), "guarded", true).ok());
  auto conn = std::make_unique<test::HeldConnection>(held.url);
  ASSERT_TRUE(conn->ok()) << conn->error();

  // Ticks every second while "chatty" runs a query in a fresh session between ticks.
  auto reaper = std::make_unique<core::Reaper>(settings);
  std::map<std::string, int64_t> destroyed;  // when, in unix seconds
  auto run = [&](std::chrono::seconds span, bool chat) {
    auto end = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < end) {
      if (chat) {
        EXPECT_TRUE(core::exec_clone(ctx(), "chatty", "SELECT 1").ok());
      }
      for (const auto& name : tick(*reaper, "idle")) {
        destroyed[name] = now_unix();
      }
      std::this_thread::sleep_for(1s);
    }
  };
  run(3 * timeout, true);
  ASSERT_EQ(destroyed.size(), 1u) << "only the idle clone goes";
  ASSERT_EQ(destroyed.begin()->first, "idle");
  // Never before its idle time, although the probe logged in to it every second.
  EXPECT_GT(destroyed["idle"] - idle.row.created_at, timeout.count());
  EXPECT_LE(destroyed["idle"] - idle.row.created_at, timeout.count() + 8);
  for (const auto* name : {"held", "chatty", "guarded"}) EXPECT_TRUE(exists(name)) << name;
  EXPECT_GT(ctx().catalog().get_clone("held")->last_active_at, idle.row.created_at);
  EXPECT_EQ(world_->scalar("held", "SELECT 1"), "1");

  // The connection closes and the chatting stops; a new reaper (a restarted daemon) goes on
  // from the catalog's last_active_at.
  conn.reset();
  int64_t quiet_since = now_unix();
  reaper = std::make_unique<core::Reaper>(settings);
  run(timeout + 5s, false);
  EXPECT_EQ(destroyed.count("held"), 1u);
  EXPECT_EQ(destroyed.count("chatty"), 1u);
  EXPECT_EQ(destroyed.count("guarded"), 0u) << "protected clones are never idle-reaped";
  for (const auto* name : {"held", "chatty"}) {
    if (destroyed.count(name)) {
      EXPECT_GE(destroyed[name] - quiet_since, timeout.count() - 2) << name;
    }
  }
  EXPECT_TRUE(exists("guarded"));
}

INSTANTIATE_TEST_SUITE_P(Engines, ReaperTest, ::testing::ValuesIn(test::engines()),
                         test::engine_name);

}  // namespace
}  // namespace dbtwin
