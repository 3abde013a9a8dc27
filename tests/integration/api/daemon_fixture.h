// The base of the daemon lifecycle tests: a private dbtwin set-up on a loop-mounted XFS pool
// (reflink clones), a real `dbtwin serve` on it, and the checks that nothing outlived a test:
// no clone row, no volume beyond the templates' snapshots, no server process, no mount, no port.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli_matrix.h"
#include "support/daemon.h"

namespace dbtwin::test {

// Polls `pred` every `step` until it holds (true) or `timeout` passed (false).
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(100));

// The pid of the server behind a clone's URL: PostgreSQL's postmaster.pid, MariaDB's pid file.
// -1 and a test failure if it cannot be read.
pid_t server_pid(const std::string& url);

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override;     // the XFS world, or a skip with the reason
  void TearDown() override;  // whatever a failed test left: destroyed, daemon stopped, pool gone

  const Cli& cli() const { return world_->cli(); }

  // Starts the daemon with `env` (KEY=VALUE, e.g. DBTWIN_LIFECYCLE_INTERVAL=1s), remembered
  // for restart(). False (and a test failure with its log) if it did not come up.
  bool start(std::vector<std::string> env = {});
  // A new daemon on the same state, with the same environment (the old one must be gone).
  bool restart();

  // POST /v1/clones with `body`; the CloneView when the answer is 201, else a test failure and
  // null. Its port is remembered for the final port check.
  nlohmann::json create(const nlohmann::json& body);
  // GET /v1/clones/NAME: the CloneView, or null when it is 404 (anything else fails the test).
  nlohmann::json show(const std::string& name) const;
  std::vector<std::string> clone_names() const;
  nlohmann::json events() const;  // GET /v1/events
  // An event of `kind` ("" any) whose message contains every one of `words`.
  bool has_event(const std::string& kind, const std::vector<std::string>& words) const;
  int volumes() const;             // GET /v1/pool volumes
  int template_snapshots() const;  // snapshots of every template (GET /v1/templates)
  // Waits until no job is running (a refresh, an import).
  void wait_jobs_idle(std::chrono::seconds timeout = std::chrono::seconds(180)) const;

  // Destroys every clone through the daemon (DELETE ?force=true, all 204), then checks that
  // nothing is left: no clone, volumes back to the templates' snapshots, no server process
  // under the pool, no mount below it, every port a clone had is free again; then stops the
  // daemon (SIGTERM, exit 0).
  void destroy_all_and_check_nothing_left();

  std::unique_ptr<CliWorld> world_;
  std::unique_ptr<Daemon> daemon_;
  std::vector<std::string> env_;
  std::set<int> ports_;  // every port a clone of this test had
};

}  // namespace dbtwin::test
