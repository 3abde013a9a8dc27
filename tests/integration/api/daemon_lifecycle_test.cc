// The daemon's background loops, every one with DBTWIN_LIFECYCLE_INTERVAL=1s and no CLI command
// in between: the supervisor restarts a clone server killed with kill -9, the reaper destroys
// clones past their time to live and idle ones but never protected or connected ones, and a
// scheduled refresh makes new snapshots and prunes old ones while a clone of the template is
// under pgbench load, without interrupting it.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "base/strings.h"
#include "daemon_fixture.h"
#include "os/process.h"

namespace dbtwin::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const std::vector<std::string> kFastLoops = {"DBTWIN_LIFECYCLE_INTERVAL=1s"};

class DaemonLifecycle : public DaemonTest {};

class DaemonSupervisor : public DaemonTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(DaemonSupervisor, CloneServerKilledWithSigkillIsRestarted) {
  ASSERT_TRUE(world_->items_template("shop", GetParam(), 100).is_object());
  ASSERT_TRUE(start(kFastLoops));
  json c = create({{"template", "shop"}, {"name", "crashy"}});
  ASSERT_TRUE(c.is_object());
  const std::string url = url_of(c);
  // Twice: the second crash comes after a restart, within the backoff's reach.
  for (int crash = 1; crash <= 2; ++crash) {
    SCOPED_TRACE(fmt::format("crash {}", crash));
    const std::string identity = server_identity(url);
    const pid_t pid = server_pid(url);
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    json seen;
    EXPECT_TRUE(eventually(
        [&] {
          seen = show("crashy");
          return seen.is_object() && seen.value("state", "") == "running" &&
                 seen.value("restarts", 0) >= crash &&
                 sql(url, "SELECT count(*) FROM items") == "100";
        },
        60s, 250ms))
        << "not back: " << seen.dump() << "\n"
        << daemon_->log();
    EXPECT_EQ(seen.value("restarts", 0), crash) << seen.dump();
    EXPECT_NE(server_identity(url), identity) << "the same server? it was killed";
    EXPECT_FALSE(pid_alive(pid));
  }
  EXPECT_TRUE(has_event("supervisor", {"'crashy'", "restarted"})) << events().dump(1);
  auto metrics = daemon_->get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("restart"), std::string::npos) << metrics.body;
  destroy_all_and_check_nothing_left();
}

INSTANTIATE_TEST_SUITE_P(Engines, DaemonSupervisor, ::testing::ValuesIn(engines()), engine_name);

TEST_F(DaemonLifecycle, TtlExpiryNeedsNoCommandAndProtectionPreventsIt) {
  ASSERT_TRUE(world_->items_template("shop", "postgres", 100).is_object());
  ASSERT_TRUE(start(kFastLoops));
  ASSERT_TRUE(create({{"template", "shop"}, {"name", "brief"}, {"ttl", "3s"}}).is_object());
  ASSERT_TRUE(create({{"template", "shop"}, {"name", "guarded"}, {"ttl", 3}}).is_object());
  auto p = daemon_->post("/v1/clones/guarded/protect", json::object());
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_TRUE(p.json().value("protected", false)) << p.body;
  json lasting = create({{"template", "shop"}, {"name", "lasting"}});
  ASSERT_TRUE(lasting.is_object());

  EXPECT_TRUE(eventually([&] { return !show("brief").is_object(); }, 30s, 200ms))
      << "an expired clone is still there";
  EXPECT_TRUE(has_event("reaper", {"'brief'", "expired"})) << events().dump(1);
  // Well past guarded's expiry as well: it stays, and serves.
  std::this_thread::sleep_for(3s);
  json g = show("guarded");
  ASSERT_TRUE(g.is_object()) << "a protected clone expired";
  EXPECT_EQ(g.value("state", ""), "running") << g.dump();
  EXPECT_LT(g.value("expires_unix", int64_t{0}), now_unix()) << "its time to live did pass";
  EXPECT_EQ(sql(url_of(g), "SELECT count(*) FROM items"), "100");
  EXPECT_TRUE(show("lasting").is_object()) << "a clone without a time to live went";

  // Unprotected, it goes at the next passes: protection was what kept it.
  ASSERT_EQ(daemon_->post("/v1/clones/guarded/unprotect", json::object()).status, 200);
  EXPECT_TRUE(eventually([&] { return !show("guarded").is_object(); }, 30s, 200ms));
  EXPECT_TRUE(has_event("reaper", {"'guarded'", "expired"})) << events().dump(1);
  EXPECT_EQ(clone_names(), std::vector<std::string>{"lasting"});
  destroy_all_and_check_nothing_left();
}

