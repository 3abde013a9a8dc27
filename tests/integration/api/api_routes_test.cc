// The /v1 API, /healthz, /metrics and /ui over real HTTP against a real `dbtwin serve` on a
// loop-mounted XFS (reflink) pool with real PostgreSQL: every route answers with the documented
// status and JSON fields, and what it reports is what the databases really are.
//
// One daemon and one template ("shop", made through the API from a dump) serve every test of
// the suite when they run in one process; each test leaves no clone behind.
#include <gtest/gtest.h>

#include <thread>

#include "api_world.h"
#include "base/strings.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::HttpResult;
using test::sql;
using test::url_of;
using namespace test::api;

constexpr int kRows = 100;

class ApiRoutes : public ::testing::Test {
 protected:
  // Made by the first test that runs, not in SetUpTestSuite: gtest turns a failure there into
  // skipped tests, and ctest would report a broken daemon as a skip.
  static void TearDownTestSuite() { world_.reset(); }
  void SetUp() override {
    if (!tried_) {
      tried_ = true;
      world_ = ApiWorld::make("xfs", &why_);
      if (world_) {
        created_ = world_->make_template("shop", "postgres", kRows, &accepted_, &job_);
        if (!created_.is_object()) world_.reset();
      }
    }
    if (!world_ && !why_.empty()) GTEST_SKIP() << why_;
    ASSERT_TRUE(world_) << "the daemon or the template did not come up";
  }
  void TearDown() override {
    if (world_) {
      world_->wait_jobs();
      world_->destroy_clones();
    }
  }
  const test::Daemon& d() const { return world_->daemon(); }
  std::string metrics() const {
    auto r = d().get("/metrics");
    EXPECT_EQ(r.status, 200);
    return r.body;
  }

  static bool tried_;
  static std::unique_ptr<ApiWorld> world_;
  static std::string why_;
  static json created_;         // GET /v1/templates/shop after the import
  static HttpResult accepted_;  // the 202 of POST /v1/templates
  static json job_;             // its job, finished
};
bool ApiRoutes::tried_ = false;
std::unique_ptr<ApiWorld> ApiRoutes::world_;
std::string ApiRoutes::why_;
json ApiRoutes::created_;
HttpResult ApiRoutes::accepted_;
json ApiRoutes::job_;

int64_t now() {
  return static_cast<int64_t>(::time(nullptr));
}

TEST_F(ApiRoutes, HealthPoolEventsUiAndMetrics) {
  auto health = d().get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json()["status"], "ok");
  EXPECT_FALSE(health.json().value("version", "").empty()) << health.body;

  auto pool = d().get("/v1/pool");
  ASSERT_EQ(pool.status, 200) << pool.body;
  auto p = pool.json();
  expect_fields(p, kPoolFields, "pool");
  EXPECT_EQ(p["driver"], "reflink");
  EXPECT_EQ(p["root"], world_->world().pool_root().string());
  EXPECT_GT(p["total_bytes"].get<uint64_t>(), 0u);
  EXPECT_GT(p["available_bytes"].get<uint64_t>(), 0u);
  EXPECT_LE(p["available_bytes"].get<uint64_t>(), p["total_bytes"].get<uint64_t>());
  EXPECT_GE(p["volumes"].get<int>(), 1);

  // The template's import shows among the events, each with a time, a kind and a message.
  auto events = d().get("/v1/events");
  ASSERT_EQ(events.status, 200) << events.body;
  bool seen = false;
  for (const auto& e : events.json()) {
    expect_fields(e, {"time", "kind", "message"}, "event");
    auto msg = e.value("message", "");
    seen = seen || (msg.find("template.create") != std::string::npos &&
                    msg.find("succeeded") != std::string::npos);
  }
  EXPECT_TRUE(seen) << events.body;

  auto page = d().get("/ui/");
  EXPECT_EQ(page.status, 200);
  EXPECT_TRUE(starts_with(page.headers["Content-Type"], "text/html"))
      << page.headers["Content-Type"];
  EXPECT_NE(page.body.find("<html"), std::string::npos);
  auto redirect = d().get("/ui");
  EXPECT_EQ(redirect.status, 302);
  EXPECT_EQ(redirect.headers["Location"], "/ui/");

  auto m = d().get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_TRUE(starts_with(m.headers["Content-Type"], "text/plain")) << m.headers["Content-Type"];
  EXPECT_NE(m.body.find("# TYPE dbtwin_clones gauge"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("# TYPE dbtwin_clone_create_seconds histogram"), std::string::npos);
  EXPECT_GT(metric(m.body, "dbtwin_pool_bytes{kind=\"total\"}").value_or(0), 0) << m.body;
  EXPECT_GT(metric(m.body, "dbtwin_pool_bytes{kind=\"free\"}").value_or(0), 0) << m.body;
  EXPECT_TRUE(metric(m.body, "dbtwin_pool_bytes{kind=\"used\"}")) << m.body;
  EXPECT_EQ(metric(m.body, "dbtwin_clone_restarts_total"), 0.0) << m.body;
  EXPECT_EQ(metric(m.body, "dbtwin_template_snapshots{template=\"shop\"}"),
            static_cast<double>(created_["snapshots"].size()));
}

