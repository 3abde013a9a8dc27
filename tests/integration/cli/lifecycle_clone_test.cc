// The life of clones through the real CLI, on every pool driver this machine can run and both
// engines: isolation, clone of a clone, freezing a clone into a template, space accounting,
// reset, stop/start, protection, time to live and the --exec hook.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <set>
#include <thread>

#include "base/strings.h"
#include "support/cli_matrix.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::sql;
using test::url_of;

// A few megabytes written into the clone and forced to disk, so that its own space grows.
void write_megabytes(const std::string& url, const std::string& engine) {
  if (engine == "postgres") {
    ASSERT_EQ(sql(url,
                  "CREATE TABLE bulk AS SELECT g AS id, repeat('x', 500) AS pad "
                  "FROM generate_series(1, 20000) g; CHECKPOINT"),
              "");
  } else {
    ASSERT_EQ(sql(url,
                  "CREATE TABLE bulk ENGINE=InnoDB AS SELECT seq AS id, REPEAT('x', 500) AS pad "
                  "FROM seq_1_to_20000; FLUSH TABLES bulk FOR EXPORT; UNLOCK TABLES"),
              "");
  }
}

std::optional<uint64_t> used_bytes(const test::Cli& cli, const std::string& clone) {
  for (const auto& c : cli.ok_json({"clone", "list"})) {
    if (c["name"] == clone && c["used_bytes"].is_number()) return c["used_bytes"].get<uint64_t>();
  }
  return std::nullopt;
}

class CloneLifecycle : public test::MatrixTest {
 protected:
  void SetUp() override {
    test::MatrixTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto t = world_->items_template("shop", engine(), 200);
    ASSERT_EQ(t.value("state", ""), "ready") << t.dump();
    ASSERT_FALSE(t["snapshots"].empty());
    snapshot_ = t["snapshots"][0]["id"].get<int64_t>();
    // Auto-detection must have picked the driver the pool's file system supports best.
    auto st = cli().ok_json({"pool", "status"});
    ASSERT_EQ(st.value("driver", ""), GetParam().pool.expected) << st.dump();
  }

  json clone(const std::string& name, const std::vector<std::string>& extra = {}) {
    auto c = world_->create_clone("shop", name, extra);
    if (c.contains("seconds")) {
      test::report_figure("clone_create_seconds." + GetParam().pool.name + "." + engine(),
                          c["seconds"].get<double>(), "s");
    }
    return c;
  }

  int64_t snapshot_ = 0;
};

