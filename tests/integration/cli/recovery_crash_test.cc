// A clone's server killed with SIGKILL (an OOM kill, a crash): `clone list` shows it "crashed",
// and `clone start` brings it back with everything committed before the kill.
#include <gtest/gtest.h>
#include <signal.h>

#include "catalog/catalog.h"
#include "failure_support.h"
#include "os/process.h"

namespace dbtwin::test::failure {
namespace {

using std::chrono::milliseconds;

std::string state_of(const Install& inst, const std::string& clone) {
  for (const auto& c : inst.cli().ok_json({"clone", "list"})) {
    if (c.value("name", "") == clone) return c.value("state", "");
  }
  return "(absent)";
}

class RecoveryCrash : public ::testing::TestWithParam<std::string> {};

TEST_P(RecoveryCrash, KilledServerShowsCrashedAndStartsWithItsData) {
  DBTWIN_REQUIRE_ROOT();
  Install inst("copy");
  auto t = inst.template_from_sql("shop", GetParam(), items_sql(100));
  ASSERT_EQ(t.value("state", ""), "ready") << t.dump();
  auto c = inst.clone("shop", "c1");
  std::string url = url_of(c);
  ASSERT_EQ(sql(url, "INSERT INTO items VALUES (1000001, 'committed before the kill')"), "");
  ASSERT_EQ(sql(url, "UPDATE items SET name = 'changed' WHERE id = 1"), "");

  // The server as the catalog records it.
  os::ProcessId server;
  {
    auto cat = catalog::Catalog::open(inst.state() / "catalog.db");
    ASSERT_TRUE(cat.ok()) << cat.error().message;
    auto row = (*cat)->get_clone("c1");
    ASSERT_TRUE(row.ok()) << row.error().message;
    server = {static_cast<pid_t>(row->server_pid), static_cast<uint64_t>(row->server_start)};
  }
  ASSERT_TRUE(os::process_alive(server));
  ASSERT_EQ(::kill(server.pid, SIGKILL), 0);
  ASSERT_TRUE(wait_until([&] { return !os::process_alive(server); }, milliseconds(30000)));

  EXPECT_EQ(state_of(inst, "c1"), "crashed");
  auto shown = inst.cli().ok_json({"clone", "show", "c1"});
  EXPECT_EQ(shown.value("state", ""), "crashed") << shown.dump();
  EXPECT_TRUE(sql(url, "SELECT 1").rfind("ERROR:", 0) == 0) << "the server is down";

  auto started = inst.run({"--json", "clone", "start", "c1"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  EXPECT_EQ(started.json().value("state", ""), "running") << started.out;
  EXPECT_EQ(state_of(inst, "c1"), "running");
  // Same port, same credentials, and the committed writes survived the crash.
  EXPECT_EQ(sql(url, "SELECT name FROM items WHERE id = 1000001"), "committed before the kill");
  EXPECT_EQ(sql(url, "SELECT name FROM items WHERE id = 1"), "changed");
  EXPECT_EQ(sql(url, "SELECT count(*) FROM items"), "101");
  expect_nothing_leaked(inst, {{"shop"}, {"c1"}});
}

INSTANTIATE_TEST_SUITE_P(Engines, RecoveryCrash, ::testing::Values("postgres", "mariadb"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace dbtwin::test::failure