TEST_F(ApiRoutes, TemplateFromADumpIsAJobAndShowsEverywhere) {
  // POST /v1/templates answered 202 at once with the job and where to poll it.
  EXPECT_EQ(accepted_.status, 202);
  auto a = accepted_.json();
  expect_fields(a, kJobFields, "accepted job");
  EXPECT_EQ(a["kind"], "template.create");
  EXPECT_EQ(a["target"], "shop");
  EXPECT_EQ(accepted_.headers["Location"], "/v1/jobs/" + std::to_string(a["id"].get<int64_t>()));
  // The job ended well, with the template as its result.
  expect_fields(job_, kJobFields, "job");
  EXPECT_EQ(job_["state"], "succeeded");
  EXPECT_TRUE(job_["error"].is_null());
  EXPECT_FALSE(job_["finished_at"].is_null());
  ASSERT_TRUE(job_["result"].is_object()) << job_;
  ASSERT_EQ(job_["result"]["templates"].size(), 1u) << job_;
  EXPECT_EQ(job_["result"]["templates"][0]["name"], "shop");

  auto jobs = d().get("/v1/jobs");
  ASSERT_EQ(jobs.status, 200);
  ASSERT_FALSE(jobs.json().empty());
  int64_t last = INT64_MAX;
  bool listed = false;
  for (const auto& j : jobs.json()) {
    expect_fields(j, kJobFields, "listed job");
    EXPECT_LT(j["id"].get<int64_t>(), last) << "newest first: " << jobs.body;
    last = j["id"].get<int64_t>();
    listed = listed || j["id"] == a["id"];
  }
  EXPECT_TRUE(listed) << jobs.body;

  auto list = d().get("/v1/templates");
  ASSERT_EQ(list.status, 200);
  bool found = false;
  for (const auto& t : list.json()) {
    expect_fields(t, kTemplateFields, "listed template");
    found = found || t["name"] == "shop";
  }
  EXPECT_TRUE(found) << list.body;

  auto shown = d().get("/v1/templates/shop");
  ASSERT_EQ(shown.status, 200);
  auto t = shown.json();
  expect_fields(t, kTemplateFields, "template");
  EXPECT_EQ(t["engine"], "postgres");
  EXPECT_EQ(t["state"], "ready");
  EXPECT_EQ(t["source_kind"], "dump");
  EXPECT_GE(t["snapshots"].size(), 1u);

  auto snaps = d().get("/v1/templates/shop/snapshots");
  ASSERT_EQ(snaps.status, 200);
  ASSERT_EQ(snaps.json().size(), t["snapshots"].size());
  for (const auto& s : snaps.json()) {
    expect_fields(s, kSnapshotFields, "snapshot");
    EXPECT_EQ(s["template"], "shop");
    EXPECT_EQ(s["state"], "ready");
  }
  EXPECT_EQ(snaps.json()[0]["id"], t["snapshots"][0]["id"]);
}

