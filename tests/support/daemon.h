// Test support: a real `dbtwin serve` process on a loopback port, started on a Cli's state
// folder, and a small HTTP client for it. The daemon's stderr goes to a log file the test can
// read (log()). Destruction stops it with SIGTERM (SIGKILL if it does not stop).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "os/process.h"
#include "support/cli.h"

namespace dbtwin::test {

struct HttpResult {
  int status = 0;  // 0: no answer (connection failed)
  std::string body;
  std::map<std::string, std::string> headers;
  nlohmann::json json() const;  // body parsed; a test failure if it is not JSON
};

class Daemon {
 public:
  // Starts `dbtwin serve --listen 127.0.0.1:<free port>` with the Cli's environment plus
  // `extra_env` (KEY=VALUE) and waits until it logs that it listens. nullptr and a test
  // failure (with the log) if it does not come up within `timeout`.
  static std::unique_ptr<Daemon> start(const Cli& cli,
                                       const std::vector<std::string>& extra_env = {},
                                       std::chrono::seconds timeout = std::chrono::seconds(30));
  ~Daemon();

  std::string url() const;  // http://127.0.0.1:PORT
  int port() const { return port_; }
  pid_t pid() const;
  std::string log() const;  // everything the daemon wrote to stderr so far

  // One request; `token` adds Authorization: Bearer.
  HttpResult request(const std::string& method, const std::string& path,
                     const std::string& body = "", const std::string& token = "",
                     const std::string& content_type = "application/json") const;
  HttpResult get(const std::string& path) const { return request("GET", path); }
  HttpResult post(const std::string& path, const nlohmann::json& body) const {
    return request("POST", path, body.dump());
  }
  HttpResult del(const std::string& path) const { return request("DELETE", path); }

  // Polls GET /v1/jobs/ID until the job leaves "running"; the final job.
  nlohmann::json wait_job(int64_t id,
                          std::chrono::seconds timeout = std::chrono::seconds(300)) const;

  // SIGKILL to the daemon alone (its clone servers and import tools live on), then reaped.
  void kill9();
  // SIGTERM and wait; the exit code.
  int stop();

 private:
  Daemon() = default;
  std::optional<os::ChildProcess> child_;
  std::filesystem::path log_path_;
  int port_ = 0;
  std::string token_;
};

// A free TCP port on 127.0.0.1 right now (for daemons; clone servers use the Cli's range).
int free_tcp_port();

}  // namespace dbtwin::test
