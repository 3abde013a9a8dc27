#include "bench_daemon.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "os/files.h"

namespace dbtwin::bench {

using Clock = std::chrono::steady_clock;

Result<std::unique_ptr<Daemon>> Daemon::start(const Instance& inst, const fs::path& log, int port,
                                              const std::vector<std::string>& env) {
  std::unique_ptr<Daemon> d(new Daemon());
  d->port_ = port;
  auto out = TRY(os::open_fd(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  auto opts = inst.spawn_options({"serve", "--listen", fmt::format("127.0.0.1:{}", port)}, env);
  opts.stdout_fd = out.get();
  opts.stderr_fd = out.get();
  d->child_.emplace(TRY(os::ChildProcess::spawn(opts)));
  for (auto deadline = Clock::now() + std::chrono::seconds(60); Clock::now() < deadline;) {
    if (d->call("GET", "/healthz").status == 200) return d;
    if (auto code = d->child_->try_wait()) {
      d->child_.reset();
      return err(Errc::unavailable, "dbtwin serve exited with {}: {}", *code,
                 os::read_file(log).value_or(""));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return err(Errc::timeout, "dbtwin serve did not answer /healthz within 60 s");
}

Answer Daemon::call(const std::string& method, const std::string& path,
                    const std::string& body) const {
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(600, 0);
  auto t0 = Clock::now();
  httplib::Result r = method == "GET"      ? c.Get(path)
                      : method == "DELETE" ? c.Delete(path)
                                           : c.Post(path, body, "application/json");
  Answer a;
  a.wall = std::chrono::duration<double>(Clock::now() - t0).count();
  if (r) {
    a.status = r->status;
    a.body = r->body;
  }
  return a;
}

Status Daemon::stop() {
  if (!child_) return {};
  ::kill(child_->pid(), SIGTERM);
  auto code = child_->wait();
  child_.reset();
  if (!code) return std::move(code).error();
  if (*code != 0) return err(Errc::internal, "dbtwin serve exited with {}", *code);
  return {};
}

}  // namespace dbtwin::bench