TEST_F(ApiRoutes, ScheduleIsSetAndCleared) {
  auto set = d().request("PUT", "/v1/templates/shop/schedule",
                         json{{"schedule", "0 3 * * *"}, {"keep", 2}}.dump());
  ASSERT_EQ(set.status, 200) << set.body;
  expect_fields(set.json(), kTemplateFields, "scheduled template");
  EXPECT_EQ(set.json()["schedule"], "0 3 * * *");
  EXPECT_EQ(set.json()["keep_snapshots"], 2);
  EXPECT_EQ(d().get("/v1/templates/shop").json()["schedule"], "0 3 * * *");

  expect_error(d().request("PUT", "/v1/templates/shop/schedule", R"({"schedule":"61 * * * *"})"),
               400, "invalid_argument", "a bad minute");
  expect_error(
      d().request("PUT", "/v1/templates/shop/schedule", R"({"schedule":"0 3 * * *","keep":-1})"),
      400, "invalid_argument", "a negative keep");
  expect_error(d().request("PUT", "/v1/templates/shop/schedule", R"({"keep":1})"), 400,
               "invalid_argument", "no schedule");
  EXPECT_EQ(d().get("/v1/templates/shop").json()["schedule"], "0 3 * * *") << "unchanged";

  auto cleared = d().request("PUT", "/v1/templates/shop/schedule", R"({"schedule":""})");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(cleared.json()["schedule"], "");
}