TEST_P(CloneLifecycle, IsolationCloneOfCloneAndFreeze) {
  const std::string scheme = engine() == "postgres" ? "postgres://" : "mysql://";
  auto a = clone("a", {"--password", "Given-pass-1"});
  ASSERT_TRUE(a.is_object());
  EXPECT_EQ(a["name"], "a");
  EXPECT_EQ(a["template"], "shop");
  EXPECT_EQ(a["engine"], engine());
  EXPECT_EQ(a["state"], "running");
  EXPECT_EQ(a["snapshot"], snapshot_);
  EXPECT_EQ(a["user"], "dbtwin");
  EXPECT_EQ(a["password"], "Given-pass-1");
  EXPECT_EQ(a["database"], "shop");
  EXPECT_EQ(a["protected"], false);
  EXPECT_GT(a["seconds"].get<double>(), 0.0);
  const int port_a = a["port"].get<int>();
  EXPECT_EQ(url_of(a), fmt::format("{}dbtwin:Given-pass-1@{}:{}/shop", scheme,
                                   a["host"].get<std::string>(), port_a));
  // The printed URL is the clone's own login.
  EXPECT_EQ(sql(url_of(a), "SELECT COUNT(*) FROM items"), "200");

  // Without --json, the command says how long it took and prints the URL.
  auto b_text = cli().run({"clone", "create", "shop", "b"});
  ASSERT_EQ(b_text.exit_code, 0) << b_text.err;
  auto b = cli().ok_json({"clone", "show", "b"});
  ASSERT_TRUE(b.is_object());
  EXPECT_NE(b_text.out.find("ready in"), std::string::npos) << b_text.out;
  EXPECT_NE(b_text.out.find(url_of(b) + "\n"), std::string::npos) << b_text.out;
  EXPECT_NE(b["port"].get<int>(), port_a);
  EXPECT_GE(b["password"].get<std::string>().size(), 12u) << "a random password";
  EXPECT_NE(b["password"], a["password"]);
  // Another clone's password is not this one's.
  std::string wrong = url_of(b);
  wrong.replace(wrong.find(b["password"].get<std::string>()),
                b["password"].get<std::string>().size(), "Given-pass-1");
  EXPECT_TRUE(starts_with(sql(wrong, "SELECT 1"), "ERROR"));

  // Isolation: a write in A is invisible in B and in a fresh clone of the template.
  ASSERT_EQ(sql(url_of(a),
                "UPDATE items SET name = 'changed-in-a' WHERE id = 1; "
                "INSERT INTO items VALUES (1001, 'only-in-a', 1)"),
            "");
  EXPECT_EQ(sql(url_of(a), "SELECT COUNT(*) FROM items"), "201");
  EXPECT_EQ(sql(url_of(b), "SELECT name FROM items WHERE id = 1"), "item-1");
  EXPECT_EQ(sql(url_of(b), "SELECT COUNT(*) FROM items"), "200");
  auto fresh = clone("fresh");
  EXPECT_EQ(sql(url_of(fresh), "SELECT name FROM items WHERE id = 1"), "item-1");
  EXPECT_EQ(sql(url_of(fresh), "SELECT COUNT(*) FROM items"), "200");

  // A clone of a clone starts from A's current state; A keeps running with its data.
  auto a2 = clone("a2", {"--from-clone", "a"});
  ASSERT_TRUE(a2.is_object());
  EXPECT_EQ(sql(url_of(a2), "SELECT name FROM items WHERE id = 1"), "changed-in-a");
  EXPECT_EQ(sql(url_of(a2), "SELECT COUNT(*) FROM items"), "201");
  ASSERT_EQ(sql(url_of(a2), "DELETE FROM items WHERE id = 1001"), "");
  EXPECT_EQ(sql(url_of(a), "SELECT COUNT(*) FROM items"), "201");
  EXPECT_EQ(cli().ok_json({"clone", "show", "a"}).value("state", ""), "running");

  // Space: a write shows as the clone's own space on copy-on-write drivers.
  auto before = used_bytes(cli(), "b");
  ASSERT_TRUE(before.has_value()) << "clone list --json has no used_bytes for b";
  write_megabytes(url_of(b), engine());
  auto after = used_bytes(cli(), "b");
  ASSERT_TRUE(after.has_value());
  if (GetParam().pool.cow) {
    EXPECT_GT(*after, *before + (1u << 20)) << "before " << *before << " after " << *after;
  }
  if (GetParam().pool.block_cow) {
    // A fresh copy-on-write clone costs far less than a full copy of the template.
    auto snap_size =
        cli().ok_json({"template", "show", "shop"})["snapshots"][0]["size_bytes"].get<uint64_t>();
    auto fresh_used = used_bytes(cli(), "fresh");
    ASSERT_TRUE(fresh_used.has_value());
    EXPECT_LT(*fresh_used, snap_size / 2)
        << "fresh clone uses " << *fresh_used << " of " << snap_size;
  }

  // Freeze A ("anonymize once, clone many"): clones of the new template see A's write.
  auto frozen = cli().ok_json({"template", "create", "frozen", "--from-clone", "a"});
  ASSERT_TRUE(frozen.is_object());
  EXPECT_EQ(frozen["source_kind"], "clone");
  EXPECT_EQ(frozen["engine"], engine());
  EXPECT_EQ(frozen["database"], "shop");
  auto f1 = world_->create_clone("frozen", "f1");
  ASSERT_TRUE(f1.is_object());
  EXPECT_EQ(sql(url_of(f1), "SELECT name FROM items WHERE id = 1"), "changed-in-a");
  EXPECT_EQ(sql(url_of(f1), "SELECT COUNT(*) FROM items"), "201");
  ASSERT_EQ(sql(url_of(f1), "UPDATE items SET name = 'changed-in-f1' WHERE id = 2"), "");
  EXPECT_EQ(sql(url_of(a), "SELECT name FROM items WHERE id = 2"), "item-2");
  // A still answers with its own password after being frozen.
  EXPECT_EQ(sql(url_of(a), "SELECT name FROM items WHERE id = 1"), "changed-in-a");
}

