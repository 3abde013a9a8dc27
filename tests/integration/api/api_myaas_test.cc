// The myaas compatibility routes, driven with the curl binary exactly as that project's clients
// use them (`curl http://HOST:5001/db/TEMPLATE/NAME -X POST -d ttl=60`, ...), against a real
// daemon on a loop-mounted XFS pool with real PostgreSQL; and the API's create/show/destroy with
// real MariaDB.
#include <gtest/gtest.h>

#include "api_world.h"
#include "base/strings.h"

namespace dbtwin {
namespace {

using nlohmann::json;
using test::sql;
using test::url_of;
using namespace test::api;

int64_t now() {
  return static_cast<int64_t>(::time(nullptr));
}

// The connection URL a myaas client builds from the answer's fields.
std::string login_url(const std::string& scheme, const json& db) {
  return fmt::format("{}://{}:{}@{}:{}/{}", scheme, db["user"].get<std::string>(),
                     db["password"].get<std::string>(), db["host"].get<std::string>(),
                     db["port"].get<int>(), db["database"].get<std::string>());
}

class ApiMyaas : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    world_ = ApiWorld::make("xfs", &why);
    if (!world_ && !why.empty()) GTEST_SKIP() << why;
    ASSERT_TRUE(world_);
  }
  void TearDown() override { world_.reset(); }
  std::unique_ptr<ApiWorld> world_;
};

TEST_F(ApiMyaas, CurlClientsWorkAsWithMyaas) {
  const std::string base = world_->daemon().url();
  // Before any template: the service runs and lists nothing.
  auto idle = curl({base + "/"});
  ASSERT_EQ(idle.status, 200) << idle.err;
  EXPECT_EQ(idle.json(), json({{"status", "Service is running"},
                               {"templates", json::array()},
                               {"databases", json::array()}}));

  ASSERT_TRUE(world_->make_template("shop", "postgres", 30).is_object());
  auto index = curl({base + "/"});
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.json()["templates"], json({"shop"}));
  auto templates = curl({base + "/templates"});
  ASSERT_EQ(templates.status, 200);
  EXPECT_EQ(templates.json(), json({{"templates", {"shop"}}}));
  auto none = curl({base + "/db"});
  ASSERT_EQ(none.status, 200);
  EXPECT_EQ(none.json(), json({{"databases", json::array()}}));

  // POST with a form field, as the README shows: 201 once the database takes logins.
  auto created = curl({"-X", "POST", "-d", "ttl=60", base + "/db/shop/m1"});
  ASSERT_EQ(created.status, 201) << created.body << created.err;
  auto db = created.json();
  expect_fields(db, kMyaasDbFields, "myaas database");
  EXPECT_EQ(db["name"], "m1");
  EXPECT_EQ(db["running"], true);
  EXPECT_EQ(db["status"], "running");
  EXPECT_NEAR(db["created"].get<double>(), now(), 60);
  ASSERT_TRUE(db.contains("expires_at")) << db;
  EXPECT_NEAR(db["expires_at"].get<double>(), db["created"].get<double>() + 60, 5);
  EXPECT_EQ(sql(login_url("postgres", db), "SELECT COUNT(*) FROM items"), "30");

  // The same POST again: 304, nothing in the body, nothing changed.
  auto again = curl({"-X", "POST", "-d", "ttl=60", base + "/db/shop/m1"});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.body, "");
  auto inspected = curl({base + "/db/shop/m1"});
  ASSERT_EQ(inspected.status, 200);
  EXPECT_EQ(inspected.json(), db);

  // JSON ttl, as the Python clients send it; and no ttl at all.
  auto json_ttl = curl({"-X", "POST", "-H", "Content-Type: application/json", "-d",
                        R"({"ttl": 60})", base + "/db/shop/m2"});
  ASSERT_EQ(json_ttl.status, 201) << json_ttl.body;
  EXPECT_NEAR(json_ttl.json().value("expires_at", 0.0), now() + 60, 60) << json_ttl.body;
  // No body at all: curl sends no Content-Length, and HTTP says there is no body.
  auto no_ttl = curl({"-X", "POST", base + "/db/shop/m3"});
  ASSERT_EQ(no_ttl.status, 201) << no_ttl.body;
  EXPECT_FALSE(no_ttl.json().contains("expires_at")) << no_ttl.body;
  EXPECT_EQ(sql(login_url("postgres", no_ttl.json()), "SELECT COUNT(*) FROM items"), "30");

  auto list = curl({base + "/db"});
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json()["databases"].size(), 3u) << list.body;
  // The parsed body must outlive the loop (a range-for over a temporary's member dangles).
  const auto listed = list.json();
  for (const auto& entry : listed["databases"]) {
    expect_fields(entry, {"template", "name", "state", "created"}, "/db entry");
    EXPECT_EQ(entry["template"], "shop");
    EXPECT_EQ(entry["state"], "running");
    EXPECT_EQ(entry.contains("expires_at"), entry["name"] != "m3") << entry;
  }
  auto dbs = curl({base + "/"}).json()["databases"];
  EXPECT_EQ(dbs, json({"shop,m1", "shop,m2", "shop,m3"})) << dbs;

  // The errors myaas gives, with its bodies.
  auto no_template = curl({"-X", "POST", "-d", "ttl=60", base + "/db/nope/x"});
  EXPECT_EQ(no_template.status, 500);
  EXPECT_EQ(no_template.json(), json({{"status", "Template \"nope\" does not exist."}}));
  auto unknown = curl({base + "/db/shop/nope"});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json(), json({{"status", "Not found"}}));
  EXPECT_EQ(curl({base + "/db/other/m1"}).status, 404) << "m1 is a database of shop";
  EXPECT_EQ(curl({"-X", "DELETE", base + "/db/other/m1"}).status, 404);

  // A refresh running never makes the template unavailable (myaas answered "import in
  // progress"): creation serves the older snapshot meanwhile.
  world_->write_dump("shop", 40);
  auto refresh = world_->daemon().post("/v1/templates/shop/refresh", json::object());
  ASSERT_EQ(refresh.status, 202) << refresh.body;
  auto during = curl({"-X", "POST", base + "/db/shop/m4"});
  EXPECT_EQ(during.status, 201) << during.body;
  world_->daemon().wait_job(refresh.json()["id"].get<int64_t>());

  // DELETE: 204 and an empty body, then the database is gone.
  auto deleted = curl({"-X", "DELETE", base + "/db/shop/m1"});
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.body, "");
  EXPECT_EQ(curl({base + "/db/shop/m1"}).status, 404);
  EXPECT_EQ(curl({"-X", "DELETE", base + "/db/shop/m1"}).status, 404);
  EXPECT_TRUE(starts_with(sql(login_url("postgres", db), "SELECT 1"), "ERROR"));
  for (const auto* name : {"m2", "m3", "m4"})
    EXPECT_EQ(curl({"-X", "DELETE", base + "/db/shop/" + name}).status, 204) << name;
  EXPECT_EQ(curl({base + "/db"}).json(), json({{"databases", json::array()}}));
}

