// The myaas routes, answered as that project's Flask server does (same paths, fields and
// status codes), so its clients and sidecars keep working. A template being refreshed keeps
// serving its older snapshot, so these routes never answer "import in progress".
#include <chrono>

#include "api/service.h"
#include "base/strings.h"
#include "core/clones.h"
#include "core/templates.h"

namespace dbtwin::api {

namespace {

using Req = httplib::Request;
using Res = httplib::Response;

void not_found(Res& res) {
  send_json(res, 404, {{"status", "Not found"}});
}

nlohmann::json inspect(const Service& svc, const core::CloneView& v) {
  nlohmann::json j = {{"database", v.row.database},
                      {"host", svc.config.advertise_host},
                      {"name", v.row.name},
                      {"port", v.row.port},
                      {"user", v.row.user},
                      {"password", v.row.password},
                      {"running", v.state == "running"},
                      {"status", v.state},
                      {"created", v.row.created_at}};
  if (v.row.expires_at > 0) j["expires_at"] = v.row.expires_at;
  return j;
}

// The clone named NAME of template TEMPLATE, or nothing (myaas names a database by both).
Result<std::optional<core::CloneView>> find(core::Context& ctx, const std::string& tmpl,
                                            const std::string& name) {
  if (!validate_name("template", tmpl) || !validate_name("clone", name))
    return std::optional<core::CloneView>();
  auto row = TRY(ctx.catalog().find_clone(name));
  if (!row || row->template_name != tmpl) return std::optional<core::CloneView>();
  return std::optional<core::CloneView>(TRY(core::show_clone(ctx, name, false)));
}

Result<std::optional<int64_t>> ttl_of(const Req& req) {
  std::string text;
  if (req.has_param("ttl")) {
    text = req.get_param_value("ttl");  // form field or query
  } else if (auto j = nlohmann::json::parse(req.body, nullptr, false);
             j.is_object() && j.contains("ttl")) {
    text = j["ttl"].is_string() ? j["ttl"].get<std::string>() : j["ttl"].dump();
  }
  if (text.empty() || text == "null") return std::optional<int64_t>();
  try {
    size_t used = 0;
    int64_t v = std::stoll(text, &used);
    if (used == text.size() && v >= 0) return std::optional<int64_t>(v);
  } catch (...) {
  }
  return err(Errc::invalid_argument, "ttl must be a whole number of seconds, not '{}'", text);
}

Status create(Service& svc, core::Context& ctx, const Req& req, Res& res) {
  std::string tmpl = req.matches[1], name = req.matches[2];
  if (TRY(find(ctx, tmpl, name)) || TRY(ctx.catalog().find_clone(name))) {
    res.status = 304;  // myaas: the database exists already
    return {};
  }
  if (!validate_name("template", tmpl) || !TRY(ctx.catalog().find_template(tmpl))) {
    send_json(res, 500, {{"status", fmt::format("Template \"{}\" does not exist.", tmpl)}});
    return {};
  }
  core::CloneRequest r;
  r.template_name = tmpl;
  r.name = name;
  r.owner = "myaas";
  if (auto ttl = TRY(ttl_of(req)); ttl && *ttl > 0) r.ttl = std::chrono::seconds(*ttl);
  auto t0 = std::chrono::steady_clock::now();
  auto view = core::create_clone(ctx, r);
  svc.metrics.observe_create(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), view.ok());
  if (!view) return std::move(view).error();
  send_json(res, 201, inspect(svc, *view));
  return {};
}

nlohmann::json names(const std::vector<core::TemplateView>& ts) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : ts) out.push_back(t.row.name);
  return out;
}

}  // namespace

void add_myaas_routes(HttpServer& http, Service& svc) {
  http.route("GET", "/", with_context(svc, [](core::Context& ctx, const Req&, Res& res) -> Status {
               nlohmann::json dbs = nlohmann::json::array();
               for (const auto& c : TRY(ctx.catalog().list_clones(std::nullopt)))
                 dbs.push_back(c.template_name + "," + c.name);
               send_json(res, 200,
                         {{"status", "Service is running"},
                          {"templates", names(TRY(core::list_templates(ctx)))},
                          {"databases", dbs}});
               return {};
             }));
  http.route("GET", "/templates",
             with_context(svc, [](core::Context& ctx, const Req&, Res& res) -> Status {
               send_json(res, 200, {{"templates", names(TRY(core::list_templates(ctx)))}});
               return {};
             }));
  http.route("GET", "/db",
             with_context(svc, [](core::Context& ctx, const Req&, Res& res) -> Status {
               nlohmann::json dbs = nlohmann::json::array();
               for (const auto& v : TRY(core::list_clones(ctx, std::nullopt, false))) {
                 nlohmann::json d = {{"template", v.row.template_name},
                                     {"name", v.row.name},
                                     {"state", v.state},
                                     {"created", v.row.created_at}};
                 if (v.row.expires_at > 0) d["expires_at"] = v.row.expires_at;
                 dbs.push_back(d);
               }
               send_json(res, 200, {{"databases", dbs}});
               return {};
             }));
  http.route("GET", "/db/{template}/{name}",
             with_context(svc, [&svc](core::Context& ctx, const Req& req, Res& res) -> Status {
               auto v = TRY(find(ctx, req.matches[1], req.matches[2]));
               if (!v) return not_found(res), Status{};
               send_json(res, 200, inspect(svc, *v));
               return {};
             }));
  http.route("POST", "/db/{template}/{name}",
             with_context(svc, [&svc](core::Context& ctx, const Req& req, Res& res) -> Status {
               return create(svc, ctx, req, res);
             }));
  http.route("DELETE", "/db/{template}/{name}",
             with_context(svc, [&svc](core::Context& ctx, const Req& req, Res& res) -> Status {
               auto v = TRY(find(ctx, req.matches[1], req.matches[2]));
               if (!v) return not_found(res), Status{};
               TRY(core::destroy_clone(ctx, v->row.name, false));
               svc.events.add("clone", fmt::format("clone {} destroyed (myaas)", v->row.name));
               res.status = 204;
               return {};
             }));
}

}  // namespace dbtwin::api
