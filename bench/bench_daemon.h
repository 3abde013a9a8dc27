// A `dbtwin serve` started by a bench on one of its instances, and a plain HTTP client for it
// (a new connection per request, as curl or a CI job makes).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "instance.h"
#include "os/process.h"

namespace dbtwin::bench {

struct Answer {
  int status = 0;  // 0: no answer
  std::string body;
  double wall = 0;  // seconds from sending the request to the answer read
};

class Daemon {
 public:
  // Starts `dbtwin serve` on 127.0.0.1:port with `env` added, its output in `log`, and waits
  // until /healthz answers.
  static Result<std::unique_ptr<Daemon>> start(const Instance& inst, const fs::path& log, int port,
                                               const std::vector<std::string>& env);
  ~Daemon() { (void)stop(); }

  Answer call(const std::string& method, const std::string& path,
              const std::string& body = "") const;
  // SIGTERM and wait (clone servers keep running, as always); an exit other than 0 is an error.
  Status stop();
  pid_t pid() const { return child_ ? child_->pid() : -1; }

 private:
  Daemon() = default;
  int port_ = 0;
  std::optional<os::ChildProcess> child_;
};

}  // namespace dbtwin::bench
