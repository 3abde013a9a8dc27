// The daemon's own death: kill -9 in the middle of a clone creation and of a refresh, and a
// plain SIGTERM. The restarted daemon reconciles and says so (GET /v1/events), fails the job it
// was running, leaves no half-made clone, snapshot or server, adopts the clones that were
// running without restarting them, and serves new requests.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "base/strings.h"
#include "daemon_fixture.h"

namespace dbtwin::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class DaemonCrash : public DaemonTest {
 protected:
  // Servers under the pool right now (clone servers, initdb and import servers).
  size_t pool_processes() const {
    return processes_mentioning(world_->pool_root().string()).size();
  }

  // The clones the daemon shows; none may be stuck half-made.
  void expect_no_transitional_clone() const {
    auto r = daemon_->get("/v1/clones");
    ASSERT_EQ(r.status, 200) << r.body;
    for (const auto& c : r.json()) {
      std::string state = c.value("state", "");
      EXPECT_TRUE(state == "running" || state == "stopped") << c.dump();
    }
  }

  // `name` still runs the very server it ran before (`identity`), never restarted.
  void expect_untouched(const std::string& name, const std::string& url,
                        const std::string& identity) const {
    json c = show(name);
    ASSERT_TRUE(c.is_object()) << name << " is gone";
    EXPECT_EQ(c.value("state", ""), "running") << c.dump();
    EXPECT_EQ(c.value("restarts", -1), 0) << c.dump();
    EXPECT_EQ(server_identity(url), identity) << name << "'s server was restarted";
  }
};

TEST_F(DaemonCrash, KillNineDuringCloneCreateIsReconciledOnRestart) {
  ASSERT_TRUE(world_->items_template("shop", "postgres", 100).is_object());
  ASSERT_TRUE(start({"DBTWIN_LIFECYCLE_INTERVAL=1s"}));
  json keep = create({{"template", "shop"}, {"name", "keep"}});
  ASSERT_TRUE(keep.is_object());
  const std::string keep_url = url_of(keep);
  const std::string keep_identity = server_identity(keep_url);

  // Two kill points: as soon as the clone's row exists, and once its server process runs (it
  // is then starting, or waiting for the clone's login).
  for (const std::string point : {"row", "server"}) {
    const std::string name = "half-" + point;
    SCOPED_TRACE("kill point: " + point);
    bool landed = false;
    for (int attempt = 1; attempt <= 5 && !landed; ++attempt) {
      const size_t before = pool_processes();
      std::atomic<bool> answered{false};
      HttpResult answer;
      std::thread client([&] {
        answer = daemon_->post("/v1/clones", {{"template", "shop"}, {"name", name}});
        answered = true;
      });
      auto reached = [&] {
        if (point == "row") {
          auto r = daemon_->get("/v1/clones/" + name);
          return r.status == 200 && r.json().value("state", "") == "creating";
        }
        return pool_processes() > before;
      };
      ASSERT_TRUE(eventually([&] { return answered || reached(); }, 60s, 2ms));
      bool in_time = !answered;
      daemon_->kill9();
      client.join();
      ASSERT_TRUE(restart());
      expect_no_transitional_clone();
      json c = show(name);
      if (c.is_object()) {
        // The creation finished before the kill: a whole clone; try again.
        EXPECT_EQ(c.value("state", ""), "running") << c.dump();
        EXPECT_EQ(sql(url_of(c), "SELECT count(*) FROM items"), "100");
        EXPECT_EQ(daemon_->del("/v1/clones/" + name).status, 204);
        continue;
      }
      EXPECT_TRUE(in_time) << "a clone that was answered 201 is gone: " << answer.body;
      landed = true;
      EXPECT_EQ(answer.status, 0) << "the client got an answer from a killed daemon";
      EXPECT_TRUE(has_event("reconcile", {"'" + name + "'"})) << events().dump(1);
    }
    EXPECT_TRUE(landed) << "no kill landed while the clone was being created";
    expect_untouched("keep", keep_url, keep_identity);
    EXPECT_EQ(pool_processes(), 1u) << "only keep's server may run";
    EXPECT_EQ(volumes(), template_snapshots() + 1);

    // The name is free again and the clone it makes is whole.
    json again = create({{"template", "shop"}, {"name", name}});
    ASSERT_TRUE(again.is_object());
    EXPECT_EQ(sql(url_of(again), "SELECT count(*) FROM items"), "100");
    EXPECT_EQ(daemon_->del("/v1/clones/" + name).status, 204);
  }
  destroy_all_and_check_nothing_left();
}

