// Support for the HTTP API tests: a private dbtwin installation on a real pool with a real
// `dbtwin serve` on it and templates made through the API itself, plus the curl binary (argv, no
// shell) as myaas clients use it, and a `dbtwin serve` started with any listener.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "os/process.h"
#include "support/cli_matrix.h"
#include "support/daemon.h"

namespace dbtwin::test::api {

// A CliWorld (pool case `pool`: "xfs", "copy", ...) and a daemon serving it. Destruction waits
// for the daemon's jobs, stops it, then tears the world down (clones, templates, the pool).
class ApiWorld {
 public:
  // nullptr and *why_not when this machine cannot give the pool; nullptr, an empty *why_not
  // and a test failure when the daemon does not start.
  static std::unique_ptr<ApiWorld> make(const std::string& pool, std::string* why_not,
                                        const std::vector<std::string>& env = {});
  ApiWorld(const ApiWorld&) = delete;
  ApiWorld& operator=(const ApiWorld&) = delete;
  ~ApiWorld();

  CliWorld& world() { return *world_; }
  const Cli& cli() const { return world_->cli(); }
  const Daemon& daemon() const { return *daemon_; }
  // Stops the daemon and starts another on the same state with `env`; false on failure.
  bool restart(const std::vector<std::string>& env = {});

  // Writes a dump of `rows` items to scratch()/NAME.sql.
  std::filesystem::path write_dump(const std::string& name, int rows) const;
  // POST /v1/templates from a generated dump (kind dump), the job polled to its end. Returns the
  // template's JSON (GET /v1/templates/NAME); null and a test failure if any step failed.
  // *accepted gets the 202 answer, *job the final job.
  nlohmann::json make_template(const std::string& name, const std::string& engine, int rows,
                               HttpResult* accepted = nullptr, nlohmann::json* job = nullptr);
  // POST /v1/clones with `body`; the clone's JSON, or null and a test failure unless 201.
  nlohmann::json make_clone(const nlohmann::json& body) const;
  // DELETE ?force=true of every clone, through the API.
  void destroy_clones() const;
  // Waits until no job runs (at most `limit`).
  void wait_jobs(std::chrono::seconds limit = std::chrono::seconds(300)) const;

 private:
  ApiWorld() = default;
  std::unique_ptr<CliWorld> world_;
  std::unique_ptr<Daemon> daemon_;
  std::vector<std::string> env_;
};

// The answer of one curl run: exit code, HTTP status, body (and stderr when curl failed).
struct CurlResult {
  int exit_code = -1;
  int status = 0;
  std::string body;
  std::string err;
  nlohmann::json json() const;  // body parsed; a test failure if it is not JSON
};
// Runs `curl -sS --noproxy * -w <status> ARGS...` (argv, no shell).
CurlResult curl(const std::vector<std::string>& args);

// `dbtwin serve ARGS...` with a Cli's environment plus `env`, its output in a log file. For the
// listeners Daemon does not start (any address, a Unix socket) and for refusals.
class ServeProcess {
 public:
  ServeProcess(const Cli& cli, const std::vector<std::string>& args,
               const std::vector<std::string>& env, const std::filesystem::path& log);
  ~ServeProcess();
  // Waits until it logs that it listens (true) or exits or `limit` passes (false).
  bool wait_listening(std::chrono::seconds limit = std::chrono::seconds(30));
  // Its exit code once it exited by itself within `limit`, or nullopt.
  std::optional<int> wait_exit(std::chrono::seconds limit = std::chrono::seconds(30));
  // SIGTERM and wait; its exit code (-1 if it had to be killed).
  int stop();
  std::string log() const;

 private:
  std::optional<os::ChildProcess> child_;
  std::filesystem::path log_;
  std::optional<int> code_;
};

// Pulls the value of a Prometheus sample line `name{labels} value` (exact text before the
// value); nullopt if absent.
std::optional<double> metric(const std::string& text, const std::string& series);

// The fields every element of `keys` names are present in `j` (a test failure names the missing
// ones and where).
void expect_fields(const nlohmann::json& j, const std::vector<std::string>& keys,
                   const std::string& where);

// The JSON error answer of the native API: `status`, {"error":{"code": code, "message"}}.
void expect_error(const HttpResult& r, int status, const std::string& code,
                  const std::string& where);

// The field lists of the shapes in docs/openapi.yaml (and src/core/json.cc).
extern const std::vector<std::string> kCloneFields;
extern const std::vector<std::string> kTemplateFields;
extern const std::vector<std::string> kSnapshotFields;
extern const std::vector<std::string> kJobFields;
extern const std::vector<std::string> kPoolFields;
extern const std::vector<std::string> kMyaasDbFields;

}  // namespace dbtwin::test::api
