#include "api/daemon.h"

#include <signal.h>

#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <thread>

#include "api/service.h"
#include "base/log.h"
#include "base/strings.h"
#include "core/reaper.h"
#include "core/refresh_schedule.h"
#include "core/supervisor.h"
#include "os/signals.h"

namespace dbtwin::api {

namespace {

bool same_secret(std::string_view a, std::string_view b) {
  // Constant time in the secret's length: no early exit on the first differing byte.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ (i < b.size() ? b[i] : 0);
  return diff == 0;
}

// "Bearer <token>", the scheme in any case (RFC 9110 11.1).
bool bearer_matches(const std::string& header, const std::string& token) {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() < scheme.size()) return false;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return false;
  return same_secret(std::string_view(header).substr(scheme.size()), token);
}

bool open_route(const std::string& path) {
  return path == "/healthz" || path == "/ui" || path == "/ui/";
}

void add_auth(HttpServer& http, const std::string& token) {
  http.raw().set_pre_routing_handler([token](const httplib::Request& req, httplib::Response& res) {
    // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 6.3),
    // but httplib 0.11 reads a POST's body until its read timeout and then answers 400: that is
    // `curl -X POST http://.../db/T/N`, a myaas call. The request object is httplib's own,
    // non-const; this runs before it reads the body.
    if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding"))
      const_cast<httplib::Request&>(req).set_header("Content-Length", "0");
    if (token.empty() || open_route(req.path)) return httplib::Server::HandlerResponse::Unhandled;
    if (bearer_matches(req.get_header_value("Authorization"), token))
      return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("WWW-Authenticate", "Bearer");
    send_json(res, 401,
              {{"error",
                {{"code", "unauthorized"},
                 {"message", "this dbtwin server needs an API token: Authorization: Bearer"}}}});
    return httplib::Server::HandlerResponse::Handled;
  });
}

void add_plumbing(HttpServer& http, Metrics& metrics) {
  http.raw().set_payload_max_length(1 << 20);
  http.raw().set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && res.body.empty())
      send_json(res, 404,
                {{"error",
                  {{"code", "not_found"},
                   {"message", fmt::format("no route {} {}", req.method, req.path)}}}});
  });
  // One structured line per request: method, path, status.
  http.raw().set_logger([&metrics](const httplib::Request& req, const httplib::Response& res) {
    metrics.count_request(res.status);
    log::info("http method={} path={} status={}", req.method, req.path, res.status);
  });
}

void add_routes(HttpServer& http, Service& svc) {
  add_ops_routes(http, svc);
  add_clone_routes(http, svc);
  add_template_routes(http, svc);
  add_myaas_routes(http, svc);
  add_dump_routes(http, svc);
}

// The background loops: every interval, restart crashed clones, reap expired and idle ones,
// and start the refreshes whose schedule fell due.
class Lifecycle {
 public:
  Lifecycle(Service& svc)
      : svc_(svc), supervisor_(svc.config.lifecycle), reaper_(svc.config.lifecycle) {}
  void run() {
    int64_t last = now_unix();
    std::unique_lock lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, svc_.config.lifecycle.interval);
      if (stop_) break;
      lock.unlock();
      int64_t now = now_unix();
      if (auto done = tick(last, now); !done) log::warn("lifecycle: {}", done.error().message);
      last = now;
      lock.lock();
    }
  }
  void stop() {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }

 private:
  Status tick(int64_t last, int64_t now) {
    auto lease = TRY(svc_.contexts.acquire());
    uint64_t restarted = 0, failed = 0;
    for (const auto& e : TRY(supervisor_.tick(*lease))) {
      ++(e.restarted ? restarted : failed);
      svc_.events.add("supervisor", e.message);
    }
    if (restarted + failed > 0) svc_.metrics.add_restarts(restarted, failed);
    auto reaped = TRY(reaper_.tick(*lease));
    for (const auto& note : reaped) svc_.events.add("reaper", note);
    svc_.metrics.add_reaped(reaped.size());
    for (const auto& name : TRY(core::due_refreshes(*lease, last, now))) {
      if (svc_.jobs.running("template.refresh", name)) continue;
      if (auto job = start_refresh(svc_, name, true); !job)
        svc_.events.add("refresh", fmt::format("scheduled refresh of {} not started: {}", name,
                                               job.error().message));
    }
    return {};
  }

  Service& svc_;
  core::Supervisor supervisor_;
  core::Reaper reaper_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

Result<ListenSpec> checked_listen(const core::Config& cfg, const ServeOptions& o) {
  auto spec = TRY(parse_listen(o.listen.empty() ? cfg.serve.listen : o.listen));
  if (!is_local(spec) && cfg.serve.token.empty())
    return err(Errc::invalid_argument,
               "refusing to listen on {} without an API token: set server.token, "
               "server.token_file or DBTWIN_API_TOKEN (loopback and unix sockets need none)",
               spec.text());
  return spec;
}

// Everything one daemon's routes share, owned in one place.
struct Parts {
  explicit Parts(const core::Config& config) : contexts(config), jobs(contexts, events) {}
  ContextPool contexts;
  Events events;
  Metrics metrics;
  Jobs jobs;
  SpaceCache space{std::chrono::seconds(15)};
  Service svc{contexts, jobs, metrics, events, contexts.config(), space};
};

}  // namespace

std::vector<Route> route_table(const core::Config& config) {
  Parts parts(config);
  HttpServer http(1);
  add_routes(http, parts.svc);
  return http.routes();
}

Status serve(core::Context& startup, const ServeOptions& options) {
  const core::Config& cfg = startup.config();
  auto spec = TRY(checked_listen(cfg, options));
  // Signals are taken by one thread; every thread started from here on has them blocked.
  TRY(os::block_signals({SIGTERM, SIGINT}));
  Parts parts(cfg);
  Service& svc = parts.svc;
  for (const auto& note : startup.notes()) svc.events.add("reconcile", note);
  TRY(svc.jobs.fail_abandoned(startup));

  HttpServer http(cfg.serve.threads);
  add_auth(http, cfg.serve.token);
  add_plumbing(http, svc.metrics);
  add_routes(http, svc);
  TRY(http.bind(spec));
  if (spec.unix_path.empty()) spec.port = http.bound_port();
  log::info("dbtwin serve listening on {} (state {})", spec.text(), cfg.state_dir.string());

  Lifecycle lifecycle(svc);
  std::thread loops([&] { lifecycle.run(); });
  bool served = true;
  std::thread server([&] {
    served = http.run();
    // A listener that fails wakes the main thread as a signal would.
    (void)os::raise_in_process(SIGTERM);
  });
  int sig = TRY(os::wait_for_signal({SIGTERM, SIGINT}));
  log::info("dbtwin serve stopping (signal {}); clone servers keep running", sig);
  http.stop();
  server.join();
  lifecycle.stop();
  loops.join();
  if (size_t left = svc.jobs.wait(10); left > 0) {
    // Their threads still use this frame. Ending the process now is what a kill would do, and
    // the next start reconciles what they leave (rows, volumes, import servers).
    log::warn("{} job(s) still running are abandoned; the next start cleans up after them", left);
    std::_Exit(served ? 0 : 1);
  }
  if (!served) return err(Errc::unavailable, "the HTTP listener on {} failed", spec.text());
  return {};
}

}  // namespace dbtwin::api