TEST_F(DaemonCrash, KillNineDuringRefreshFailsTheJobAndLeavesClonesRunning) {
  const int rows = 100000;  // an import long enough to be killed in
  ASSERT_TRUE(world_->items_template("shop", "postgres", rows).is_object());
  ASSERT_TRUE(start({"DBTWIN_LIFECYCLE_INTERVAL=1s"}));
  json keep = create({{"template", "shop"}, {"name", "keep"}});
  ASSERT_TRUE(keep.is_object());
  const std::string keep_url = url_of(keep);
  const std::string keep_identity = server_identity(keep_url);
  auto ready_snapshots = [&] {
    auto r = daemon_->get("/v1/templates/shop/snapshots");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<int64_t> ids;
    for (const auto& s : r.json()) {
      EXPECT_EQ(s.value("state", ""), "ready") << s.dump();
      ids.push_back(s.value("id", int64_t{0}));
    }
    return ids;
  };
  const auto snapshots = ready_snapshots();

  bool landed = false;
  int64_t killed_job = 0;
  for (int attempt = 1; attempt <= 3 && !landed; ++attempt) {
    const size_t before = pool_processes();
    auto started = daemon_->post("/v1/templates/shop/refresh", json::object());
    ASSERT_EQ(started.status, 202) << started.body;
    const int64_t id = started.json().value("id", int64_t{0});
    // The refresh's own processes (initdb, then the import server) show it is under way.
    ASSERT_TRUE(eventually(
        [&] {
          return pool_processes() > before ||
                 daemon_->get(fmt::format("/v1/jobs/{}", id)).json().value("state", "") !=
                     "running";
        },
        60s, 5ms));
    std::this_thread::sleep_for(200ms);
    landed = daemon_->get(fmt::format("/v1/jobs/{}", id)).json().value("state", "") == "running";
    if (!landed) continue;  // it finished first: a faster machine than expected; again
    killed_job = id;
    daemon_->kill9();
  }
  ASSERT_TRUE(landed) << "no kill landed while a refresh ran";
  ASSERT_TRUE(restart());

  auto job = daemon_->get(fmt::format("/v1/jobs/{}", killed_job));
  ASSERT_EQ(job.status, 200) << job.body;
  EXPECT_EQ(job.json().value("state", ""), "failed") << job.body;
  EXPECT_NE(job.body.find("daemon stopped"), std::string::npos) << job.body;
  EXPECT_TRUE(has_event("reconcile", {fmt::format("job {}", killed_job)})) << events().dump(1);
  // The template is as it was: ready, its snapshots whole, the half-made one gone.
  auto t = daemon_->get("/v1/templates/shop");
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json().value("state", ""), "ready") << t.body;
  auto after = ready_snapshots();
  EXPECT_GE(after.size(), snapshots.size());
  for (int64_t s : snapshots) EXPECT_NE(std::find(after.begin(), after.end(), s), after.end());
  EXPECT_EQ(volumes(), template_snapshots() + 1);
  expect_untouched("keep", keep_url, keep_identity);
  EXPECT_EQ(pool_processes(), 1u) << "the killed refresh's import server is still running";
  expect_no_transitional_clone();

  // Everything works again: a refresh, and a clone of its new snapshot.
  auto refresh = daemon_->post("/v1/templates/shop/refresh", json::object());
  ASSERT_EQ(refresh.status, 202) << refresh.body;
  EXPECT_EQ(daemon_->wait_job(refresh.json().value("id", int64_t{0}))["state"], "succeeded");
  json fresh = create({{"template", "shop"}, {"name", "fresh"}});
  ASSERT_TRUE(fresh.is_object());
  EXPECT_EQ(sql(url_of(fresh), "SELECT count(*) FROM items"), std::to_string(rows));
  expect_untouched("keep", keep_url, keep_identity);
  destroy_all_and_check_nothing_left();
}

TEST_F(DaemonCrash, SigtermLeavesClonesRunningAndARestartedDaemonAdoptsThem) {
  ASSERT_TRUE(world_->items_template("shop", "postgres", 100).is_object());
  ASSERT_TRUE(world_->items_template("mshop", "mariadb", 100).is_object());
  ASSERT_TRUE(start({"DBTWIN_LIFECYCLE_INTERVAL=1s"}));
  json pg = create({{"template", "shop"}, {"name", "pg"}});
  json my = create({{"template", "mshop"}, {"name", "my"}});
  ASSERT_TRUE(pg.is_object() && my.is_object());
  const std::string pg_identity = server_identity(url_of(pg));
  const std::string my_identity = server_identity(url_of(my));

  EXPECT_EQ(daemon_->stop(), 0) << daemon_->log();
  EXPECT_NE(daemon_->log().find("clone servers keep running"), std::string::npos);
  // Without any daemon, the clones serve on.
  EXPECT_EQ(server_identity(url_of(pg)), pg_identity);
  EXPECT_EQ(server_identity(url_of(my)), my_identity);
  EXPECT_EQ(sql(url_of(my), "SELECT count(*) FROM items"), "100");

  ASSERT_TRUE(restart());
  expect_untouched("pg", url_of(pg), pg_identity);
  expect_untouched("my", url_of(my), my_identity);
  // A few supervisor passes later, still the same servers: adopted, not restarted.
  std::this_thread::sleep_for(3500ms);
  expect_untouched("pg", url_of(pg), pg_identity);
  expect_untouched("my", url_of(my), my_identity);
  EXPECT_FALSE(has_event("supervisor", {})) << events().dump(1);
  EXPECT_EQ(sql(url_of(pg), "SELECT count(*) FROM items"), "100");
  destroy_all_and_check_nothing_left();
}

}  // namespace
}  // namespace dbtwin::test
