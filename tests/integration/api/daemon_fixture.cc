#include "daemon_fixture.h"

#include <cstdlib>
#include <thread>

#include "base/strings.h"
#include "os/net.h"

namespace dbtwin::test {

using nlohmann::json;

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

pid_t server_pid(const std::string& url) {
  std::string file;
  if (starts_with(url, "postgres")) {
    std::string dir = sql(url, "SHOW data_directory");
    if (starts_with(dir, "ERROR")) {
      ADD_FAILURE() << "data_directory of " << url << ": " << dir;
      return -1;
    }
    file = dir + "/postmaster.pid";
  } else {
    file = sql(url, "SELECT @@pid_file");
    if (starts_with(file, "ERROR")) {
      ADD_FAILURE() << "pid_file of " << url << ": " << file;
      return -1;
    }
  }
  std::string text = read_text(file);
  pid_t pid = static_cast<pid_t>(std::atol(text.c_str()));  // the first line is the pid
  if (pid <= 0) ADD_FAILURE() << "no pid in " << file << ": '" << text << "'";
  return pid > 0 ? pid : -1;
}

void DaemonTest::SetUp() {
  std::string why;
  world_ = CliWorld::make(pool_case("xfs"), &why);
  if (!world_) GTEST_SKIP() << why;
}

void DaemonTest::TearDown() {
  if (daemon_ && daemon_->pid() > 0 && HasFailure()) {
    // A failed test may have left clones: destroyed through the daemon while it runs, so that
    // nothing it still supervises comes back behind the CLI's back.
    for (const auto& name : clone_names()) (void)daemon_->del("/v1/clones/" + name + "?force=true");
  }
  daemon_.reset();  // SIGTERM
  if (world_) world_->tear_down();
}

bool DaemonTest::start(std::vector<std::string> env) {
  env_ = std::move(env);
  return restart();
}

bool DaemonTest::restart() {
  daemon_ = Daemon::start(cli(), env_);
  return daemon_ != nullptr;
}

json DaemonTest::create(const json& body) {
  auto r = daemon_->post("/v1/clones", body);
  EXPECT_EQ(r.status, 201) << "POST /v1/clones " << body.dump() << ": " << r.body;
  if (r.status != 201) return json();
  json c = r.json();
  if (c.contains("port") && c["port"].is_number()) ports_.insert(c["port"].get<int>());
  return c;
}

json DaemonTest::show(const std::string& name) const {
  auto r = daemon_->get("/v1/clones/" + name);
  if (r.status == 404) return json();
  EXPECT_EQ(r.status, 200) << "GET /v1/clones/" << name << ": " << r.body;
  return r.status == 200 ? r.json() : json();
}

std::vector<std::string> DaemonTest::clone_names() const {
  std::vector<std::string> out;
  auto r = daemon_->get("/v1/clones");
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return out;
  for (const auto& c : r.json()) out.push_back(c.value("name", ""));
  return out;
}

json DaemonTest::events() const {
  auto r = daemon_->get("/v1/events");
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? r.json() : json::array();
}

bool DaemonTest::has_event(const std::string& kind, const std::vector<std::string>& words) const {
  for (const auto& e : events()) {
    if (!kind.empty() && e.value("kind", "") != kind) continue;
    std::string message = e.value("message", "");
    bool all = true;
    for (const auto& w : words) all = all && message.find(w) != std::string::npos;
    if (all) return true;
  }
  return false;
}

int DaemonTest::volumes() const {
  auto r = daemon_->get("/v1/pool");
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? r.json().value("volumes", -1) : -1;
}

int DaemonTest::template_snapshots() const {
  auto r = daemon_->get("/v1/templates");
  EXPECT_EQ(r.status, 200) << r.body;
  int n = 0;
  if (r.status == 200) {
    for (const auto& t : r.json()) n += static_cast<int>(t["snapshots"].size());
  }
  return n;
}

void DaemonTest::wait_jobs_idle(std::chrono::seconds timeout) const {
  json last;
  bool idle = eventually(
      [&] {
        auto r = daemon_->get("/v1/jobs");
        if (r.status != 200) return false;
        last = r.json();
        for (const auto& j : last) {
          if (j.value("state", "") == "running") return false;
        }
        return true;
      },
      timeout, std::chrono::milliseconds(200));
  EXPECT_TRUE(idle) << "jobs still running after " << timeout.count() << "s: " << last.dump();
}

void DaemonTest::destroy_all_and_check_nothing_left() {
  ASSERT_TRUE(daemon_ != nullptr);
  wait_jobs_idle();
  for (const auto& name : clone_names()) {
    auto r = daemon_->del("/v1/clones/" + name + "?force=true");
    EXPECT_EQ(r.status, 204) << "DELETE " << name << ": " << r.body;
  }
  EXPECT_TRUE(clone_names().empty());
  EXPECT_EQ(volumes(), template_snapshots()) << "volumes left beyond the templates' snapshots";
  // A server killed by a test leaves children that end once they notice; allow them a moment.
  std::vector<pid_t> left;
  EXPECT_TRUE(eventually(
      [&] {
        left = processes_mentioning(world_->pool_root().string());
        return left.empty();
      },
      std::chrono::seconds(15)))
      << left.size() << " process(es) still mention the pool, e.g. pid " << left.front();
  EXPECT_TRUE(mounts_below(world_->pool_root()).empty());
  // A destroyed server's connections can hold its port for a few seconds after it exits
  // (FIN_WAIT, LAST_ACK); what must not remain is anything that keeps it for good.
  for (int port : ports_) {
    EXPECT_TRUE(
        eventually([&] { return os::tcp_port_free("127.0.0.1", port); }, std::chrono::seconds(30)))
        << "port " << port;
  }
  pid_t pid = daemon_->pid();
  EXPECT_EQ(daemon_->stop(), 0) << daemon_->log();
  EXPECT_FALSE(pid_alive(pid));
  daemon_.reset();
}

}  // namespace dbtwin::test
