// RemoteBackend: the same operations through a `dbtwin serve` daemon's /v1 API (docs/ has the
// OpenAPI document). Long imports run as daemon jobs that are polled for progress.
#include <filesystem>
#include <thread>

#include "base/strings.h"
#include "cli/api_client.h"
#include "cli/backend.h"
#include "core/json.h"

namespace dbtwin::cli {

namespace {

using nlohmann::json;

json clone_request_json(const core::CloneRequest& req) {
  json j = {{"template", req.template_name}, {"user", req.user}, {"owner", req.owner}};
  if (req.name) j["name"] = *req.name;
  if (req.snapshot_id) j["snapshot"] = *req.snapshot_id;
  if (req.from_clone) j["from_clone"] = *req.from_clone;
  if (req.ttl) j["ttl"] = req.ttl->count();
  if (req.password) j["password"] = *req.password;
  if (req.exec) j["exec"] = *req.exec;
  return j;
}

const char* source_kind(core::TemplateRequest::Source s) {
  using S = core::TemplateRequest::Source;
  switch (s) {
    case S::dump:
      return "dump";
    case S::url:
      return "url";
    case S::clone:
      return "clone";
    case S::empty:
      return "empty";
    case S::filled:
      return "bridge";  // a daemon refuses it: bridge restores go through /v1/dumps
  }
  return "empty";
}

json template_request_json(const core::TemplateRequest& req) {
  // The daemon reads dumps from its own file system, where the CLI's working folder means
  // nothing: relative paths are made absolute here.
  json dumps = json::array();
  for (const auto& d : req.dumps) dumps.push_back(std::filesystem::absolute(d).lexically_normal());
  json j = {{"name", req.name},
            {"engine", req.engine},
            {"source",
             {{"kind", source_kind(req.source)},
              {"dumps", dumps},
              {"url", req.url},
              {"clone", req.clone}}}};
  if (req.database) j["database"] = *req.database;
  return j;
}

// What the CLI needs of a daemon job (see the Job JSON in docs/).
struct Job {
  std::string id;
  std::string state;  // "running" | "succeeded" | "failed"
  uint64_t done = 0;
  uint64_t total = 0;
  json result;
  Error error;
};

Result<Job> read_job(const json& j) {
  if (!j.is_object() || !j.contains("id"))
    return err(Errc::internal, "the dbtwin server answered with no job: {}", j.dump());
  try {
    Job job;
    const auto& id = j.at("id");
    job.id = id.is_string() ? id.get<std::string>() : std::to_string(id.get<int64_t>());
    job.state = j.value("state", "");
    if (j.contains("done_bytes") && j["done_bytes"].is_number())
      job.done = j["done_bytes"].get<uint64_t>();
    if (j.contains("total_bytes") && j["total_bytes"].is_number())
      job.total = j["total_bytes"].get<uint64_t>();
    job.result = j.contains("result") ? j["result"] : json();
    const json& e = j.contains("error") && j["error"].is_object() ? j["error"] : json::object();
    job.error = make_error(parse_errc(e.value("code", "")).value_or(Errc::internal),
                           e.value("message", "the job failed without a message"));
    return job;
  } catch (const json::exception& e) {
    return err(Errc::internal, "malformed job from the dbtwin server: {}", e.what());
  }
}

class RemoteBackend final : public Backend {
 public:
  explicit RemoteBackend(std::unique_ptr<ApiClient> api) : api_(std::move(api)) {}

  Result<core::CloneView> create_clone(const core::CloneRequest& req) override {
    return clone_from(api_->call("POST", "/v1/clones", clone_request_json(req)));
  }
  Result<core::CloneView> show_clone(const std::string& name) override {
    return clone_from(api_->call("GET", TRY(clone_path(name, ""))));
  }
  Result<std::vector<core::CloneView>> list_clones(
      const std::optional<std::string>& tmpl) override {
    std::string path = "/v1/clones";
    if (tmpl) {
      TRY(validate_name("template", *tmpl));
      path += "?template=" + *tmpl;
    }
    return core::vector_from_json<core::CloneView>(TRY(api_->call("GET", path)));
  }
  Result<core::CloneView> stop_clone(const std::string& name) override {
    return clone_from(api_->call("POST", TRY(clone_path(name, "/stop"))));
  }
  Result<core::CloneView> start_clone(const std::string& name) override {
    return clone_from(api_->call("POST", TRY(clone_path(name, "/start"))));
  }
  Result<core::CloneView> reset_clone(const std::string& name) override {
    return clone_from(api_->call("POST", TRY(clone_path(name, "/reset"))));
  }
  Result<core::CloneView> set_protected(const std::string& name, bool value) override {
    return clone_from(api_->call("POST", TRY(clone_path(name, value ? "/protect" : "/unprotect"))));
  }
  Result<core::CloneView> extend_clone(const std::string& name, std::chrono::seconds ttl) override {
    return clone_from(
        api_->call("POST", TRY(clone_path(name, "/extend")), json{{"ttl", ttl.count()}}));
  }
  Status destroy_clone(const std::string& name, bool force) override {
    TRY(api_->call("DELETE", TRY(clone_path(name, force ? "?force=true" : ""))));
    return {};
  }

