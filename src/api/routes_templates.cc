// /v1/templates: create (a job), list, show, refresh (a job), schedule, snapshots, delete.
#include <chrono>

#include "api/service.h"
#include "base/strings.h"
#include "core/json.h"
#include "core/refresh_schedule.h"
#include "core/templates.h"

namespace dbtwin::api {

namespace {

using Req = httplib::Request;
using Res = httplib::Response;

Status read_source(const nlohmann::json& src, core::TemplateRequest& r) {
  if (!src.is_object()) return err(Errc::invalid_argument, "'source' must be an object");
  auto kind = TRY(opt_string(src, "kind")).value_or("");
  if (kind == "dump") {
    r.source = core::TemplateRequest::Source::dump;
    auto it = src.find("dumps");
    if (it == src.end() || !it->is_array() || it->empty())
      return err(Errc::invalid_argument, "a dump source needs 'dumps': [paths]");
    for (const auto& d : *it) {
      if (!d.is_string()) return err(Errc::invalid_argument, "'dumps' must hold strings");
      std::filesystem::path p = d.get<std::string>();
      if (!p.is_absolute())
        return err(Errc::invalid_argument, "dump path '{}' must be absolute (on the daemon's host)",
                   p.string());
      if (!std::filesystem::exists(p))
        return err(Errc::not_found, "dump {} does not exist on the daemon's host", p.string());
      r.dumps.push_back(p);
    }
  } else if (kind == "url") {
    r.source = core::TemplateRequest::Source::url;
    r.url = TRY(opt_string(src, "url")).value_or("");
    if (r.url.empty()) return err(Errc::invalid_argument, "a url source needs 'url'");
  } else if (kind == "clone") {
    r.source = core::TemplateRequest::Source::clone;
    r.clone = TRY(opt_string(src, "clone")).value_or("");
    if (r.clone.empty()) return err(Errc::invalid_argument, "a clone source needs 'clone'");
    TRY(validate_name("clone", r.clone));  // a 400 now, not a failed job later
  } else if (kind == "empty") {
    r.source = core::TemplateRequest::Source::empty;
  } else {
    return err(Errc::invalid_argument, "source.kind must be dump, url, clone or empty");
  }
  return {};
}

Result<core::TemplateRequest> template_request(const nlohmann::json& j) {
  core::TemplateRequest r;
  r.name = TRY(opt_string(j, "name")).value_or("");
  r.engine = TRY(opt_string(j, "engine")).value_or("");
  r.database = TRY(opt_string(j, "database"));
  auto src = j.find("source");
  if (src == j.end()) return err(Errc::invalid_argument, "'source' is required");
  TRY(read_source(*src, r));
  bool folder = r.dumps.size() == 1 && std::filesystem::is_directory(r.dumps[0]);
  if (!folder) TRY(validate_name("template", r.name));
  if (r.source != core::TemplateRequest::Source::clone) TRY(engine::parse_kind(r.engine));
  return r;
}

Status create(Service& svc, core::Context& ctx, const Req& req, Res& res) {
  auto r = TRY(template_request(TRY(json_body(req))));
  // Refuse a taken name now rather than in a job the client must poll to learn it.
  if (!r.name.empty() && TRY(ctx.catalog().find_template(r.name)))
    return err(Errc::already_exists, "template '{}' already exists", r.name);
  std::string target = r.name.empty() ? r.dumps[0].filename().string() : r.name;
  auto job = TRY(
      svc.jobs.start("template.create", target,
                     [r](core::Context& c, const engine::Progress& p) -> Result<nlohmann::json> {
                       nlohmann::json out = nlohmann::json::array();
                       for (const auto& v : TRY(core::create_templates(c, r, p)))
                         out.push_back(core::to_json(v));
                       return nlohmann::json{{"templates", out}};
                     }));
  res.set_header("Location", fmt::format("/v1/jobs/{}", job.id));
  send_json(res, 202, job_json(job));
  return {};
}

}  // namespace

// A refresh as a job, shared by the route and the scheduler: a new snapshot, then pruning.
Result<catalog::JobRow> start_refresh(Service& svc, const std::string& name, bool scheduled) {
  return svc.jobs.start(
      "template.refresh", name,
      [&svc, name, scheduled](core::Context& c,
                              const engine::Progress& p) -> Result<nlohmann::json> {
        auto t0 = std::chrono::steady_clock::now();
        auto view = core::refresh_template(c, name, p);
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        svc.metrics.observe_refresh(name, view.ok(), secs);
        if (!view) return std::move(view).error();
        // Only the schedule prunes: a refresh asked for by hand does what the CLI's does.
        std::vector<int64_t> pruned;
        if (scheduled) pruned = TRY(core::prune_snapshots(c, name, view->row.keep_snapshots));
        svc.events.add("refresh",
                       fmt::format("template {} refreshed{} in {:.1f}s, {} old "
                                   "snapshot(s) pruned",
                                   name, scheduled ? " on schedule" : "", secs, pruned.size()));
        auto now = TRY(core::show_template(c, name));
        now.seconds = view->seconds;
        return nlohmann::json{{"template", core::to_json(now)}, {"pruned", pruned}};
      });
}

void add_template_routes(HttpServer& http, Service& svc) {
  http.route("GET", "/v1/templates",
             with_context(svc, [](core::Context& ctx, const Req&, Res& res) -> Status {
               nlohmann::json out = nlohmann::json::array();
               for (const auto& v : TRY(core::list_templates(ctx))) out.push_back(core::to_json(v));
               send_json(res, 200, out);
               return {};
             }));
  http.route("POST", "/v1/templates",
             with_context(svc, [&svc](core::Context& ctx, const Req& req, Res& res) -> Status {
               return create(svc, ctx, req, res);
             }));
  http.route("GET", "/v1/templates/{name}",
             with_context(svc, [](core::Context& ctx, const Req& req, Res& res) -> Status {
               send_json(res, 200, core::to_json(TRY(core::show_template(ctx, req.matches[1]))));
               return {};
             }));
  http.route("DELETE", "/v1/templates/{name}",
             with_context(svc, [&svc](core::Context& ctx, const Req& req, Res& res) -> Status {
               std::string name = req.matches[1];
               TRY(core::delete_template(ctx, name, query_flag(req, "force")));
               svc.events.add("template", fmt::format("template {} deleted", name));
               res.status = 204;
               return {};
             }));
  http.route("POST", "/v1/templates/{name}/refresh",
             with_context(svc, [&svc](core::Context& ctx, const Req& req, Res& res) -> Status {
               std::string name = req.matches[1];
               TRY(core::show_template(ctx, name));  // 404 now, not in the job
               auto job = TRY(start_refresh(svc, name, false));
               res.set_header("Location", fmt::format("/v1/jobs/{}", job.id));
               send_json(res, 202, job_json(job));
               return {};
             }));
  http.route("GET", "/v1/templates/{name}/snapshots",
             with_context(svc, [](core::Context& ctx, const Req& req, Res& res) -> Status {
               auto view = TRY(core::show_template(ctx, req.matches[1]));
               nlohmann::json out = nlohmann::json::array();
               for (const auto& s : view.snapshots) out.push_back(core::to_json(s));
               send_json(res, 200, out);
               return {};
             }));
  http.route("PUT", "/v1/templates/{name}/schedule",
             with_context(svc, [](core::Context& ctx, const Req& req, Res& res) -> Status {
               auto j = TRY(json_body(req));
               auto schedule = TRY(opt_string(j, "schedule"));
               if (!schedule) return err(Errc::invalid_argument, "'schedule' is required");
               int keep = static_cast<int>(TRY(opt_int(j, "keep")).value_or(0));
               send_json(
                   res, 200,
                   core::to_json(TRY(core::set_schedule(ctx, req.matches[1], *schedule, keep))));
               return {};
             }));
}

}  // namespace dbtwin::api
