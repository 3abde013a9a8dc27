// /v1/clones: create, list, show, lifecycle actions, destroy.
#include <chrono>

#include "api/service.h"
#include "base/strings.h"
#include "core/clones.h"
#include "core/json.h"
#include "core/quota.h"

namespace dbtwin::api {

namespace {

using Req = httplib::Request;
using Res = httplib::Response;

Result<core::CloneRequest> clone_request(const Service& svc, const nlohmann::json& j) {
  core::CloneRequest r;
  auto tmpl = TRY(opt_string(j, "template"));
  if (!tmpl) return err(Errc::invalid_argument, "'template' is required");
  r.template_name = *tmpl;
  r.name = TRY(opt_string(j, "name"));
  r.snapshot_id = TRY(opt_int(j, "snapshot"));
  r.from_clone = TRY(opt_string(j, "from_clone"));
  r.ttl = TRY(opt_duration(j, "ttl"));
  r.password = TRY(opt_string(j, "password"));
  if (auto user = TRY(opt_string(j, "user"))) r.user = *user;
  r.owner = TRY(opt_string(j, "owner")).value_or("api");
  // Names are checked before anything runs, so that wait=false answers 400 too, not a job
  // that fails.
  TRY(validate_name("template", r.template_name));
  if (r.name) TRY(validate_name("clone", *r.name));
  if (r.from_clone) TRY(validate_name("clone", *r.from_clone));
  TRY(validate_name("user", r.user));
  if (auto hook = TRY(opt_string(j, "exec"))) {
    // A client names a hook; only scripts the host's administrator put in the hooks folder run.
    TRY(validate_name("hook", *hook));
    auto path = svc.config.serve.hooks_dir / *hook;
    if (!std::filesystem::exists(path))
      return err(Errc::not_found, "no hook named '{}' in {}", *hook,
                 svc.config.serve.hooks_dir.string());
    r.exec = path.string();
  }
  return r;
}

std::string fresh_name(const std::string& tmpl) {
  std::string out;
  for (char c : random_token(32)) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out.push_back(c);
    if (out.size() == 5) break;
  }
  while (out.size() < 5) out.push_back('0');
  return tmpl.substr(0, 57) + "-" + out;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Creation without waiting: a job makes the clone; the answer names it at once.
Status create_later(Service& svc, core::Context& ctx, core::CloneRequest r, Res& res) {
  TRY(validate_name("template", r.template_name));
  TRY(ctx.catalog().get_template(r.template_name));
  if (!r.name) r.name = fresh_name(r.template_name);
  TRY(validate_name("clone", *r.name));
  if (TRY(ctx.catalog().find_clone(*r.name)))
    return err(Errc::already_exists, "clone '{}' already exists", *r.name);
  // Over a quota is a 503 now, as when waiting, not a job that fails.
  TRY(core::check_quotas(ctx, r.template_name));
  auto t0 = std::chrono::steady_clock::now();
  auto job = TRY(svc.jobs.start(
      "clone.create", *r.name,
      [&svc, r, t0](core::Context& c, const engine::Progress&) -> Result<nlohmann::json> {
        auto view = core::create_clone(c, r);
        svc.metrics.observe_create(since(t0), view.ok());
        if (!view) return std::move(view).error();
        return core::to_json(*view);
      }));
  res.set_header("Location", "/v1/clones/" + *r.name);
  send_json(
      res, 202,
      {{"name", *r.name}, {"template", r.template_name}, {"state", "creating"}, {"job", job.id}});
  return {};
}

Status create(Service& svc, core::Context& ctx, const Req& req, Res& res) {
  auto r = TRY(clone_request(svc, TRY(json_body(req))));
  if (req.has_param("wait") && !query_flag(req, "wait"))
    return create_later(svc, ctx, std::move(r), res);
  auto t0 = std::chrono::steady_clock::now();
  auto view = core::create_clone(ctx, r);
  svc.metrics.observe_create(since(t0), view.ok());
  if (!view) return std::move(view).error();
  svc.events.add("clone", fmt::format("clone {} of {} created in {:.3f}s", view->row.name,
                                      view->row.template_name, view->seconds));
  res.set_header("Location", "/v1/clones/" + view->row.name);
  send_json(res, 201, core::to_json(*view));
  return {};
}

Status list(Service& svc, core::Context& ctx, const Req& req, Res& res) {
  std::optional<std::string> tmpl;
  if (req.has_param("template")) tmpl = req.get_param_value("template");
  nlohmann::json out = nlohmann::json::array();
  for (auto& v : TRY(core::list_clones(ctx, tmpl, false))) {
    svc.space.fill(ctx, v);
    out.push_back(core::to_json(v));
  }
  send_json(res, 200, out);
  return {};
}

using Action = std::function<Result<core::CloneView>(core::Context&, const std::string&)>;

void add_action(HttpServer& http, Service& svc, const std::string& verb, Action act) {
  http.route(
      "POST", "/v1/clones/{name}/" + verb,
      with_context(svc, [&svc, verb, act](core::Context& ctx, const Req& req, Res& res) -> Status {
        auto view = TRY(act(ctx, req.matches[1]));
        svc.events.add("clone", fmt::format("clone {}: {}", view.row.name, verb));
        send_json(res, 200, core::to_json(view));
        return Status{};
      }));
}

}  // namespace

void add_clone_routes(HttpServer& http, Service& svc) {
  http.route("GET", "/v1/clones",
             with_context(svc, [&svc](core::Context& ctx, const Req& req, Res& res) -> Status {
               return list(svc, ctx, req, res);
             }));
  http.route("POST", "/v1/clones",
             with_context(svc, [&svc](core::Context& ctx, const Req& req, Res& res) -> Status {
               return create(svc, ctx, req, res);
             }));
  http.route("GET", "/v1/clones/{name}",
             with_context(svc, [](core::Context& ctx, const Req& req, Res& res) -> Status {
               send_json(res, 200, core::to_json(TRY(core::show_clone(ctx, req.matches[1], true))));
               return Status{};
             }));
  http.route("DELETE", "/v1/clones/{name}",
             with_context(svc, [&svc](core::Context& ctx, const Req& req, Res& res) -> Status {
               std::string name = req.matches[1];
               TRY(core::destroy_clone(ctx, name, query_flag(req, "force")));
               svc.events.add("clone", fmt::format("clone {} destroyed", name));
               res.status = 204;
               return Status{};
             }));
  add_action(http, svc, "reset", core::reset_clone);
  add_action(http, svc, "stop", core::stop_clone);
  add_action(http, svc, "start", core::start_clone);
  add_action(http, svc, "protect", [](core::Context& c, const std::string& n) {
    return core::set_protected(c, n, true);
  });
  add_action(http, svc, "unprotect", [](core::Context& c, const std::string& n) {
    return core::set_protected(c, n, false);
  });
  http.route("POST", "/v1/clones/{name}/extend",
             with_context(svc, [](core::Context& ctx, const Req& req, Res& res) -> Status {
               auto ttl = TRY(opt_duration(TRY(json_body(req)), "ttl"));
               if (!ttl) return Status(err(Errc::invalid_argument, "'ttl' is required"));
               send_json(res, 200,
                         core::to_json(TRY(core::extend_clone(ctx, req.matches[1], *ttl))));
               return Status{};
             }));
}

}  // namespace dbtwin::api