TEST_F(ApiRoutes, CloneLifecycle) {
  auto c = world_->make_clone(
      {{"template", "shop"}, {"name", "dev1"}, {"ttl", "1h"}, {"owner", "alice"}});
  ASSERT_TRUE(c.is_object());
  expect_fields(c, kCloneFields, "created clone");
  EXPECT_EQ(c["name"], "dev1");
  EXPECT_EQ(c["template"], "shop");
  EXPECT_EQ(c["engine"], "postgres");
  EXPECT_EQ(c["state"], "running");
  EXPECT_EQ(c["owner"], "alice");
  EXPECT_EQ(c["protected"], false);
  EXPECT_NEAR(c["expires_unix"].get<double>(), now() + 3600, 60);
  EXPECT_GT(c.value("seconds", 0.0), 0.0) << c;
  EXPECT_EQ(c["snapshot"], created_["snapshots"][0]["id"]);
  const std::string url = url_of(c);
  // 201 came once the clone accepted its own login.
  const std::string rows = sql(url, "SELECT COUNT(*) FROM items");
  EXPECT_EQ(rows, std::to_string(kRows));

  auto shown = d().get("/v1/clones/dev1");
  ASSERT_EQ(shown.status, 200);
  expect_fields(shown.json(), kCloneFields, "shown clone");
  EXPECT_EQ(shown.json()["port"], c["port"]);
  EXPECT_EQ(shown.json()["url"], url);
  EXPECT_TRUE(shown.json()["used_bytes"].is_number()) << shown.body;

  auto listed = d().get("/v1/clones");
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.json().size(), 1u) << listed.body;
  expect_fields(listed.json()[0], kCloneFields, "listed clone");
  EXPECT_EQ(d().get("/v1/clones?template=shop").json().size(), 1u);
  EXPECT_TRUE(d().get("/v1/clones?template=other").json().empty());

  // reset: the clone's writes are gone, same port and login.
  EXPECT_EQ(sql(url, "DELETE FROM items WHERE id <= 10"), "");
  EXPECT_EQ(sql(url, "SELECT COUNT(*) FROM items"), std::to_string(kRows - 10));
  auto reset = d().post("/v1/clones/dev1/reset", json::object());
  ASSERT_EQ(reset.status, 200) << reset.body;
  expect_fields(reset.json(), kCloneFields, "reset clone");
  EXPECT_EQ(reset.json()["state"], "running");
  EXPECT_EQ(reset.json()["port"], c["port"]);
  EXPECT_EQ(sql(url, "SELECT COUNT(*) FROM items"), rows);

  auto stopped = d().post("/v1/clones/dev1/stop", json::object());
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_EQ(stopped.json()["state"], "stopped");
  EXPECT_TRUE(starts_with(sql(url, "SELECT 1"), "ERROR"));
  auto started = d().post("/v1/clones/dev1/start", json::object());
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(started.json()["state"], "running");
  EXPECT_EQ(sql(url, "SELECT COUNT(*) FROM items"), rows);

  auto prot = d().post("/v1/clones/dev1/protect", json::object());
  ASSERT_EQ(prot.status, 200) << prot.body;
  EXPECT_EQ(prot.json()["protected"], true);
  expect_error(d().del("/v1/clones/dev1"), 409, "conflict", "destroying a protected clone");
  EXPECT_EQ(d().get("/v1/clones/dev1").status, 200);
  auto unprot = d().post("/v1/clones/dev1/unprotect", json::object());
  ASSERT_EQ(unprot.status, 200) << unprot.body;
  EXPECT_EQ(unprot.json()["protected"], false);

  auto ext = d().post("/v1/clones/dev1/extend", {{"ttl", "8h"}});
  ASSERT_EQ(ext.status, 200) << ext.body;
  EXPECT_NEAR(ext.json()["expires_unix"].get<double>(), now() + 8 * 3600, 60);
  auto ext2 = d().post("/v1/clones/dev1/extend", {{"ttl", 7200}});
  ASSERT_EQ(ext2.status, 200) << ext2.body;
  EXPECT_NEAR(ext2.json()["expires_unix"].get<double>(), now() + 7200, 60);

  // A clone without a name gets one made from its template's.
  auto named = world_->make_clone({{"template", "shop"}});
  ASSERT_TRUE(named.is_object());
  EXPECT_TRUE(starts_with(named["name"].get<std::string>(), "shop-")) << named;
  EXPECT_EQ(named["owner"], "api");
  EXPECT_EQ(named["expires_unix"], 0);

  auto m = metrics();
  EXPECT_EQ(metric(m, "dbtwin_clones{template=\"shop\",state=\"running\"}"), 2.0) << m;
  EXPECT_GE(metric(m, "dbtwin_clone_create_seconds_count").value_or(0), 2.0) << m;
  EXPECT_GE(metric(m, "dbtwin_clone_create_seconds_bucket{le=\"+Inf\"}").value_or(0), 2.0) << m;
  EXPECT_NE(m.find("dbtwin_clone_create_seconds_bucket{le=\""), std::string::npos);
  EXPECT_TRUE(metric(m, "dbtwin_clone_restarts_total")) << m;

  auto gone = d().del("/v1/clones/dev1");
  EXPECT_EQ(gone.status, 204) << gone.body;
  EXPECT_TRUE(gone.body.empty());
  expect_error(d().get("/v1/clones/dev1"), 404, "not_found", "a destroyed clone");
  EXPECT_TRUE(starts_with(sql(url, "SELECT 1"), "ERROR"));
  EXPECT_EQ(d().del("/v1/clones/" + named["name"].get<std::string>()).status, 204);
  EXPECT_TRUE(d().get("/v1/clones").json().empty());
}

