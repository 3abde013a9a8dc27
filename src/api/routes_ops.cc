// What operators and pollers use: health, metrics, events, jobs, the pool, the web page.
#include "api/service.h"
#include "api/ui_page.h"
#include "core/json.h"
#include "core/pool_admin.h"

namespace dbtwin::api {

namespace {
using Req = httplib::Request;
using Res = httplib::Response;
}  // namespace

void add_ops_routes(HttpServer& http, Service& svc) {
  http.route("GET", "/healthz", [](const Req&, Res& res) {
    send_json(res, 200, {{"status", "ok"}, {"version", DBTWIN_VERSION}});
  });
  http.route("GET", "/metrics",
             with_context(svc, [&svc](core::Context& ctx, const Req&, Res& res) -> Status {
               res.set_content(TRY(svc.metrics.render(ctx)), "text/plain; version=0.0.4");
               return {};
             }));
  http.route("GET", "/v1/events",
             [&svc](const Req&, Res& res) { send_json(res, 200, svc.events.to_json()); });
  http.route("GET", "/v1/jobs",
             with_context(svc, [](core::Context& ctx, const Req&, Res& res) -> Status {
               nlohmann::json out = nlohmann::json::array();
               for (const auto& j : TRY(ctx.catalog().list_jobs(200))) out.push_back(job_json(j));
               send_json(res, 200, out);
               return {};
             }));
  http.route("GET", "/v1/jobs/{id}",
             with_context(svc, [](core::Context& ctx, const Req& req, Res& res) -> Status {
               int64_t id = 0;
               try {
                 id = std::stoll(req.matches[1]);
               } catch (...) {
                 return err(Errc::invalid_argument, "job id '{}' is not a number",
                            std::string(req.matches[1]));
               }
               auto job = TRY(ctx.catalog().find_job(id));
               if (!job) return err(Errc::not_found, "no job {}", id);
               send_json(res, 200, job_json(*job));
               return {};
             }));
  http.route("GET", "/v1/pool",
             with_context(svc, [](core::Context& ctx, const Req&, Res& res) -> Status {
               send_json(res, 200, core::to_json(TRY(core::pool_status(ctx))));
               return {};
             }));
  http.route("GET", "/ui/", [](const Req&, Res& res) {
    res.set_content(std::string(ui_page()), "text/html; charset=utf-8");
    // The page is the daemon's own; nothing else may frame it or inject scripts.
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                   "img-src 'self' data:");
    res.set_header("X-Frame-Options", "DENY");
  });
  http.route("GET", "/ui", [](const Req&, Res& res) { res.set_redirect("/ui/"); });
}

}  // namespace dbtwin::api