  Result<std::vector<core::TemplateView>> create_templates(
      const core::TemplateRequest& req, const engine::Progress& progress) override {
    auto job = TRY(api_->call("POST", "/v1/templates", template_request_json(req)));
    auto result = TRY(wait_for_job(job, progress));
    return core::vector_from_json<core::TemplateView>(result.value("templates", json()));
  }
  Result<core::TemplateView> refresh_template(const std::string& name,
                                              const engine::Progress& progress) override {
    auto job = TRY(api_->call("POST", TRY(template_path(name, "/refresh"))));
    auto result = TRY(wait_for_job(job, progress));
    return core::from_json<core::TemplateView>(result.value("template", json()));
  }
  Result<core::TemplateView> show_template(const std::string& name) override {
    return core::from_json<core::TemplateView>(
        TRY(api_->call("GET", TRY(template_path(name, "")))));
  }
  Result<std::vector<core::TemplateView>> list_templates() override {
    return core::vector_from_json<core::TemplateView>(TRY(api_->call("GET", "/v1/templates")));
  }
  Status delete_template(const std::string& name, bool force) override {
    TRY(api_->call("DELETE", TRY(template_path(name, force ? "?force=true" : ""))));
    return {};
  }
  Result<core::TemplateView> set_schedule(const std::string& name, const std::string& schedule,
                                          int keep) override {
    json body = {{"schedule", schedule}};
    if (keep > 0) body["keep"] = keep;
    return core::from_json<core::TemplateView>(
        TRY(api_->call("PUT", TRY(template_path(name, "/schedule")), body)));
  }
  Result<std::vector<catalog::SnapshotRow>> list_snapshots(const std::string& tmpl) override {
    return core::vector_from_json<catalog::SnapshotRow>(
        TRY(api_->call("GET", TRY(template_path(tmpl, "/snapshots")))));
  }

  Result<core::PoolStatus> pool_status() override {
    return core::from_json<core::PoolStatus>(TRY(api_->call("GET", "/v1/pool")));
  }

 private:
  // Names go into URL paths: checked as in process, which also gives the same error.
  static Result<std::string> clone_path(const std::string& name, const char* rest) {
    TRY(validate_name("clone", name));
    return "/v1/clones/" + name + rest;
  }
  static Result<std::string> template_path(const std::string& name, const char* rest) {
    TRY(validate_name("template", name));
    return "/v1/templates/" + name + rest;
  }
  static Result<core::CloneView> clone_from(Result<json> answer) {
    return core::from_json<core::CloneView>(TRY(std::move(answer)));
  }
  Result<json> wait_for_job(const json& answer, const engine::Progress& progress);

  std::unique_ptr<ApiClient> api_;
};

// Polls a job until it ends, feeding its byte counts to `progress`; its result once it
// succeeded, or its error.
Result<json> RemoteBackend::wait_for_job(const json& answer, const engine::Progress& progress) {
  auto job = TRY(read_job(answer));
  const std::string path = "/v1/jobs/" + job.id;
  for (;;) {
    // The daemon records progress now and then; a finished import is complete.
    if (job.state == "succeeded" && job.total > 0) job.done = job.total;
    if (job.done > 0 || job.total > 0) progress(job.done, job.total);
    if (job.state == "succeeded") return job.result.is_object() ? job.result : json::object();
    if (job.state == "failed") return job.error;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    job = TRY(read_job(TRY(api_->call("GET", path))));
  }
}

}  // namespace

Result<std::unique_ptr<Backend>> make_remote_backend(const std::string& url,
                                                     const std::string& token) {
  return std::unique_ptr<Backend>(
      std::make_unique<RemoteBackend>(TRY(ApiClient::connect(url, token))));
}

}  // namespace dbtwin::cli