TEST_F(ApiRoutes, CloneWithoutWaitingIsAcceptedThenRuns) {
  auto r = d().request("POST", "/v1/clones?wait=false", R"({"template":"shop","name":"later"})");
  ASSERT_EQ(r.status, 202) << r.body;
  auto a = r.json();
  EXPECT_EQ(a["name"], "later");
  EXPECT_EQ(a["template"], "shop");
  EXPECT_EQ(a["state"], "creating");
  ASSERT_TRUE(a["job"].is_number_integer()) << r.body;
  EXPECT_EQ(r.headers["Location"], "/v1/clones/later");

  // The clone becomes running and accepts its login; its job reports it.
  json shown;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    auto s = d().get("/v1/clones/later");
    if (s.status == 200) {
      shown = s.json();
      if (shown["state"] != "creating") break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(shown.value("state", ""), "running") << shown;
  EXPECT_EQ(sql(url_of(shown), "SELECT COUNT(*) FROM items"), std::to_string(kRows));
  auto job = d().wait_job(a["job"].get<int64_t>());
  EXPECT_EQ(job["kind"], "clone.create");
  EXPECT_EQ(job["target"], "later");
  EXPECT_EQ(job["state"], "succeeded") << job;
  EXPECT_EQ(job["result"]["name"], "later") << job;
  EXPECT_EQ(d().del("/v1/clones/later").status, 204);
}

TEST_F(ApiRoutes, RefreshMakesANewSnapshotAndClonesKeepTheirs) {
  auto before = d().get("/v1/templates/shop").json();
  const int64_t old_snap = before["snapshots"][0]["id"].get<int64_t>();
  auto keep = world_->make_clone({{"template", "shop"}, {"name", "keep"}});
  ASSERT_TRUE(keep.is_object());
  const std::string keep_url = url_of(keep);
  const std::string rows = sql(keep_url, "SELECT COUNT(*) FROM items");
  test::HeldConnection held(keep_url);
  ASSERT_TRUE(held.ok()) << held.error();
  const std::string server = test::server_identity(keep_url);

  // The source changes; a refresh re-imports it in a job.
  world_->write_dump("shop", kRows + 50);
  auto r = d().post("/v1/templates/shop/refresh", json::object());
  ASSERT_EQ(r.status, 202) << r.body;
  auto a = r.json();
  expect_fields(a, kJobFields, "refresh job");
  EXPECT_EQ(a["kind"], "template.refresh");
  EXPECT_EQ(a["target"], "shop");
  EXPECT_EQ(r.headers["Location"], "/v1/jobs/" + std::to_string(a["id"].get<int64_t>()));
  // A second refresh while the first runs is a conflict.
  expect_error(d().post("/v1/templates/shop/refresh", json::object()), 409, "conflict",
               "a refresh while one runs");
  // Meanwhile the template serves its older snapshot: creation still works.
  auto during = world_->make_clone({{"template", "shop"}, {"name", "during"}});
  EXPECT_TRUE(during.is_object());

  auto job = d().wait_job(a["id"].get<int64_t>());
  ASSERT_EQ(job["state"], "succeeded") << job;
  auto t = job["result"]["template"];
  ASSERT_TRUE(t.is_object()) << job;
  ASSERT_GE(t["snapshots"].size(), 2u) << job;
  const int64_t new_snap = t["snapshots"][0]["id"].get<int64_t>();
  EXPECT_GT(new_snap, old_snap);
  EXPECT_TRUE(job["result"]["pruned"].is_array()) << job;

  // The running clone kept its snapshot, its server and its connection.
  EXPECT_EQ(held.scalar("SELECT COUNT(*) FROM items"), rows);
  EXPECT_EQ(test::server_identity(keep_url), server);
  auto shown = d().get("/v1/clones/keep").json();
  EXPECT_EQ(shown["snapshot"], old_snap);
  EXPECT_EQ(shown["state"], "running");

  // The new snapshot is listed first and new clones get it.
  auto snaps = d().get("/v1/templates/shop/snapshots").json();
  ASSERT_GE(snaps.size(), 2u);
  EXPECT_EQ(snaps[0]["id"], new_snap);
  EXPECT_EQ(snaps[0]["origin"], "refresh");
  auto fresh = world_->make_clone({{"template", "shop"}, {"name", "fresh"}});
  ASSERT_TRUE(fresh.is_object());
  EXPECT_EQ(fresh["snapshot"], new_snap);
  EXPECT_EQ(sql(url_of(fresh), "SELECT COUNT(*) FROM items"), std::to_string(kRows + 50));
  // An older snapshot is still there to ask for.
  auto old = world_->make_clone({{"template", "shop"}, {"name", "old"}, {"snapshot", old_snap}});
  ASSERT_TRUE(old.is_object());
  EXPECT_EQ(old["snapshot"], old_snap);

  auto m = metrics();
  EXPECT_EQ(metric(m, "dbtwin_refresh_total{template=\"shop\",result=\"ok\"}"), 1.0) << m;
  EXPECT_EQ(metric(m, "dbtwin_refresh_total{template=\"shop\",result=\"failed\"}"), 0.0) << m;
  EXPECT_EQ(metric(m, "dbtwin_refresh_seconds_count{template=\"shop\"}"), 1.0) << m;
  EXPECT_GT(metric(m, "dbtwin_refresh_last_seconds{template=\"shop\"}").value_or(0), 0.0) << m;
  bool event = false;
  for (const auto& e : d().get("/v1/events").json())
    event = event || e.value("message", "").find("template shop refreshed") != std::string::npos;
  EXPECT_TRUE(event);
}

TEST_F(ApiRoutes, TemplatesFromEverySource) {
  // empty: a new server with an empty database.
  auto empty =
      d().post("/v1/templates",
               {{"name", "blank"}, {"engine", "postgres"}, {"source", {{"kind", "empty"}}}});
  ASSERT_EQ(empty.status, 202) << empty.body;
  auto job = d().wait_job(empty.json()["id"].get<int64_t>());
  EXPECT_EQ(job["state"], "succeeded") << job;
  EXPECT_EQ(d().get("/v1/templates/blank").json()["source_kind"], "empty");

  // url: a copy of a live database (here a clone's).
  auto src = world_->make_clone({{"template", "shop"}, {"name", "src"}});
  ASSERT_TRUE(src.is_object());
  EXPECT_EQ(sql(url_of(src), "CREATE TABLE marker (v INT); INSERT INTO marker VALUES (42)"), "");
  auto from_url = d().post("/v1/templates", {{"name", "fromurl"},
                                             {"engine", "postgres"},
                                             {"source", {{"kind", "url"}, {"url", url_of(src)}}}});
  ASSERT_EQ(from_url.status, 202) << from_url.body;
  job = d().wait_job(from_url.json()["id"].get<int64_t>());
  EXPECT_EQ(job["state"], "succeeded") << job;

  // clone: the clone's current state becomes a template.
  auto from_clone = d().post(
      "/v1/templates", {{"name", "frozen"}, {"source", {{"kind", "clone"}, {"clone", "src"}}}});
  ASSERT_EQ(from_clone.status, 202) << from_clone.body;
  job = d().wait_job(from_clone.json()["id"].get<int64_t>());
  EXPECT_EQ(job["state"], "succeeded") << job;

  // dump, a folder: one template per <name>.sql file.
  fs::path folder = world_->world().scratch() / "dumps";
  fs::create_directories(folder);
  test::write_text(folder / "alpha.sql", test::items_sql(3));
  test::write_text(folder / "beta.sql", test::items_sql(4));
  auto from_folder = d().post(
      "/v1/templates",
      {{"engine", "postgres"}, {"source", {{"kind", "dump"}, {"dumps", {folder.string()}}}}});
  ASSERT_EQ(from_folder.status, 202) << from_folder.body;
  job = d().wait_job(from_folder.json()["id"].get<int64_t>());
  EXPECT_EQ(job["state"], "succeeded") << job;
  EXPECT_EQ(job["result"]["templates"].size(), 2u) << job;

  // Every new template serves clones with its content.
  for (const auto& [tmpl, query, want] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"blank", "SELECT 7", "7"},
           {"fromurl", "SELECT v FROM marker", "42"},
           {"frozen", "SELECT v FROM marker", "42"},
           {"alpha", "SELECT COUNT(*) FROM items", "3"},
           {"beta", "SELECT COUNT(*) FROM items", "4"}}) {
    auto c = world_->make_clone({{"template", tmpl}, {"name", "of-" + tmpl}});
    ASSERT_TRUE(c.is_object()) << tmpl;
    EXPECT_EQ(sql(url_of(c), query), want) << tmpl;
  }
  world_->destroy_clones();
  for (const auto* tmpl : {"blank", "fromurl", "frozen", "alpha", "beta"}) {
    auto del = d().del(std::string("/v1/templates/") + tmpl);
    EXPECT_EQ(del.status, 204) << tmpl << ": " << del.body;
  }
  auto left = d().get("/v1/templates").json();
  ASSERT_EQ(left.size(), 1u) << left;
  EXPECT_EQ(left[0]["name"], "shop");
}

}  // namespace
}  // namespace dbtwin
