// The CLI through a real `dbtwin serve` daemon (--server, DBTWIN_SERVER) prints what it prints
// in process: the same tables, text, --json and errors with the same exit codes, timings aside.
// The daemon is the real binary, on TCP and then on a Unix socket with an API token.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <thread>

#include "base/strings.h"
#include "os/files.h"
#include "os/net.h"
#include "os/process.h"
#include "support/cli.h"
#include "support/cli_matrix.h"
#include "support/temp_dir.h"

namespace dbtwin::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A `dbtwin serve` process on `listen`, logging to a file; stopped with SIGTERM at the end.
class Daemon {
 public:
  Daemon(const Cli& cli, const std::string& listen, const fs::path& log,
         const std::vector<std::string>& extra_env = {}) {
    auto fd = os::open_fd(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (!fd) {
      ADD_FAILURE() << fd.error().message;
      return;
    }
    os::SpawnOptions opts;
    opts.argv = {DBTWIN_BINARY, "--state-dir", cli.state_dir().string(),
                 "serve",       "--listen",    listen};
    opts.env = cli.env();
    opts.env.insert(opts.env.end(), extra_env.begin(), extra_env.end());
    opts.stdout_fd = fd->get();
    opts.stderr_fd = fd->get();
    auto child = os::ChildProcess::spawn(opts);
    if (!child) {
      ADD_FAILURE() << child.error().message;
      return;
    }
    child_.emplace(std::move(*child));
    wait_listening(log);
  }
  ~Daemon() {
    if (!child_) return;
    child_->kill_group(SIGTERM);
    (void)child_->wait();
  }
  bool up() const { return up_; }

 private:
  // The daemon logs a line with "listening" once it accepts requests.
  void wait_listening(const fs::path& log) {
    for (int i = 0; i < 600; ++i) {
      if (read_text(log).find("listening") != std::string::npos) {
        up_ = true;
        return;
      }
      if (auto code = child_->try_wait()) {
        ADD_FAILURE() << "dbtwin serve exited with " << *code << ":\n" << read_text(log);
        child_.reset();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "dbtwin serve never said it was listening:\n" << read_text(log);
  }

  std::optional<os::ChildProcess> child_;
  bool up_ = false;
};

// Output with what legitimately differs between two runs made apart: durations and timings,
// sizes of live data directories, and column padding that follows their width.
std::string normalize(std::string s,
                      const std::vector<std::pair<std::string, std::string>>& names) {
  for (const auto& [from, to] : names) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
      s.replace(at, from.size(), to);
  }
  static const std::regex size(R"(\d+(\.\d+)? (B|KiB|MiB|GiB|TiB)\b)");
  static const std::regex duration(R"(-?\b\d+(\.\d+)?(d\d+h|h\d\dm|ms|s|m|h|d)\b)");
  static const std::regex padding(R"( {2,})");
  s = std::regex_replace(s, size, "<size>");
  s = std::regex_replace(s, duration, "<t>");
  return std::regex_replace(s, padding, "  ");
}

// A clone's or a list's JSON without the fields that move on their own (space, timings).
json steady(json j) {
  if (j.is_array()) {
    for (auto& e : j) e = steady(e);
    return j;
  }
  for (const char* k : {"used_bytes", "seconds", "command_seconds", "available_bytes"}) j.erase(k);
  return j;
}

class RemoteCli : public ::testing::Test {
 protected:
  void SetUp() override {
    cli_ = std::make_unique<Cli>(dir_ / "state", unique_port_base(), "copy");
    write_text(dir_ / "shop.sql", items_sql(50));
    auto t = cli_->ok_json({"template", "create", "shop", "--engine", "postgres", "--from-dump",
                            (dir_ / "shop.sql").string()});
    ASSERT_EQ(t.value("state", ""), "ready") << t.dump();
    port_ = unique_port_base();
    url_ = "http://127.0.0.1:" + std::to_string(port_);
    daemon_ =
        std::make_unique<Daemon>(*cli_, "127.0.0.1:" + std::to_string(port_), dir_ / "serve.log");
    ASSERT_TRUE(daemon_->up());
  }
  void TearDown() override {
    daemon_.reset();
    cli_.reset();  // destroys what is left, in process
  }

  CliResult local(const std::vector<std::string>& args) const { return cli_->run(args); }
  CliResult remote(const std::vector<std::string>& args,
                   const std::vector<std::string>& env = {}) const {
    std::vector<std::string> with = {"--server", url_};
    with.insert(with.end(), args.begin(), args.end());
    return cli_->run(with, env);
  }
  // Runs `args` both ways; both succeed and print the same, normalized.
  void expect_same(const std::vector<std::string>& args) const {
    SCOPED_TRACE(fmt::format("dbtwin {}", fmt::join(args, " ")));
    auto l = local(args);
    auto r = remote(args);
    ASSERT_EQ(l.exit_code, 0) << l.err;
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (args.front() == "--json")
      EXPECT_EQ(steady(r.json()), steady(l.json()));
    else
      EXPECT_EQ(normalize(r.out, {}), normalize(l.out, {}));
  }
  // Runs `args` both ways; both fail with the same exit code and message.
  void expect_same_error(const std::vector<std::string>& args, int code) const {
    SCOPED_TRACE(fmt::format("dbtwin {}", fmt::join(args, " ")));
    auto l = local(args);
    auto r = remote(args);
    EXPECT_EQ(l.exit_code, code) << l.err;
    EXPECT_EQ(r.exit_code, code) << r.err;
    EXPECT_EQ(r.err, l.err);
    EXPECT_EQ(r.out, l.out);
  }

  TempDir dir_{"dbtwin-remote"};
  std::unique_ptr<Cli> cli_;
  std::unique_ptr<Daemon> daemon_;
  int port_ = 0;
  std::string url_;
};

TEST_F(RemoteCli, ClonesPrintTheSameAsInProcess) {
  // Created one each way, with the same password: the same answer but for name and port.
  auto l = local({"--json", "clone", "create", "shop", "loc1", "--password", "Pw-1"});
  auto r = remote({"--json", "clone", "create", "shop", "rem1", "--password", "Pw-1"});
  ASSERT_EQ(l.exit_code, 0) << l.err;
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json lj = l.json(), rj = r.json();
  EXPECT_EQ(rj.value("state", ""), "running") << rj.dump();
  for (const char* k : {"name", "port", "url", "created_at", "created_unix"}) {
    lj.erase(k);
    rj.erase(k);
  }
  EXPECT_EQ(steady(rj), steady(lj));
  EXPECT_EQ(sql(r.json().value("url", ""), "SELECT COUNT(*) FROM items"), "50");

  auto lp = local({"clone", "create", "shop", "loc2"});
  auto rp = remote({"clone", "create", "shop", "rem2"});
  ASSERT_EQ(lp.exit_code, 0) << lp.err;
  ASSERT_EQ(rp.exit_code, 0) << rp.err;
  auto port_of = [&](const std::string& name) {
    return std::to_string(cli_->ok_json({"clone", "show", name}).value("port", 0));
  };
  auto pw_of = [&](const std::string& name) {
    return cli_->ok_json({"clone", "show", name}).value("password", "");
  };
  EXPECT_EQ(normalize(rp.out, {{"rem2", "N"}, {port_of("rem2"), "P"}, {pw_of("rem2"), "W"}}),
            normalize(lp.out, {{"loc2", "N"}, {port_of("loc2"), "P"}, {pw_of("loc2"), "W"}}));

  expect_same({"clone", "list"});
  expect_same({"--json", "clone", "list"});
  expect_same({"clone", "list", "--template", "shop"});
  expect_same({"clone", "show", "rem1"});
  expect_same({"--json", "clone", "show", "loc1"});
  expect_same({"template", "list"});
  expect_same({"--json", "template", "list"});
  expect_same({"template", "show", "shop"});
  expect_same({"--json", "template", "snapshots", "shop"});
  expect_same({"pool", "status"});

  // Lifecycle through the daemon, seen in process.
  ASSERT_EQ(remote({"clone", "protect", "rem1"}).exit_code, 0);
  EXPECT_EQ(local({"--json", "clone", "show", "rem1"}).json().value("protected", false), true);
  expect_same_error({"clone", "destroy", "rem1"}, 4);
  ASSERT_EQ(remote({"clone", "unprotect", "rem1"}).exit_code, 0);
  auto stopped = remote({"--json", "clone", "stop", "rem2"});
  EXPECT_EQ(stopped.json().value("state", ""), "stopped") << stopped.err;
  auto started = remote({"--json", "clone", "start", "rem2"});
  EXPECT_EQ(started.json().value("state", ""), "running") << started.err;
  auto extended = remote({"--json", "clone", "extend", "rem2", "--ttl", "2h"});
  EXPECT_GT(extended.json().value("expires_unix", int64_t{0}), now_unix() + 7000);
  expect_same({"clone", "show", "rem2"});

  // Destroyed each way: the same words.
  auto ld = local({"clone", "destroy", "loc1", "loc2"});
  auto rd = remote({"clone", "destroy", "rem1", "rem2"});
  ASSERT_EQ(ld.exit_code, 0) << ld.err;
  ASSERT_EQ(rd.exit_code, 0) << rd.err;
  EXPECT_EQ(normalize(rd.out, {{"rem", "X"}}), normalize(ld.out, {{"loc", "X"}}));
  expect_same({"--json", "clone", "list"});
}

TEST_F(RemoteCli, ErrorsKeepTheirCodeAndMessage) {
  expect_same_error({"clone", "show", "nope"}, 3);
  expect_same_error({"--json", "clone", "show", "nope"}, 3);
  expect_same_error({"clone", "create", "nosuch", "x1"}, 3);
  expect_same_error({"clone", "show", "Bad Name"}, 2);
  expect_same_error({"template", "show", "nope"}, 3);
  expect_same_error({"template", "refresh", "nope"}, 3);
  ASSERT_EQ(local({"clone", "create", "shop", "taken"}).exit_code, 0);
  expect_same_error({"clone", "create", "shop", "taken"}, 4);
  expect_same_error({"template", "delete", "shop"}, 4);  // a clone uses it
  ASSERT_EQ(remote({"clone", "destroy", "taken"}).exit_code, 0);

  // Commands of the database host itself are refused, not half-run.
  auto init = remote({"pool", "init", "--loop", "1G"});
  EXPECT_EQ(init.exit_code, 2);
  EXPECT_NE(init.err.find("`pool init` runs on the database host, not through --server"),
            std::string::npos)
      << init.err;
  EXPECT_EQ(remote({"demo"}).exit_code, 2);

  // Nobody there.
  int dead = unique_port_base();
  ASSERT_TRUE(os::tcp_port_free("127.0.0.1", dead));
  std::string nowhere = "http://127.0.0.1:" + std::to_string(dead);
  auto down = cli_->run({"--server", nowhere, "clone", "list"});
  EXPECT_EQ(down.exit_code, 5);
  EXPECT_NE(down.err.find("cannot reach the dbtwin server at " + nowhere), std::string::npos)
      << down.err;
}

TEST_F(RemoteCli, TemplatesThroughJobsAndSchedules) {
  // A relative dump path means the CLI's working folder; the daemon gets it absolute.
  write_text(dir_ / "more.sql", items_sql(20));
  os::SpawnOptions opts;
  opts.argv = {DBTWIN_BINARY, "--server", url_,       "template",    "create",
               "more",        "--engine", "postgres", "--from-dump", "more.sql"};
  opts.env = cli_->env();
  opts.cwd = dir_.path();
  auto made = os::run(opts);
  ASSERT_TRUE(made.ok()) << made.error().message;
  ASSERT_EQ(made->exit_code, 0) << made->err;
  EXPECT_TRUE(std::regex_search(
      made->out, std::regex(R"(^template more \(postgres\) ready in \d+\.\d\ds: snapshot \d+\n$)")))
      << made->out;
  expect_same({"--json", "template", "show", "more"});
  expect_same({"template", "show", "more"});

  auto refreshed = remote({"--json", "template", "refresh", "more"});
  ASSERT_EQ(refreshed.exit_code, 0) << refreshed.err;
  EXPECT_EQ(refreshed.json()["snapshots"].size(), 2u) << refreshed.out;

  auto set = remote({"template", "schedule", "more", "@every 10m", "--keep", "2"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(set.out, "template more refreshes on @every 10m, keeping 2 unused snapshots\n");
  expect_same({"template", "schedule", "more"});
  expect_same({"template", "show", "more"});
  auto off = remote({"--json", "template", "schedule", "more", "--off"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(off.json().value("schedule", "?"), "");
  EXPECT_EQ(local({"template", "schedule", "more"}).out, "template more has no refresh schedule\n");

  auto deleted = remote({"template", "delete", "more"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "template more deleted\n");
  expect_same({"--json", "template", "list"});
}

TEST_F(RemoteCli, UnixSocketWithToken) {
  ASSERT_EQ(local({"clone", "create", "shop", "u1"}).exit_code, 0);
  daemon_.reset();
  std::string sock = (dir_ / "dbtwin.sock").string();
  daemon_ = std::make_unique<Daemon>(*cli_, "unix:" + sock, dir_ / "serve-unix.log",
                                     std::vector<std::string>{"DBTWIN_API_TOKEN=Tok-3n"});
  ASSERT_TRUE(daemon_->up());
  url_ = "unix://" + sock;

  auto no_token = remote({"clone", "list"});
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_NE(no_token.err.find("DBTWIN_TOKEN"), std::string::npos) << no_token.err;
  auto wrong = remote({"--token", "nope", "clone", "list"});
  EXPECT_EQ(wrong.exit_code, 2);

  auto l = local({"--json", "clone", "list"});
  auto by_flag = remote({"--token", "Tok-3n", "--json", "clone", "list"});
  ASSERT_EQ(by_flag.exit_code, 0) << by_flag.err;
  EXPECT_EQ(steady(by_flag.json()), steady(l.json()));
  // DBTWIN_SERVER and DBTWIN_TOKEN instead of flags.
  auto by_env =
      cli_->run({"--json", "clone", "list"}, {"DBTWIN_SERVER=unix:" + sock, "DBTWIN_TOKEN=Tok-3n"});
  ASSERT_EQ(by_env.exit_code, 0) << by_env.err;
  EXPECT_EQ(steady(by_env.json()), steady(l.json()));
  EXPECT_EQ(remote({"clone", "destroy", "u1"}, {"DBTWIN_TOKEN=Tok-3n"}).exit_code, 0);
}

}  // namespace
}  // namespace dbtwin::test
