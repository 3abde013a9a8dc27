#include "api_world.h"

#include <fcntl.h>
#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "base/strings.h"
#include "base/unique_fd.h"

namespace dbtwin::test::api {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string> kCloneFields = {
    "name",       "template",     "snapshot",  "engine",     "state",
    "host",       "port",         "user",      "password",   "database",
    "url",        "owner",        "protected", "created_at", "created_unix",
    "expires_at", "expires_unix", "restarts",  "used_bytes"};
const std::vector<std::string> kTemplateFields = {
    "name",       "engine",       "database", "state",          "source_kind", "source",
    "created_at", "created_unix", "schedule", "keep_snapshots", "clones",      "snapshots"};
const std::vector<std::string> kSnapshotFields = {
    "id", "template", "state", "origin", "size_bytes", "created_at", "created_unix"};
const std::vector<std::string> kJobFields = {
    "id",          "kind",       "target",      "state",  "done_bytes",
    "total_bytes", "created_at", "finished_at", "result", "error"};
const std::vector<std::string> kPoolFields = {"driver",          "root",   "image", "total_bytes",
                                              "available_bytes", "volumes"};
const std::vector<std::string> kMyaasDbFields = {"database", "host",    "name",   "port",   "user",
                                                 "password", "running", "status", "created"};

std::unique_ptr<ApiWorld> ApiWorld::make(const std::string& pool, std::string* why_not,
                                         const std::vector<std::string>& env) {
  std::unique_ptr<ApiWorld> w(new ApiWorld());
  w->world_ = CliWorld::make(pool_case(pool), why_not);
  if (!w->world_) return nullptr;  // *why_not says why: a skip
  if (why_not) why_not->clear();   // from here on a failure is a failure, not a skip
  w->env_ = env;
  w->daemon_ = Daemon::start(w->world_->cli(), env);
  if (!w->daemon_) return nullptr;
  return w;
}

ApiWorld::~ApiWorld() {
  if (daemon_) {
    wait_jobs(std::chrono::seconds(120));
    daemon_->stop();
    daemon_.reset();
  }
  world_.reset();
}

bool ApiWorld::restart(const std::vector<std::string>& env) {
  if (daemon_) {
    wait_jobs(std::chrono::seconds(120));
    daemon_->stop();
  }
  daemon_ = Daemon::start(world_->cli(), env);
  env_ = env;
  return daemon_ != nullptr;
}

fs::path ApiWorld::write_dump(const std::string& name, int rows) const {
  fs::path dump = world_->scratch() / (name + ".sql");
  write_text(dump, items_sql(rows));
  return dump;
}

json ApiWorld::make_template(const std::string& name, const std::string& engine, int rows,
                             HttpResult* accepted, json* job_out) {
  fs::path dump = write_dump(name, rows);
  json body = {{"name", name},
               {"engine", engine},
               {"source", {{"kind", "dump"}, {"dumps", {dump.string()}}}}};
  auto r = daemon_->post("/v1/templates", body);
  if (accepted) *accepted = r;
  EXPECT_EQ(r.status, 202) << r.body;
  if (r.status != 202) return json();
  auto job = daemon_->wait_job(r.json()["id"].get<int64_t>());
  if (job_out) *job_out = job;
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  if (job["state"] != "succeeded") return json();
  auto shown = daemon_->get("/v1/templates/" + name);
  EXPECT_EQ(shown.status, 200) << shown.body;
  return shown.status == 200 ? shown.json() : json();
}

json ApiWorld::make_clone(const json& body) const {
  auto r = daemon_->post("/v1/clones", body);
  EXPECT_EQ(r.status, 201) << body.dump() << " -> " << r.body;
  return r.status == 201 ? r.json() : json();
}

void ApiWorld::destroy_clones() const {
  auto list = daemon_->get("/v1/clones");
  if (list.status != 200) return;
  for (const auto& c : list.json()) {
    auto r = daemon_->del("/v1/clones/" + c["name"].get<std::string>() + "?force=true");
    EXPECT_EQ(r.status, 204) << r.body;
  }
}

void ApiWorld::wait_jobs(std::chrono::seconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = daemon_->get("/v1/jobs");
    if (r.status != 200) return;
    bool running = false;
    for (const auto& j : r.json()) running = running || j["state"] == "running";
    if (!running) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "jobs still running after " << limit.count() << "s";
}

json CurlResult::json() const {
  auto j = json::parse(body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON (status " << status << "): " << body;
  return j;
}

CurlResult curl(const std::vector<std::string>& args) {
  os::SpawnOptions opts;
  // The status goes on a line of its own after the body, so that an empty body (304, 204)
  // is told apart from a failed transfer.
  opts.argv = {"curl", "-sS", "--noproxy", "*", "--max-time", "300", "-w", "\n%{http_code}"};
  opts.argv.insert(opts.argv.end(), args.begin(), args.end());
  CurlResult out;
  auto r = os::run(opts);
  if (!r) {
    out.err = r.error().message;
    return out;
  }
  out.exit_code = r->exit_code;
  out.err = r->err;
  auto nl = r->out.rfind('\n');
  if (nl == std::string::npos) return out;
  out.body = r->out.substr(0, nl);
  try {
    out.status = std::stoi(r->out.substr(nl + 1));
  } catch (...) {
    out.status = 0;
  }
  return out;
}

ServeProcess::ServeProcess(const Cli& cli, const std::vector<std::string>& args,
                           const std::vector<std::string>& env, const fs::path& log)
    : log_(log) {
  UniqueFd fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  os::SpawnOptions opts;
  opts.argv = {DBTWIN_BINARY, "serve"};
  opts.argv.insert(opts.argv.end(), args.begin(), args.end());
  opts.env = cli.env();
  opts.env.insert(opts.env.end(), env.begin(), env.end());
  opts.stdout_fd = fd.get();
  opts.stderr_fd = fd.get();
  auto child = os::ChildProcess::spawn(opts);
  if (!child) {
    ADD_FAILURE() << "spawning dbtwin serve: " << child.error().message;
    return;
  }
  child_.emplace(std::move(*child));
}

ServeProcess::~ServeProcess() {
  if (child_ && !code_) stop();
}

bool ServeProcess::wait_listening(std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (child_ && std::chrono::steady_clock::now() < deadline) {
    if (log().find("listening on") != std::string::npos) return true;
    if (!code_) code_ = child_->try_wait();
    if (code_) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::optional<int> ServeProcess::wait_exit(std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (child_ && !code_ && std::chrono::steady_clock::now() < deadline) {
    code_ = child_->try_wait();
    if (!code_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return code_;
}

int ServeProcess::stop() {
  if (!child_) return -1;
  if (code_) return *code_;
  ::kill(child_->pid(), SIGTERM);
  if (auto code = wait_exit(std::chrono::seconds(15))) return *code;
  ADD_FAILURE() << "dbtwin serve ignored SIGTERM for 15s; killing it";
  child_->kill_group(SIGKILL);
  auto code = child_->wait();
  code_ = code ? *code : -1;
  return -1;
}

std::string ServeProcess::log() const {
  std::ifstream in(log_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<double> metric(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      try {
        return std::stod(line.substr(series.size() + 1));
      } catch (...) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

void expect_fields(const json& j, const std::vector<std::string>& keys, const std::string& where) {
  if (!j.is_object()) {
    ADD_FAILURE() << where << ": not an object: " << j.dump();
    return;
  }
  for (const auto& k : keys) EXPECT_TRUE(j.contains(k)) << where << " lacks '" << k << "': " << j;
}

void expect_error(const HttpResult& r, int status, const std::string& code,
                  const std::string& where) {
  EXPECT_EQ(r.status, status) << where << ": " << r.body;
  auto type = r.headers.count("Content-Type") ? r.headers.at("Content-Type") : "";
  EXPECT_TRUE(starts_with(type, "application/json")) << where << ": Content-Type " << type;
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("error")) {
    ADD_FAILURE() << where << ": not a JSON error: " << r.body;
    return;
  }
  EXPECT_EQ(j["error"].value("code", ""), code) << where << ": " << r.body;
  EXPECT_FALSE(j["error"].value("message", "").empty()) << where << ": " << r.body;
}

}  // namespace dbtwin::test::api