// MariaDB through the native API and the myaas routes: a template from a dump, clones that take
// their logins, show, stop/start, destroy, and the template deleted.
TEST(ApiMariadb, CreateShowDestroy) {
  std::string why;
  auto world = ApiWorld::make("xfs", &why);
  if (!world && !why.empty()) GTEST_SKIP() << why;
  ASSERT_TRUE(world);
  const auto& d = world->daemon();
  auto t = world->make_template("shop", "mariadb", 25);
  ASSERT_TRUE(t.is_object());
  EXPECT_EQ(t["engine"], "mariadb");
  EXPECT_EQ(t["state"], "ready");

  auto c = world->make_clone({{"template", "shop"}, {"name", "maria1"}, {"ttl", 600}});
  ASSERT_TRUE(c.is_object());
  expect_fields(c, kCloneFields, "mariadb clone");
  EXPECT_EQ(c["engine"], "mariadb");
  EXPECT_TRUE(starts_with(url_of(c), "mysql://")) << c;
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM items"), "25");
  auto shown = d.get("/v1/clones/maria1");
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(shown.json()["state"], "running");
  EXPECT_EQ(shown.json()["port"], c["port"]);

  auto stopped = d.post("/v1/clones/maria1/stop", json::object());
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_EQ(stopped.json()["state"], "stopped");
  auto started = d.post("/v1/clones/maria1/start", json::object());
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(sql(url_of(c), "SELECT COUNT(*) FROM items"), "25");

  auto m = curl({"-X", "POST", "-d", "ttl=60", d.url() + "/db/shop/maria2"});
  ASSERT_EQ(m.status, 201) << m.body;
  EXPECT_EQ(sql(login_url("mysql", m.json()), "SELECT COUNT(*) FROM items"), "25");

  EXPECT_EQ(d.del("/v1/clones/maria1").status, 204);
  expect_error(d.get("/v1/clones/maria1"), 404, "not_found", "destroyed mariadb clone");
  EXPECT_TRUE(starts_with(sql(url_of(c), "SELECT 1"), "ERROR"));
  EXPECT_EQ(curl({"-X", "DELETE", d.url() + "/db/shop/maria2"}).status, 204);
  EXPECT_EQ(d.del("/v1/templates/shop").status, 204);
  EXPECT_TRUE(d.get("/v1/templates").json().empty());
  EXPECT_EQ(d.get("/v1/pool").json()["volumes"], 0);
}

}  // namespace
}  // namespace dbtwin
