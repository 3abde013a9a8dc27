// Every error status of the API over real HTTP against a real daemon on a loop-mounted XFS pool
// with real PostgreSQL: 400 for bad input (bad JSON, missing fields, hostile names in paths and
// bodies, bad durations), 404 for what does not exist (and unknown routes), 409 for conflicts,
// 503 over a quota. Each answer is a JSON error, and a refused request changes nothing.
#include <gtest/gtest.h>

#include "api_world.h"
#include "base/strings.h"
#include "integration/cli/failure_support.h"
#include "os/net.h"
#include "support/pools.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::HttpResult;
using test::url_of;
using namespace test::api;

class ApiErrors : public ::testing::Test {
 protected:
  // Made by the first test that runs (a failure in SetUpTestSuite would show as skips).
  static void TearDownTestSuite() { world_.reset(); }
  void SetUp() override {
    if (!tried_) {
      tried_ = true;
      world_ = ApiWorld::make("xfs", &why_);
      if (world_ && !world_->make_template("shop", "postgres", 20).is_object()) world_.reset();
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

  // What a refused request must leave as it was.
  struct Snapshot {
    json clones, templates;
    size_t jobs = 0;
    int volumes = 0;
  };
  Snapshot state() const {
    Snapshot s;
    s.clones = d().get("/v1/clones").json();
    s.templates = d().get("/v1/templates").json();
    s.jobs = d().get("/v1/jobs").json().size();
    s.volumes = d().get("/v1/pool").json().value("volumes", -1);
    return s;
  }
  void expect_unchanged(const Snapshot& before) const {
    auto after = state();
    EXPECT_EQ(after.clones, before.clones);
    EXPECT_EQ(after.templates.size(), before.templates.size()) << after.templates;
    EXPECT_EQ(after.jobs, before.jobs) << "a refused request started a job";
    EXPECT_EQ(after.volumes, before.volumes);
  }

  static bool tried_;
  static std::unique_ptr<ApiWorld> world_;
  static std::string why_;
};
bool ApiErrors::tried_ = false;
std::unique_ptr<ApiWorld> ApiErrors::world_;
std::string ApiErrors::why_;

const std::string kSemicolon = url_encode("a;rm -rf");  // a%3Brm%20-rf
const std::string kDotDot = url_encode("../x");         // ..%2Fx

TEST_F(ApiErrors, BadInputIs400AndChangesNothing) {
  auto c = world_->make_clone({{"template", "shop"}, {"name", "base"}});
  ASSERT_TRUE(c.is_object());
  const auto before = state();
  auto bad = [&](const std::string& method, const std::string& path, const std::string& body) {
    expect_error(d().request(method, path, body), 400, "invalid_argument",
                 method + " " + path + " " + body);
  };

  // Bodies that are not a JSON object.
  bad("POST", "/v1/clones", "{not json");
  bad("POST", "/v1/clones", "[1,2]");
  bad("POST", "/v1/clones", "\"shop\"");
  bad("POST", "/v1/templates", "{\"name\":");
  bad("PUT", "/v1/templates/shop/schedule", "nonsense");
  bad("POST", "/v1/clones/base/extend", "{]");

  // Missing or mistyped fields.
  bad("POST", "/v1/clones", "{}");
  bad("POST", "/v1/clones", R"({"name":"x"})");
  bad("POST", "/v1/clones", R"({"template":42})");
  bad("POST", "/v1/clones", R"({"template":"shop","snapshot":"newest"})");
  bad("POST", "/v1/clones", R"({"template":"shop","password":7})");
  bad("POST", "/v1/templates", R"({"name":"t1","engine":"postgres"})");
  bad("POST", "/v1/templates", R"({"name":"t1","engine":"postgres","source":{}})");
  bad("POST", "/v1/templates", R"({"name":"t1","engine":"postgres","source":"dump"})");
  bad("POST", "/v1/templates", R"({"name":"t1","engine":"postgres","source":{"kind":"dump"}})");
  bad("POST", "/v1/templates",
      R"({"name":"t1","engine":"postgres","source":{"kind":"dump","dumps":["relative.sql"]}})");
  bad("POST", "/v1/templates", R"({"name":"t1","engine":"postgres","source":{"kind":"url"}})");
  bad("POST", "/v1/templates", R"({"name":"t1","engine":"oracle","source":{"kind":"empty"}})");
  bad("POST", "/v1/templates", R"({"name":"t1","source":{"kind":"empty"}})");
  bad("POST", "/v1/templates", R"({"name":"t1","engine":"postgres","source":{"kind":"tape"}})");
  bad("PUT", "/v1/templates/shop/schedule", "{}");
  bad("PUT", "/v1/templates/shop/schedule", R"({"schedule":"every day"})");
  bad("POST", "/v1/clones/base/extend", "{}");

  // Bad durations.
  for (const auto* ttl : {R"("forever")", R"("")", "-5", "0", "true", R"("5x")", "1.5"}) {
    bad("POST", "/v1/clones", std::string(R"({"template":"shop","name":"t2","ttl":)") + ttl + "}");
    bad("POST", "/v1/clones?wait=false",
        std::string(R"({"template":"shop","name":"t2","ttl":)") + ttl + "}");
    bad("POST", "/v1/clones/base/extend", std::string(R"({"ttl":)") + ttl + "}");
  }

  // Hostile names in bodies.
  for (const std::string& name : std::vector<std::string>{
           "../x", "a;rm -rf", "A", "-x", "x/y", "$(id)", "", "a b", std::string(64, 'a')}) {
    bad("POST", "/v1/clones", json{{"template", name}}.dump());
    bad("POST", "/v1/clones", json{{"template", "shop"}, {"name", name}}.dump());
    bad("POST", "/v1/clones?wait=false", json{{"template", "shop"}, {"name", name}}.dump());
    bad("POST", "/v1/clones", json{{"template", "shop"}, {"from_clone", name}}.dump());
    bad("POST", "/v1/clones", json{{"template", "shop"}, {"user", name}}.dump());
    bad("POST", "/v1/clones", json{{"template", "shop"}, {"exec", name}}.dump());
    bad("POST", "/v1/templates",
        json{{"name", name}, {"engine", "postgres"}, {"source", {{"kind", "empty"}}}}.dump());
    bad("POST", "/v1/templates",
        json{{"name", "t3"}, {"source", {{"kind", "clone"}, {"clone", name}}}}.dump());
  }

  // Hostile names in paths (URL-encoded): a%3Brm%20-rf, %2E%2E, A, and in a query.
  for (const std::string& seg :
       std::vector<std::string>{kSemicolon, "%2E%2E", "A", url_encode("$(id)")}) {
    bad("GET", "/v1/clones/" + seg, "");
    bad("DELETE", "/v1/clones/" + seg, "");
    for (const auto* verb : {"reset", "stop", "start", "protect", "unprotect"})
      bad("POST", "/v1/clones/" + seg + "/" + verb, "");
    bad("POST", "/v1/clones/" + seg + "/extend", R"({"ttl":"1h"})");
    bad("GET", "/v1/templates/" + seg, "");
    bad("DELETE", "/v1/templates/" + seg, "");
    bad("POST", "/v1/templates/" + seg + "/refresh", "");
    bad("GET", "/v1/templates/" + seg + "/snapshots", "");
    bad("PUT", "/v1/templates/" + seg + "/schedule", R"({"schedule":""})");
    bad("GET", "/v1/clones?template=" + seg, "");
    bad("POST", "/db/shop/" + seg, "");
  }
  bad("GET", "/v1/jobs/abc", "");
  expect_error(
      d().request("POST", "/db/shop/t4", "ttl=abc", "", "application/x-www-form-urlencoded"), 400,
      "invalid_argument", "a myaas ttl that is not a number");
  bad("POST", "/db/shop/t4", R"({"ttl":"soon"})");

  // An encoded slash splits the segment: no route matches, a 404 and nothing reaches a path.
  for (const auto& path : {"/v1/clones/" + kDotDot, "/v1/templates/" + kDotDot + "/snapshots",
                           "/v1/clones/" + kDotDot + "/reset"}) {
    auto method = path.find("reset") != std::string::npos ? "POST" : "GET";
    expect_error(d().request(method, path), 404, "not_found", path);
  }
  expect_unchanged(before);
  EXPECT_EQ(test::sql(url_of(c), "SELECT COUNT(*) FROM items"), "20");
}

TEST_F(ApiErrors, UnknownIs404) {
  const auto before = state();
  auto missing = [&](const std::string& method, const std::string& path,
                     const std::string& body = "") {
    expect_error(d().request(method, path, body), 404, "not_found", method + " " + path);
  };
  missing("GET", "/v1/clones/nope");
  missing("DELETE", "/v1/clones/nope");
  for (const auto* verb : {"reset", "stop", "start", "protect", "unprotect"})
    missing("POST", std::string("/v1/clones/nope/") + verb);
  missing("POST", "/v1/clones/nope/extend", R"({"ttl":"1h"})");
  missing("GET", "/v1/templates/nope");
  missing("DELETE", "/v1/templates/nope");
  missing("POST", "/v1/templates/nope/refresh");
  missing("GET", "/v1/templates/nope/snapshots");
  missing("PUT", "/v1/templates/nope/schedule", R"({"schedule":"0 3 * * *"})");
  missing("GET", "/v1/jobs/999999");
  missing("POST", "/v1/clones", R"({"template":"nope"})");
  missing("POST", "/v1/clones?wait=false", R"({"template":"nope","name":"x1"})");
  missing("POST", "/v1/clones", R"({"template":"shop","name":"x2","snapshot":999999})");
  missing("POST", "/v1/clones", R"({"template":"shop","name":"x3","from_clone":"nope"})");
  missing("POST", "/v1/clones", R"({"template":"shop","name":"x4","exec":"nohook"})");
  missing(
      "POST", "/v1/templates",
      R"({"name":"t1","engine":"postgres","source":{"kind":"dump","dumps":["/nonexistent/x.sql"]}})");
  // Unknown routes, and known paths with a method they do not take: a JSON error too.
  missing("GET", "/v2/clones");
  missing("GET", "/v1/nothing");
  missing("GET", "/v1/clones/nope/extra/segments");
  missing("DELETE", "/v1/jobs");
  missing("POST", "/healthz");
  missing("PUT", "/v1/clones");
  missing("GET", "/db/shop");
  expect_unchanged(before);
}

TEST_F(ApiErrors, ConflictsAre409) {
  auto c = world_->make_clone({{"template", "shop"}, {"name", "taken"}});
  ASSERT_TRUE(c.is_object());
  const auto before = state();
  expect_error(d().post("/v1/clones", {{"template", "shop"}, {"name", "taken"}}), 409,
               "already_exists", "a clone name taken");
  expect_error(
      d().request("POST", "/v1/clones?wait=false", R"({"template":"shop","name":"taken"})"), 409,
      "already_exists", "a clone name taken, not waiting");
  expect_error(
      d().post("/v1/templates",
               {{"name", "shop"}, {"engine", "postgres"}, {"source", {{"kind", "empty"}}}}),
      409, "already_exists", "a template name taken");
  // The clone still serves as it did.
  EXPECT_EQ(test::sql(url_of(c), "SELECT COUNT(*) FROM items"), "20");
  EXPECT_EQ(d().get("/v1/clones/taken").json()["port"], c["port"]);

  // A template in use: a conflict naming its clones; forced, it goes with them.
  auto side = world_->make_template("side", "postgres", 5);
  ASSERT_TRUE(side.is_object());
  auto user = world_->make_clone({{"template", "side"}, {"name", "side-user"}});
  ASSERT_TRUE(user.is_object());
  auto refused = d().del("/v1/templates/side");
  expect_error(refused, 409, "conflict", "deleting a template with clones");
  EXPECT_NE(refused.body.find("side-user"), std::string::npos) << refused.body;
  EXPECT_EQ(test::sql(url_of(user), "SELECT COUNT(*) FROM items"), "5");
  EXPECT_EQ(d().get("/v1/templates/side").json()["clones"], 1);
  auto forced = d().del("/v1/templates/side?force=true");
  EXPECT_EQ(forced.status, 204) << forced.body;
  expect_error(d().get("/v1/templates/side"), 404, "not_found", "the deleted template");
  expect_error(d().get("/v1/clones/side-user"), 404, "not_found", "the deleted template's clone");
  EXPECT_TRUE(starts_with(test::sql(url_of(user), "SELECT 1"), "ERROR"));
  auto after = state();
  EXPECT_EQ(after.clones, before.clones);
  EXPECT_EQ(after.volumes, before.volumes);
}

// Quotas: a daemon started with DBTWIN_MAX_CLONES=1 answers 503 naming the quota to the second
// creation, by every route, and the refused creations leave nothing: no catalog row, port, run
// folder, volume, process or mount (checked from the outside, as the CLI failure tests do).
TEST(ApiQuota, OverTheLimitIs503AndLeavesNothing) {
  DBTWIN_REQUIRE_ROOT();
  std::string why;
  auto loop = test::LoopFs::make("xfs", 1024ull << 20, &why);
  if (!loop) GTEST_SKIP() << why;
  auto inst = std::make_unique<test::failure::Install>("auto", loop->mountpoint());
  auto daemon = test::Daemon::start(inst->cli(), {"DBTWIN_MAX_CLONES=1"});
  ASSERT_TRUE(daemon);
  const auto& d = *daemon;
  auto dump = inst->scratch() / "shop.sql";
  test::write_text(dump, test::items_sql(10));
  auto t = d.post("/v1/templates", {{"name", "shop"},
                                    {"engine", "postgres"},
                                    {"source", {{"kind", "dump"}, {"dumps", {dump.string()}}}}});
  ASSERT_EQ(t.status, 202) << t.body;
  ASSERT_EQ(d.wait_job(t.json()["id"].get<int64_t>())["state"], "succeeded");

  auto first = d.post("/v1/clones", {{"template", "shop"}, {"name", "c1"}});
  ASSERT_EQ(first.status, 201) << first.body;
  const size_t jobs = d.get("/v1/jobs").json().size();

  auto over = d.post("/v1/clones", {{"template", "shop"}, {"name", "c2"}});
  expect_error(over, 503, "unavailable", "a second clone");
  EXPECT_NE(over.body.find("max_clones"), std::string::npos) << over.body;
  auto later = d.request("POST", "/v1/clones?wait=false", R"({"template":"shop","name":"c3"})");
  expect_error(later, 503, "unavailable", "a second clone, not waiting");
  EXPECT_NE(later.body.find("max_clones"), std::string::npos) << later.body;
  auto myaas = test::api::curl({"-X", "POST", "-d", "ttl=60", d.url() + "/db/shop/c4"});
  EXPECT_EQ(myaas.status, 503) << myaas.body;
  EXPECT_NE(myaas.body.find("max_clones"), std::string::npos) << myaas.body;
  EXPECT_EQ(d.get("/v1/jobs").json().size(), jobs) << "a refused creation started a job";
  auto m = d.get("/metrics").body;
  EXPECT_GE(metric(m, "dbtwin_clone_create_failures_total").value_or(0), 1.0) << m;

  // Nothing of c2, c3 or c4 is left anywhere; ports of the range but c1's are free.
  test::failure::expect_nothing_leaked(*inst, {{"shop"}, {"c1"}});
  const int c1_port = first.json()["port"].get<int>();
  for (int port = inst->port_lo(); port < inst->port_lo() + 100; ++port) {
    if (port != c1_port) {
      EXPECT_TRUE(os::tcp_port_free("127.0.0.1", port)) << port;
    }
  }

  // Room again once c1 is gone: the refused ones did not count.
  EXPECT_EQ(d.del("/v1/clones/c1").status, 204);
  auto again = d.post("/v1/clones", {{"template", "shop"}, {"name", "c2"}});
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(test::sql(url_of(again.json()), "SELECT COUNT(*) FROM items"), "10");
  test::failure::expect_nothing_leaked(*inst, {{"shop"}, {"c2"}});

  EXPECT_EQ(daemon->stop(), 0);
  daemon.reset();
  inst.reset();  // destroys c2 and shop through the CLI before the pool goes
}

}  // namespace
}  // namespace dbtwin