TEST_P(CloneLifecycle, ResetStopStartAndProtect) {
  auto c = clone("r");
  ASSERT_TRUE(c.is_object());
  const std::string url = url_of(c);
  ASSERT_EQ(sql(url, "UPDATE items SET qty = 999 WHERE id = 5; DELETE FROM items WHERE id > 150"),
            "");
  ASSERT_EQ(sql(url, "SELECT COUNT(*) FROM items"), "150");

  // Reset: back to the snapshot, on the same port with the same credentials.
  auto reset = cli().ok_json({"clone", "reset", "r"});
  ASSERT_TRUE(reset.is_object());
  EXPECT_EQ(reset["port"], c["port"]);
  EXPECT_EQ(reset["password"], c["password"]);
  EXPECT_EQ(url_of(reset), url);
  EXPECT_EQ(reset["state"], "running");
  EXPECT_EQ(sql(url, "SELECT COUNT(*) FROM items"), "200");
  EXPECT_EQ(sql(url, "SELECT qty FROM items WHERE id = 5"), std::to_string((5 * 7) % 13));

  // Stop and start keep the data and the port.
  ASSERT_EQ(sql(url, "INSERT INTO items VALUES (2001, 'kept', 1)"), "");
  auto stopped = cli().ok_json({"clone", "stop", "r"});
  EXPECT_EQ(stopped.value("state", ""), "stopped");
  EXPECT_TRUE(starts_with(sql(url, "SELECT 1"), "ERROR")) << "a stopped clone still answers";
  auto listed = cli().run({"clone", "list"});
  EXPECT_NE(listed.out.find("stopped"), std::string::npos) << listed.out;
  auto started = cli().ok_json({"clone", "start", "r"});
  EXPECT_EQ(started.value("state", ""), "running");
  EXPECT_EQ(started["port"], c["port"]);
  EXPECT_EQ(sql(url, "SELECT name FROM items WHERE id = 2001"), "kept");

  // Protection: destroy is refused (exit 4) until unprotected.
  EXPECT_EQ(cli().ok_json({"clone", "protect", "r"}).value("protected", false), true);
  auto refused = cli().run({"clone", "destroy", "r"});
  EXPECT_EQ(refused.exit_code, 4) << refused.err;
  EXPECT_NE(refused.err.find("protected"), std::string::npos) << refused.err;
  EXPECT_EQ(sql(url, "SELECT name FROM items WHERE id = 2001"), "kept");
  auto text = cli().run({"clone", "list"});
  EXPECT_NE(text.out.find("protected"), std::string::npos) << text.out;
  EXPECT_EQ(cli().ok_json({"clone", "unprotect", "r"}).value("protected", true), false);
  auto destroyed = cli().run({"clone", "destroy", "r"});
  EXPECT_EQ(destroyed.exit_code, 0) << destroyed.err;
  EXPECT_TRUE(starts_with(sql(url, "SELECT 1"), "ERROR"));
  EXPECT_EQ(cli().run({"clone", "show", "r"}).exit_code, 3);
}