TEST_F(DaemonLifecycle, IdleClonesGoButConnectedAndProtectedOnesStay) {
  ASSERT_TRUE(world_->items_template("shop", "postgres", 100).is_object());
  ASSERT_TRUE(start({"DBTWIN_LIFECYCLE_INTERVAL=1s", "DBTWIN_IDLE_TIMEOUT=4s"}));
  ASSERT_TRUE(create({{"template", "shop"}, {"name", "idle"}}).is_object());
  json held = create({{"template", "shop"}, {"name", "held"}});
  ASSERT_TRUE(held.is_object());
  ASSERT_TRUE(create({{"template", "shop"}, {"name", "guarded"}}).is_object());
  ASSERT_EQ(daemon_->post("/v1/clones/guarded/protect", json::object()).status, 200);
  auto conn = std::make_unique<HeldConnection>(url_of(held));
  ASSERT_TRUE(conn->ok()) << conn->error();
  const std::string backend = conn->scalar("SELECT pg_backend_pid()");

  EXPECT_TRUE(eventually([&] { return !show("idle").is_object(); }, 40s, 250ms))
      << "an idle clone is still there";
  EXPECT_TRUE(has_event("reaper", {"'idle'", "idle"})) << events().dump(1);
  // Well past the idle timeout for the other two as well.
  std::this_thread::sleep_for(6s);
  EXPECT_TRUE(show("held").is_object()) << "a clone with an open connection was found idle";
  EXPECT_EQ(conn->scalar("SELECT pg_backend_pid()"), backend) << "the connection was cut";
  json g = show("guarded");
  ASSERT_TRUE(g.is_object()) << "a protected clone was found idle";
  EXPECT_EQ(g.value("state", ""), "running");

  // Once its connection closes, `held` is idle too: the connection was what kept it.
  conn.reset();
  EXPECT_TRUE(eventually([&] { return !show("held").is_object(); }, 40s, 250ms));
  EXPECT_EQ(clone_names(), std::vector<std::string>{"guarded"});
  destroy_all_and_check_nothing_left();
}

// PostgreSQL's pgbench: the Debian 15 one, else the highest installed.
fs::path pgbench_path() {
  fs::path debian15 = "/usr/lib/postgresql/15/bin/pgbench";
  if (fs::exists(debian15)) return debian15;
  fs::path best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    fs::path p = e.path() / "bin" / "pgbench";
    if (fs::exists(p) && (best.empty() || p > best)) best = p;
  }
  return best;
}

struct Ran {
  int code = -1;
  std::string out, err;
};

Ran run_tool(const std::vector<std::string>& argv) {
  os::SpawnOptions opts;
  opts.argv = argv;
  Ran r;
  auto done = os::run(opts);
  if (!done) {
    r.err = done.error().message;
    return r;
  }
  return {done->exit_code, done->out, done->err};
}

