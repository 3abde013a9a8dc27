#include "support/daemon.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "base/unique_fd.h"
#include "os/net.h"

namespace dbtwin::test {

nlohmann::json HttpResult::json() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON (status " << status << "): " << body;
  return j;
}

int free_tcp_port() {
  // A block of its own (clone servers use the Cli's block), so parallel test processes and
  // the clones of this one never race for a daemon's port.
  static int base = unique_port_base();
  static int next = 0;
  for (int i = 0; i < 100; ++i) {
    int port = base + (next++ % 100);
    if (os::tcp_port_free("127.0.0.1", port)) return port;
  }
  ADD_FAILURE() << "no free port in " << base << "-" << base + 99;
  return base;
}

std::unique_ptr<Daemon> Daemon::start(const Cli& cli, const std::vector<std::string>& extra_env,
                                      std::chrono::seconds timeout) {
  std::unique_ptr<Daemon> d(new Daemon());
  d->port_ = free_tcp_port();
  d->log_path_ = cli.state_dir().parent_path() / ("daemon-" + std::to_string(d->port_) + ".log");
  for (const auto& e : extra_env)
    if (e.rfind("DBTWIN_API_TOKEN=", 0) == 0) d->token_ = e.substr(17);
  UniqueFd log(::open(d->log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  os::SpawnOptions opts;
  opts.argv = {DBTWIN_BINARY, "serve", "--listen", "127.0.0.1:" + std::to_string(d->port_)};
  opts.env = cli.env();
  opts.env.insert(opts.env.end(), extra_env.begin(), extra_env.end());
  opts.stdout_fd = log.get();
  opts.stderr_fd = log.get();
  auto child = os::ChildProcess::spawn(opts);
  if (!child) {
    ADD_FAILURE() << "spawning dbtwin serve: " << child.error().message;
    return nullptr;
  }
  d->child_.emplace(std::move(*child));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (d->log().find("listening on") != std::string::npos) return d;
    if (d->child_->try_wait()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "dbtwin serve did not come up; its log:\n" << d->log();
  return nullptr;
}

Daemon::~Daemon() {
  if (child_) stop();
}

std::string Daemon::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

pid_t Daemon::pid() const {
  return child_ ? child_->pid() : -1;
}

std::string Daemon::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

HttpResult Daemon::request(const std::string& method, const std::string& path,
                           const std::string& body, const std::string& token,
                           const std::string& content_type) const {
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(600, 0);
  c.set_connection_timeout(5, 0);
  httplib::Headers h;
  std::string t = token.empty() ? token_ : token;
  if (!t.empty() && t != "-") h.emplace("Authorization", "Bearer " + t);
  httplib::Result r = method == "GET"      ? c.Get(path, h)
                      : method == "DELETE" ? c.Delete(path, h, body, content_type)
                      : method == "PUT"    ? c.Put(path, h, body, content_type)
                                           : c.Post(path, h, body, content_type);
  HttpResult out;
  if (!r) return out;
  out.status = r->status;
  out.body = r->body;
  for (const auto& [k, v] : r->headers) out.headers[k] = v;
  return out;
}

nlohmann::json Daemon::wait_job(int64_t id, std::chrono::seconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  nlohmann::json job;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = get("/v1/jobs/" + std::to_string(id));
    if (r.status == 200) {
      job = r.json();
      if (job["state"] != "running") return job;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "job " << id << " still running after " << timeout.count() << "s: " << job;
  return job;
}

void Daemon::kill9() {
  if (!child_) return;
  ::kill(child_->pid(), SIGKILL);  // the daemon alone, not its process group
  (void)child_->wait();
  child_.reset();
}

int Daemon::stop() {
  if (!child_) return -1;
  ::kill(child_->pid(), SIGTERM);
  for (int i = 0; i < 300; ++i) {
    if (auto code = child_->try_wait()) {
      child_.reset();
      return *code;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "dbtwin serve ignored SIGTERM for 15s; killing it";
  child_->kill_group(SIGKILL);
  auto code = child_->wait();
  child_.reset();
  return code ? *code : -1;
}

}  // namespace dbtwin::test