TEST_P(CloneLifecycle, TimeToLiveAndList) {
  // A protected clone outlives its time to live; an unprotected one is destroyed at the next
  // command.
  auto keep = clone("keep");
  ASSERT_TRUE(keep.is_object());
  EXPECT_TRUE(keep["expires_at"].is_null());
  ASSERT_EQ(cli().ok_json({"clone", "protect", "keep"}).value("protected", false), true);
  auto extended = cli().ok_json({"clone", "extend", "keep", "--ttl", "1s"});
  EXPECT_FALSE(extended["expires_at"].is_null());
  auto later = clone("later", {"--ttl", "8h"});
  EXPECT_FALSE(later["expires_at"].is_null());
  auto gone = clone("gone", {"--ttl", "1s"});
  ASSERT_TRUE(gone.is_object());
  // No command between the creation and the sleep: the list below is the first to see it expired.
  std::this_thread::sleep_for(std::chrono::seconds(2));

  auto listed = cli().run({"--json", "clone", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.err.find("'gone' expired"), std::string::npos) << listed.err;
  std::map<std::string, json> by_name;
  for (const auto& c : listed.json()) by_name[c["name"].get<std::string>()] = c;
  EXPECT_EQ(by_name.count("gone"), 0u);
  ASSERT_EQ(by_name.count("keep"), 1u) << "a protected clone expired";
  ASSERT_EQ(by_name.count("later"), 1u);
  EXPECT_TRUE(starts_with(sql(url_of(gone), "SELECT 1"), "ERROR"))
      << "the expired clone's server runs";
  EXPECT_EQ(world_->volumes(), 3) << "the template's snapshot and two clones";
  EXPECT_EQ(sql(url_of(keep), "SELECT COUNT(*) FROM items"), "200");

  // The list shows engine, port, state, age, expiry and space, as a table and as JSON.
  for (const auto& [name, c] : by_name) {
    EXPECT_EQ(c["engine"], engine()) << name;
    EXPECT_EQ(c["state"], "running") << name;
    EXPECT_TRUE(c["port"].is_number()) << name;
    EXPECT_TRUE(c["created_at"].is_string()) << name;
    EXPECT_TRUE(c["used_bytes"].is_number()) << name;
  }
  EXPECT_TRUE(by_name["later"]["expires_at"].is_string());
  EXPECT_EQ(by_name["keep"]["protected"], true);
  auto table = cli().run({"clone", "list"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  for (const char* column : {"NAME", "ENGINE", "PORT", "STATE", "AGE", "EXPIRES", "USED"}) {
    EXPECT_NE(table.out.find(column), std::string::npos) << column << " missing:\n" << table.out;
  }
  auto line_of = [&](const std::string& name) {
    for (const auto& l : split(table.out, '\n')) {
      if (starts_with(l, name + " ")) return l;
    }
    return std::string();
  };
  std::string later_line = line_of("later");
  EXPECT_NE(later_line.find(engine()), std::string::npos) << later_line;
  EXPECT_NE(later_line.find(std::to_string(later["port"].get<int>())), std::string::npos)
      << later_line;
  EXPECT_NE(later_line.find("running"), std::string::npos) << later_line;
  EXPECT_NE(later_line.find("in 7h"), std::string::npos) << later_line;
  EXPECT_NE(later_line.find("B"), std::string::npos) << "no used space: " << later_line;
  EXPECT_NE(line_of("keep").find("protected"), std::string::npos) << line_of("keep");

  // Extended and unprotected, the clone lives on.
  cli().ok_json({"clone", "extend", "keep", "--ttl", "1h"});
  cli().ok_json({"clone", "unprotect", "keep"});
  EXPECT_EQ(cli().ok_json({"clone", "show", "keep"}).value("state", ""), "running");
}

TEST_P(CloneLifecycle, ExecHookSeesTheClone) {
  fs::path out = world_->scratch() / "hook-out";
  fs::create_directories(out);
  fs::path script = world_->scratch() / "hook.sh";
  // The hook records its environment and logs in with what it was given.
  test::write_text(
      script,
      "#!/bin/sh\nset -e\n"
      "env | grep '^DBTWIN_' | sort > '" +
          (out / "env").string() +
          "'\n"
          "case \"$DBTWIN_URL\" in\n"
          "  postgres*) psql -X -q -t -A -d \"$DBTWIN_URL\" -c 'SELECT COUNT(*) FROM items' ;;\n"
          "  *) MYSQL_PWD=\"$DBTWIN_PASSWORD\" mariadb -N -B -h \"$DBTWIN_HOST\" -P "
          "\"$DBTWIN_PORT\""
          " -u \"$DBTWIN_USER\" \"$DBTWIN_DATABASE\" -e 'SELECT COUNT(*) FROM items' ;;\n"
          "esac > '" +
          (out / "count").string() + "'\n");
  fs::permissions(script, fs::perms(0755));
  auto c = clone("hooked", {"--exec", script.string(), "--password", "hook-pass"});
  ASSERT_TRUE(c.is_object());

  std::map<std::string, std::string> env;
  for (const auto& line : split(test::read_text(out / "env"), '\n')) {
    auto eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  EXPECT_EQ(env["DBTWIN_CLONE"], "hooked");
  EXPECT_EQ(env["DBTWIN_TEMPLATE"], "shop");
  EXPECT_EQ(env["DBTWIN_HOST"], c["host"].get<std::string>());
  EXPECT_EQ(env["DBTWIN_PORT"], std::to_string(c["port"].get<int>()));
  EXPECT_EQ(env["DBTWIN_USER"], "dbtwin");
  EXPECT_EQ(env["DBTWIN_PASSWORD"], "hook-pass");
  EXPECT_EQ(env["DBTWIN_DATABASE"], "shop");
  EXPECT_EQ(env["DBTWIN_URL"], url_of(c));
  EXPECT_EQ(std::string(trim(test::read_text(out / "count"))), "200")
      << "the hook could not log in";

  // With -q, the URL alone is printed, for scripts: URL=$(dbtwin -q clone create shop).
  auto quiet = cli().run({"-q", "clone", "create", "shop", "quiet"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.out, url_of(cli().ok_json({"clone", "show", "quiet"})) + "\n");
}

INSTANTIATE_TEST_SUITE_P(Drivers, CloneLifecycle, ::testing::ValuesIn(test::matrix()),
                         test::matrix_name);

}  // namespace
}  // namespace dbtwin