TEST_F(DaemonLifecycle, ScheduledRefreshUnderPgbenchLoadInterruptsNothing) {
  const fs::path pgbench = pgbench_path();
  if (pgbench.empty()) GTEST_SKIP() << "pgbench is not installed (Debian postgresql-15)";
  ASSERT_TRUE(world_->items_template("shop", "postgres", 1000).is_object());
  ASSERT_TRUE(start(kFastLoops));
  json c = create({{"template", "shop"}, {"name", "loaded"}});
  ASSERT_TRUE(c.is_object());
  const std::string url = url_of(c);
  const int64_t used = c.value("snapshot", int64_t{0});
  Ran init = run_tool({pgbench.string(), "-i", "-q", url});
  ASSERT_EQ(init.code, 0) << init.err;
  const std::string identity = server_identity(url);

  auto put = daemon_->request("PUT", "/v1/templates/shop/schedule",
                              json{{"schedule", "@every 3s"}, {"keep", 1}}.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json().value("schedule", ""), "@every 3s");
  Ran load;
  std::thread client([&] {
    load = run_tool({pgbench.string(), "-T", "15", "-c", "4", "-j", "2", url});
  });
  client.join();
  EXPECT_EQ(load.code, 0) << load.out << load.err;
  EXPECT_EQ(load.err.find("aborted"), std::string::npos) << load.err;
  EXPECT_EQ(load.err.find("error"), std::string::npos) << load.err;
  EXPECT_NE(load.out.find("number of failed transactions: 0"), std::string::npos) << load.out;

  auto refreshes = [&](const std::string& state) {
    std::vector<json> out;
    for (const auto& j : daemon_->get("/v1/jobs").json()) {
      if (j.value("kind", "") == "template.refresh" && j.value("target", "") == "shop" &&
          j.value("state", "") == state)
        out.push_back(j);
    }
    return out;
  };
  // The schedule was set just before the load began: what finished by now ran under it.
  EXPECT_GE(refreshes("succeeded").size(), 1u) << "no refresh ran during the load";

  // Three refreshes are needed before one prunes (the clone's snapshot and the newest are
  // always kept, plus `keep` others); under load on a small machine they may take a while.
  EXPECT_TRUE(eventually([&] { return refreshes("succeeded").size() >= 3; }, 120s, 500ms))
      << daemon_->get("/v1/jobs").body;
  auto off = daemon_->request("PUT", "/v1/templates/shop/schedule", json{{"schedule", ""}}.dump());
  ASSERT_EQ(off.status, 200) << off.body;
  wait_jobs_idle();
  EXPECT_TRUE(refreshes("failed").empty()) << daemon_->get("/v1/jobs").body;
  EXPECT_TRUE(has_event("refresh", {"shop", "on schedule"})) << events().dump(1);

  // The clone was not interrupted: the same server, its snapshot kept, its data there.
  EXPECT_EQ(server_identity(url), identity) << "the clone's server was restarted";
  json after = show("loaded");
  EXPECT_EQ(after.value("state", ""), "running") << after.dump();
  EXPECT_EQ(after.value("restarts", -1), 0) << after.dump();
  EXPECT_EQ(sql(url, "SELECT count(*) FROM items"), "1000");
  EXPECT_EQ(sql(url, "SELECT count(*) FROM pgbench_branches"), "1");

  // New snapshots appeared; old unused ones were pruned down to keep = 1.
  std::vector<int64_t> ids;
  for (const auto& s : daemon_->get("/v1/templates/shop/snapshots").json())
    ids.push_back(s.value("id", int64_t{0}));
  std::sort(ids.begin(), ids.end());
  ASSERT_FALSE(ids.empty());
  EXPECT_GT(ids.back(), used) << "no new snapshot";
  EXPECT_NE(std::find(ids.begin(), ids.end(), used), ids.end()) << "the clone's snapshot went";
  EXPECT_EQ(ids.size(), 3u) << "the clone's, the newest and one kept: "
                            << daemon_->get("/v1/templates/shop/snapshots").body;
  std::vector<int64_t> pruned;
  for (const auto& j : refreshes("succeeded")) {
    for (const auto& id : j["result"].value("pruned", json::array()))
      pruned.push_back(id.get<int64_t>());
  }
  EXPECT_FALSE(pruned.empty()) << "no refresh pruned anything";
  for (int64_t id : pruned) EXPECT_EQ(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
  EXPECT_EQ(volumes(), template_snapshots() + 1);
  destroy_all_and_check_nothing_left();
}

}  // namespace
}  // namespace dbtwin::test
