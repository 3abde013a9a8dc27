// What every route handler shares: the contexts, jobs, metrics and events of one daemon, and the
// small helpers that turn a handler's Result into an HTTP answer.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "api/context_pool.h"
#include "api/events.h"
#include "api/http.h"
#include "api/jobs.h"
#include "api/metrics.h"
#include "api/space_cache.h"

namespace dbtwin::api {

struct Service {
  ContextPool& contexts;
  Jobs& jobs;
  Metrics& metrics;
  Events& events;
  const core::Config& config;
  SpaceCache& space;
};

using CtxHandler =
    std::function<Status(core::Context&, const httplib::Request&, httplib::Response&)>;
// Runs `h` with a context; an Error becomes its JSON error answer.
HttpServer::Handler with_context(Service& svc, CtxHandler h);

// Typed fields of a JSON body: absent is nullopt, the wrong type is invalid_argument.
Result<std::optional<std::string>> opt_string(const nlohmann::json& j, const char* key);
Result<std::optional<int64_t>> opt_int(const nlohmann::json& j, const char* key);
Result<std::optional<bool>> opt_bool(const nlohmann::json& j, const char* key);
// A time to live: "30m" or a number of seconds.
Result<std::optional<std::chrono::seconds>> opt_duration(const nlohmann::json& j, const char* key);
bool query_flag(const httplib::Request& req, const char* key);  // ?key=true|1|yes

void add_clone_routes(HttpServer& http, Service& svc);
void add_template_routes(HttpServer& http, Service& svc);
// A refresh of `name` as a job (a new snapshot, then pruning old unused ones).
Result<catalog::JobRow> start_refresh(Service& svc, const std::string& name, bool scheduled);
void add_myaas_routes(HttpServer& http, Service& svc);
void add_ops_routes(HttpServer& http, Service& svc);
void add_dump_routes(HttpServer& http, Service& svc);

}  // namespace dbtwin::api
