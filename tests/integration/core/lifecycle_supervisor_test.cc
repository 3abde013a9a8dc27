// The supervisor against real servers: a clone whose server is killed with kill -9 comes back,
// with a growing wait between restarts of a clone that keeps dying, and failed restarts are
// retried. Stopped and transitional clones are left alone.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "core/clone_sql.h"
#include "core/supervisor.h"
#include "lifecycle_support.h"
#include "support/cli_matrix.h"

namespace dbtwin {
namespace {

using namespace std::chrono_literals;
using test::lifecycle::eventually;
using test::lifecycle::kill_server;
using test::lifecycle::World;

class SupervisorTest : public ::testing::TestWithParam<std::string> {
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
  std::string state_of(const std::string& clone) {
    auto v = core::show_clone(ctx(), clone, false);
    return v ? v->state : "ERROR: " + v.error().message;
  }
  catalog::CloneRow row(const std::string& clone) {
    auto r = ctx().catalog().get_clone(clone);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : catalog::CloneRow{};
  }

  // Ticks every 100 ms until the clone was restarted; the failed attempts seen meanwhile.
  int tick_until_restarted(core::Supervisor& sup, const std::string& clone) {
    int failed = 0;
    bool restarted = false;
    auto end = std::chrono::steady_clock::now() + 120s;
    while (!restarted && std::chrono::steady_clock::now() < end) {
      auto events = sup.tick(ctx());
      EXPECT_TRUE(events.ok()) << events.error().message;
      if (!events) break;
      for (const auto& e : *events) {
        EXPECT_EQ(e.clone, clone) << e.message;
        if (e.restarted) {
          restarted = true;
        } else {
          ++failed;
          EXPECT_NE(e.message.find("restart failed"), std::string::npos) << e.message;
        }
      }
      if (!restarted) std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(restarted) << "clone " << clone << " was not restarted";
    return failed;
  }

  World* world_ = nullptr;
};

TEST_P(SupervisorTest, RestartsAKilledServerWithGrowingBackoff) {
  world_->clone("shop", "sup1");
  ASSERT_TRUE(core::exec_clone(ctx(), "sup1", "INSERT INTO items VALUES (1001, 'kept', 1)").ok());
  core::LifecycleSettings settings;
  settings.max_backoff = 3s;
  core::Supervisor sup(settings);
  auto quiet = sup.tick(ctx());
  ASSERT_TRUE(quiet.ok()) << quiet.error().message;
  EXPECT_TRUE(quiet->empty()) << "nothing to do while the server runs";

  int failed = 0;
  const std::chrono::seconds expected_backoff[] = {1s, 2s, 3s};  // capped at max_backoff
  for (int n = 1; n <= 3; ++n) {
    SCOPED_TRACE("restart " + std::to_string(n));
    int64_t old_pid = row("sup1").server_pid;
    ASSERT_TRUE(kill_server(ctx(), "sup1"));
    EXPECT_EQ(state_of("sup1"), "crashed");
    auto killed = std::chrono::steady_clock::now();
    if (n > 1) {
      // Within the backoff after the last restart: nothing happens yet.
      auto events = sup.tick(ctx());
      ASSERT_TRUE(events.ok());
      EXPECT_TRUE(events->empty()) << events->front().message;
    }
    failed += tick_until_restarted(sup, "sup1");
    if (failed == 0 && n > 1) {
      EXPECT_GE(std::chrono::steady_clock::now() - killed, expected_backoff[n - 2] - 300ms);
    }
    auto now = row("sup1");
    EXPECT_EQ(now.restarts, n);
    EXPECT_EQ(now.state, "running");
    EXPECT_NE(now.server_pid, old_pid);
    EXPECT_EQ(state_of("sup1"), "running");
    EXPECT_EQ(sup.restarts_total(), static_cast<uint64_t>(n));
    if (failed == 0) {
      EXPECT_EQ(sup.backoff("sup1"), expected_backoff[n - 1]);
    } else {
      EXPECT_GE(sup.backoff("sup1"), expected_backoff[n - 1]);
    }
    // It accepts logins again, with what was committed before the kill.
    EXPECT_EQ(world_->scalar("sup1", "SELECT count(*) FROM items"), "21");
  }

  // Up for max_backoff: the next crash starts the backoff afresh.
  EXPECT_TRUE(eventually(
      [&] {
        EXPECT_TRUE(sup.tick(ctx()).ok());
        return sup.backoff("sup1") == 0s;
      },
      10s));
  EXPECT_EQ(row("sup1").restarts, 3);
}

// Holds a TCP port on 127.0.0.1, listening, so that a server cannot bind it.
class PortSquatter {
 public:
  explicit PortSquatter(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd_, 4) == 0;
  }
  ~PortSquatter() { ::close(fd_); }
  bool ok() const { return ok_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

TEST_P(SupervisorTest, FailedRestartIsReportedAndRetried) {
  auto view = world_->clone("shop", "sup2");
  core::Supervisor sup(core::LifecycleSettings{});
  ASSERT_TRUE(kill_server(ctx(), "sup2"));
  {
    // The port taken by someone else: the server cannot start.
    std::unique_ptr<PortSquatter> squat;
    ASSERT_TRUE(eventually(
        [&] {
          squat = std::make_unique<PortSquatter>(view.row.port);
          return squat->ok();
        },
        10s));
    auto events = sup.tick(ctx());
    ASSERT_TRUE(events.ok()) << events.error().message;
    ASSERT_EQ(events->size(), 1u);
    EXPECT_EQ(events->front().clone, "sup2");
    EXPECT_FALSE(events->front().restarted);
    EXPECT_NE(events->front().message.find("restart failed"), std::string::npos)
        << events->front().message;
    auto after = row("sup2");
    EXPECT_EQ(after.state, "running") << "kept running, so that it is retried";
    EXPECT_EQ(after.server_pid, 0);
    EXPECT_EQ(after.restarts, 0);
    EXPECT_EQ(state_of("sup2"), "crashed");
    EXPECT_EQ(sup.backoff("sup2"), 1s);
    EXPECT_EQ(sup.restarts_total(), 0u);
  }
  EXPECT_EQ(tick_until_restarted(sup, "sup2"), 0);
  EXPECT_EQ(row("sup2").restarts, 1);
  EXPECT_EQ(world_->scalar("sup2", "SELECT count(*) FROM items"), "20");
}

TEST_P(SupervisorTest, LeavesStoppedAndTransitionalClonesAlone) {
  world_->clone("shop", "sup3");
  world_->clone("shop", "sup4");
  ASSERT_TRUE(core::stop_clone(ctx(), "sup3").ok());
  ASSERT_TRUE(kill_server(ctx(), "sup4"));
  auto busy = row("sup4");
  busy.state = "creating";  // as if another command were making it
  busy.op = ctx().self_op();
  ASSERT_TRUE(ctx().catalog().update_clone(busy).ok());

  core::Supervisor sup(core::LifecycleSettings{});
  auto events = sup.tick(ctx());
  ASSERT_TRUE(events.ok()) << events.error().message;
  EXPECT_TRUE(events->empty()) << events->front().message;
  EXPECT_EQ(row("sup3").state, "stopped");
  EXPECT_EQ(row("sup3").server_pid, 0);
  EXPECT_EQ(row("sup4").state, "creating");

  // Running again (in the catalog) with its server gone: now it is the supervisor's.
  busy.state = "running";
  busy.op = {};
  ASSERT_TRUE(ctx().catalog().update_clone(busy).ok());
  EXPECT_EQ(tick_until_restarted(sup, "sup4"), 0);
  EXPECT_EQ(world_->scalar("sup4", "SELECT count(*) FROM items"), "20");
}

INSTANTIATE_TEST_SUITE_P(Engines, SupervisorTest, ::testing::ValuesIn(test::engines()),
                         test::engine_name);

}  // namespace
}  // namespace dbtwin
