// Support for the failure and recovery tests: a private dbtwin installation per test, and the
// one assertion they all end with, that nothing leaked.
//
// "Nothing leaked" is checked from the outside first, straight from the catalog file, the pool
// folder, /proc and /proc/self/mounts, so that no dbtwin command gets to reconcile (and so hide)
// what a failed command left behind. Only then is the CLI asked, and it must agree and have
// nothing to clean up.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "os/process.h"
#include "support/cli.h"
#include "support/temp_dir.h"

namespace dbtwin::test::failure {

namespace fs = std::filesystem;

// A scratch folder, a state folder inside it, a pool (a folder there, or `pool_root`), a port
// range and a CLI bound to them. Destruction removes every clone and template through the CLI,
// then kills whatever still names the state or pool folder, so that a failed test leaves no
// server behind.
class Install {
 public:
  explicit Install(std::string driver, fs::path pool_root = {});
  Install(const Install&) = delete;
  Install& operator=(const Install&) = delete;
  ~Install();

  const Cli& cli() const { return *cli_; }
  const fs::path& scratch() const { return dir_.path(); }
  fs::path state() const { return dir_ / "state"; }
  const fs::path& pool_root() const { return pool_; }
  int port_lo() const { return port_lo_; }

  CliResult run(const std::vector<std::string>& args,
                const std::vector<std::string>& env = {}) const {
    return cli_->run(args, env);
  }
  // `--json template create NAME --engine ENGINE --from-dump <scratch>/NAME.sql` from `sql`;
  // a test failure unless it succeeds.
  nlohmann::json template_from_sql(const std::string& name, const std::string& engine,
                                   const std::string& sql) const;
  // `--json clone create TEMPLATE NAME extra...`; a test failure unless it succeeds.
  nlohmann::json clone(const std::string& tmpl, const std::string& name,
                       const std::vector<std::string>& extra = {}) const;

 private:
  TempDir dir_{"dbtwin-failure"};
  fs::path pool_;
  int port_lo_;
  std::unique_ptr<Cli> cli_;
};

// What must exist; everything else must not.
struct Expected {
  std::set<std::string> templates;
  std::set<std::string> clones;
};

// Asserts (non-fatally) that the installation holds exactly `e`: catalog rows, port rows, run
// folders, volumes in the pool folder (and no staging leftovers), server and tool processes,
// mounts; then that `clone list`, `template list` and `pool status` agree and report no clean-up.
void expect_nothing_leaked(const Install& inst, const Expected& e);

// Portable SQL for both engines: table `items` (id, name) with `rows` rows.
std::string items_sql(int rows);
void write_text(const fs::path& path, const std::string& text);
bool file_exists(const fs::path& path);

// The "url" of a clone's JSON.
std::string url_of(const nlohmann::json& clone);
// The names in a JSON array of objects with "name".
std::set<std::string> names_of(const nlohmann::json& list);

// `dbtwin args...` running in the background, as a user's shell would start it, so that a test
// can kill it with SIGKILL at a moment of its choosing (only it: not the tools it started).
class Background {
 public:
  Background(const Install& inst, const std::vector<std::string>& args,
             const std::vector<std::string>& env = {});
  ~Background();
  pid_t pid() const { return child_ ? child_->pid() : -1; }
  // kill -9 of the dbtwin process alone; returns its exit status (128+9 if the kill hit it, its
  // own exit code if it had finished already).
  int kill9();
  // Waits for it to finish by itself.
  int wait();
  // True while it runs.
  bool running();

 private:
  std::optional<os::ChildProcess> child_;
  std::optional<int> status_;
};

// Polls `ready` every few milliseconds until it holds or `limit` passes; whether it held.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit);

// True if a child of `parent` runs a program whose base name (argv[0], or argv[1] under a
// shell, for scripts such as mariadb-install-db) is one of `names`.
bool has_child_running(pid_t parent, const std::set<std::string>& names);

// A test with its own installation on the copy driver (fast, and a plain folder), as root.
class CopyInstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DBTWIN_REQUIRE_ROOT();
    inst_ = std::make_unique<Install>("copy");
  }
  void TearDown() override { inst_.reset(); }
  std::unique_ptr<Install> inst_;
};

// The PostgreSQL bin folder of this machine, or empty.
fs::path postgres_bindir();

}  // namespace dbtwin::test::failure
