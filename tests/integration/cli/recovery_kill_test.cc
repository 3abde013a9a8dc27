// A command killed with SIGKILL mid-way: the next command reconciles the catalog with reality,
// says on stderr what it cleaned, and afterwards nothing leaked; the same name works again.
//
// The kill points are spread over the command's own duration, measured first, and the invariant
// is checked after every one of them, whichever step it hit. Where a step can be recognised
// from outside (initdb running, the import client running, the hook running), the kill waits
// for it, so that those points are hit for certain.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "base/strings.h"
#include "failure_support.h"
#include "support/pools.h"

namespace dbtwin::test::failure {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

bool mentions(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

class RecoveryKill : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    DBTWIN_REQUIRE_ROOT();
    // Overlay: a half-made clone can also leave a mount behind.
    inst_ = std::make_unique<Install>("overlay");
    auto probe = inst_->template_from_sql("shop", GetParam(), items_sql(100));
    ASSERT_EQ(probe.value("state", ""), "ready") << probe.dump();
  }
  void TearDown() override { inst_.reset(); }
  std::unique_ptr<Install> inst_;
};

// Runs `dbtwin clone create ... NAME` (args) and kills it at points spread over its duration,
// measured first. After each kill, the next command must clean up and say so, nothing but the
// clones in `keep` (checked by `check_keep`) may remain, and a clone the kill did not stop in
// time must be whole. `fractions` of that duration are the kill points; at least one kill must
// land while the clone is half made.
void kill_clone_create_at_many_points(const Install& inst, const std::vector<std::string>& args,
                                      const std::string& name, const std::set<std::string>& keep,
                                      const std::string& rows, const std::vector<double>& fractions,
                                      const std::function<void()>& check_keep) {
  std::set<std::string> with_name = keep;
  with_name.insert(name);
  auto t0 = Clock::now();
  ASSERT_EQ(inst.cli().ok_json(args).value("name", ""), name);
  auto full = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  ASSERT_EQ(inst.run({"clone", "destroy", name}).exit_code, 0);

  int cleaned = 0;
  // More tries in the middle if no kill landed while a half-made clone existed.
  for (size_t i = 0; i < fractions.size() + 8; ++i) {
    if (i >= fractions.size() && cleaned > 0) break;
    double f = i < fractions.size() ? fractions[i]
                                    : 0.3 + 0.08 * static_cast<double>(i - fractions.size());
    auto delay = milliseconds(static_cast<int64_t>(static_cast<double>(full.count()) * f));
    SCOPED_TRACE(
        fmt::format("kill after {} ms of a {} ms clone create", delay.count(), full.count()));

    Background create(inst, args);
    std::this_thread::sleep_for(delay);
    int status = create.kill9();

    auto list = inst.run({"--json", "clone", "list"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    bool removed = mentions(list.err, "removed clone '" + name + "'");
    cleaned += list.err.empty() ? 0 : 1;  // it said what it cleaned, whichever step was hit
    if (names_of(list.json()).count(name)) {
      // The kill came after the clone was complete: it is whole and serves its data.
      EXPECT_FALSE(removed) << list.err;
      auto c = inst.cli().ok_json({"clone", "show", name});
      EXPECT_EQ(c.value("state", ""), "running") << c.dump() << " (exit status " << status << ")";
      EXPECT_EQ(sql(url_of(c), "SELECT count(*) FROM items"), rows);
      expect_nothing_leaked(inst, {{"shop"}, with_name});
      ASSERT_EQ(inst.run({"clone", "destroy", name}).exit_code, 0);
    }
    check_keep();
    expect_nothing_leaked(inst, {{"shop"}, keep});
    if (::testing::Test::HasFailure()) break;  // one broken state is enough to read
  }
  EXPECT_GT(cleaned, 0) << "no kill landed while the clone was half made";

  // The name is free, and the clone it makes is whole.
  auto c = inst.cli().ok_json(args);
  EXPECT_EQ(sql(url_of(c), "SELECT count(*) FROM items"), rows);
  expect_nothing_leaked(inst, {{"shop"}, with_name});
}

TEST_P(RecoveryKill, CloneCreateKilledAtAnyPointIsCleanedUp) {
  kill_clone_create_at_many_points(*inst_, {"clone", "create", "shop", "kk"}, "kk", {}, "100",
                                   {0.05, 0.2, 0.35, 0.5, 0.6, 0.7, 0.8, 0.9}, [] {});
}

TEST_P(RecoveryKill, CloneOfACloneKilledAtAnyPointLeavesItsSourceRunning) {
  // The source is stopped for the copy on this pool (overlay snapshots are not atomic): a kill
  // must not leave it down, nor leave the hidden snapshot its copy is made from.
  auto src = inst_->clone("shop", "src");
  std::string url = url_of(src);
  ASSERT_EQ(sql(url, "INSERT INTO items VALUES (5000, 'only in src')"), "");
  kill_clone_create_at_many_points(*inst_, {"clone", "create", "shop", "kk", "--from-clone", "src"},
                                   "kk", {"src"}, "101", {0.1, 0.3, 0.5, 0.7, 0.9}, [&] {
                                     auto s = inst_->cli().ok_json({"clone", "show", "src"});
                                     EXPECT_EQ(s.value("state", ""), "running") << s.dump();
                                     EXPECT_EQ(sql(url, "SELECT name FROM items WHERE id = 5000"),
                                               "only in src");
                                   });
}

TEST_P(RecoveryKill, CloneCreateKilledDuringItsHookIsRemoved) {
  // The hook says where it is, then waits: the kill lands while it runs, for certain.
  fs::path marker = inst_->scratch() / "hook-pid";
  fs::path hook = inst_->scratch() / "slow-hook.sh";
  write_text(hook, "#!/bin/sh\necho $$ > '" + marker.string() + ".tmp'\nmv '" + marker.string() +
                       ".tmp' '" + marker.string() + "'\nexec sleep 60\n");
  fs::permissions(hook, fs::perms(0755));
  Background create(*inst_, {"clone", "create", "shop", "hk", "--exec", hook.string()});
  ASSERT_TRUE(wait_until([&] { return file_exists(marker); }, milliseconds(60000)))
      << "the hook never ran";
  EXPECT_NE(create.kill9(), 0);
  // The hook is the user's script; it was cut short with the command. End it for this test.
  std::ifstream in(marker);
  pid_t hook_pid = 0;
  in >> hook_pid;
  if (hook_pid > 0) ::kill(hook_pid, SIGKILL);

  // Fail closed: a clone whose hook did not finish is not handed out.
  auto list = inst_->run({"--json", "clone", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(mentions(list.err, "removed clone 'hk'")) << list.err;
  EXPECT_EQ(names_of(list.json()).count("hk"), 0u) << list.out;
  expect_nothing_leaked(*inst_, {{"shop"}, {}});
  auto c = inst_->clone("shop", "hk");
  EXPECT_EQ(sql(url_of(c), "SELECT count(*) FROM items"), "100");
}

TEST_P(RecoveryKill, TemplateCreateKilledAtAnyPointIsCleanedUp) {
  const std::string engine = GetParam();
  const int rows = 100000;
  fs::path dump = inst_->scratch() / "kt.sql";
  write_text(dump, items_sql(rows));
  const std::vector<std::string> create = {"template", "create",      "kt",         "--engine",
                                           engine,     "--from-dump", dump.string()};
  const std::set<std::string> init_tools = {"initdb", "mariadb-install-db", "mysql_install_db"};
  const std::set<std::string> import_clients = {"psql", "pg_restore", "mariadb", "mysql"};

  struct Point {
    std::string what;
    milliseconds delay{0};
    const std::set<std::string>* child = nullptr;  // kill once dbtwin runs one of these
  };
  const std::vector<Point> points = {
      {"after 50 ms", milliseconds(50)},
      {"after 150 ms", milliseconds(150)},
      {"after 300 ms", milliseconds(300)},
      {"while the data directory is initialised", {}, &init_tools},
      {"during the import", {}, &import_clients},
      {"after 100 ms of the import", milliseconds(100), &import_clients},
  };
  for (const auto& p : points) {
    SCOPED_TRACE("kill " + p.what);
    Background bg(*inst_, create);
    bool hit = true;
    if (p.child) {
      hit = wait_until([&] { return has_child_running(bg.pid(), *p.child) || !bg.running(); },
                       milliseconds(60000)) &&
            bg.running();
    }
    std::this_thread::sleep_for(p.delay);
    int status = bg.kill9();

    auto list = inst_->run({"--json", "template", "list"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    bool removed = mentions(list.err, "removed template 'kt'");
    if (p.child) {
      // These points are recognised from outside, so the kill certainly cut the import short.
      EXPECT_TRUE(hit) << "the command finished before the point was seen (exit " << status << ")";
      EXPECT_TRUE(removed) << list.err;
    }
    if (names_of(list.json()).count("kt")) {
      EXPECT_FALSE(removed) << list.err;
      ASSERT_EQ(inst_->run({"template", "delete", "kt"}).exit_code, 0);
    }
    expect_nothing_leaked(*inst_, {{"shop"}, {}});
    if (HasFailure()) break;
  }

  // The same name imports fine afterwards, and its clones hold every row.
  auto made = inst_->run(
      {"--json", "template", "create", "kt", "--engine", engine, "--from-dump", dump.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto c = inst_->clone("kt", "k1");
  EXPECT_EQ(sql(url_of(c), "SELECT count(*) FROM items"), std::to_string(rows));
  expect_nothing_leaked(*inst_, {{"shop", "kt"}, {"k1"}});
}

INSTANTIATE_TEST_SUITE_P(Engines, RecoveryKill, ::testing::Values("postgres", "mariadb"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace dbtwin::test::failure
