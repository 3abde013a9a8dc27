// /v1/dumps: dumps on a bridge, as the CLI's `dump` commands. Creating and restoring are jobs.
// Bridge credentials come from the request's bridge_options or the daemon's environment and
// files; key files and passphrase variables are the daemon host's.
#include <cstdlib>

#include "api/service.h"
#include "base/log.h"
#include "base/strings.h"
#include "bridge/dump_ops.h"
#include "pipeline/subset.h"

namespace dbtwin::api {

namespace {

using Req = httplib::Request;
using Res = httplib::Response;
using nlohmann::json;

Result<bridge::BridgeOptions> bridge_options(const json& body) {
  bridge::BridgeOptions o;
  auto it = body.find("bridge_options");
  if (it == body.end()) return o;
  if (!it->is_object()) return err(Errc::invalid_argument, "'bridge_options' must be an object");
  const json& b = *it;
  o.endpoint = TRY(opt_string(b, "endpoint")).value_or("");
  o.region = TRY(opt_string(b, "region")).value_or("");
  o.access_key = TRY(opt_string(b, "access_key")).value_or("");
  o.secret_key = TRY(opt_string(b, "secret_key")).value_or("");
  o.profile = TRY(opt_string(b, "profile")).value_or("");
  o.ssh_identity = TRY(opt_string(b, "ssh_identity")).value_or("");
  o.ssh_password = TRY(opt_string(b, "ssh_password")).value_or("");
  o.known_hosts = TRY(opt_string(b, "known_hosts")).value_or("");
  o.insecure_host_key = TRY(opt_bool(b, "insecure_host_key")).value_or(false);
  return o;
}

// GET and DELETE name the bridge in the query: ?bridge=URL[&endpoint=…&region=…].
Result<std::unique_ptr<pipeline::ObjectStore>> query_bridge(const Req& req) {
  std::string url = req.get_param_value("bridge");
  if (url.empty()) return err(Errc::invalid_argument, "the 'bridge' query parameter is required");
  bridge::BridgeOptions o;
  o.endpoint = req.get_param_value("endpoint");
  o.region = req.get_param_value("region");
  return bridge::open_bridge(url, o);
}

Result<pipeline::KeySource> key_source(const json& body) {
  pipeline::KeySource k;
  auto file = TRY(opt_string(body, "key_file"));
  auto var = TRY(opt_string(body, "passphrase_env"));
  if (file && var) return err(Errc::invalid_argument, "give key_file or passphrase_env, not both");
  if (file) {
    k.kind = pipeline::KeySource::Kind::key_file;
    k.key_file = *file;
  } else if (var) {
    const char* v = std::getenv(var->c_str());
    if (!v || !*v)
      return err(Errc::invalid_argument, "{} is not set in the daemon's environment", *var);
    k.kind = pipeline::KeySource::Kind::passphrase;
    k.passphrase = v;
  }
  return k;
}

Result<std::string> required(const json& body, const char* key) {
  auto v = TRY(opt_string(body, key)).value_or("");
  if (v.empty()) return err(Errc::invalid_argument, "'{}' is required", key);
  return v;
}

Result<bridge::DumpRequest> dump_request(const json& body) {
  bridge::DumpRequest r;
  r.source_url = TRY(required(body, "source"));
  r.bridge_url = TRY(required(body, "bridge"));
  if (auto rules = TRY(opt_string(body, "rules"))) r.rules_yaml = *rules;
  r.name = TRY(opt_string(body, "name")).value_or("");
  if (auto it = body.find("subset"); it != body.end()) {
    if (!it->is_array()) return err(Errc::invalid_argument, "'subset' must be an array of strings");
    for (const auto& s : *it) {
      if (!s.is_string()) return err(Errc::invalid_argument, "'subset' must hold strings");
      r.subset.push_back(TRY(pipeline::parse_subset_arg(s.get<std::string>())));
    }
  }
  r.subset_children = TRY(opt_bool(body, "subset_children")).value_or(false);
  r.jobs = static_cast<int>(TRY(opt_int(body, "jobs")).value_or(2));
  r.compression_level = static_cast<int>(TRY(opt_int(body, "compression_level")).value_or(3));
  if (r.jobs < 1 || r.jobs > 64) return err(Errc::invalid_argument, "'jobs' must be 1 to 64");
  if (r.compression_level < 1 || r.compression_level > 19)
    return err(Errc::invalid_argument, "'compression_level' must be 1 to 19");
  r.key = TRY(key_source(body));
  r.bridge = TRY(bridge_options(body));
  return r;
}

Result<bridge::RestoreRequest> restore_request(const json& body, const std::string& name) {
  bridge::RestoreRequest r;
  r.name = name;
  r.bridge_url = TRY(required(body, "bridge"));
  r.to_url = TRY(opt_string(body, "to")).value_or("");
  r.template_name = TRY(opt_string(body, "template")).value_or("");
  if (r.to_url.empty() == r.template_name.empty())
    return err(Errc::invalid_argument, "give exactly one of 'to' and 'template'");
  if (!r.template_name.empty()) TRY(validate_name("template", r.template_name));
  r.replace = TRY(opt_bool(body, "replace")).value_or(false);
  r.key = TRY(key_source(body));
  r.bridge = TRY(bridge_options(body));
  return r;
}

void forward(const engine::Progress& p, uint64_t done, uint64_t total) {
  if (p) p(done, total);
}

Status start_dump(Service& svc, const Req& req, Res& res) {
  auto r = TRY(dump_request(TRY(json_body(req))));
  if (!r.name.empty()) TRY(bridge::validate_dump_name(r.name));
  auto job = TRY(svc.jobs.start(
      "dump.create", r.bridge_url + " " + r.name,
      [r](core::Context&, const engine::Progress& p) -> Result<json> {
        auto out = TRY(bridge::create_dump(
            r, [&p](uint64_t done, uint64_t total, uint64_t) { forward(p, done, total); }));
        return json{{"dump", bridge::manifest_to_json(out.manifest, false)}};
      }));
  res.set_header("Location", fmt::format("/v1/jobs/{}", job.id));
  send_json(res, 202, job_json(job));
  return {};
}

Status start_restore(Service& svc, const Req& req, Res& res) {
  auto r = TRY(restore_request(TRY(json_body(req)), req.matches[1]));
  // An unknown dump or an unreachable bridge is answered now, not in a job.
  if (r.name != "latest") TRY(bridge::validate_dump_name(r.name));
  TRY(bridge::find_dump(*TRY(bridge::open_bridge(r.bridge_url, r.bridge)), r.name));
  std::string target = r.template_name.empty() ? log::redact(r.to_url) : r.template_name;
  auto job = TRY(svc.jobs.start(
      "dump.restore", target, [r](core::Context& ctx, const engine::Progress& p) -> Result<json> {
        auto out = TRY(bridge::restore_dump(
            r, &ctx, [&p](uint64_t done, uint64_t total, uint64_t) { forward(p, done, total); }));
        return json{{"dump", out.manifest.directory_name},
                    {"target", out.target},
                    {"rows", out.stats.rows},
                    {"seconds", out.stats.seconds}};
      }));
  res.set_header("Location", fmt::format("/v1/jobs/{}", job.id));
  send_json(res, 202, job_json(job));
  return {};
}

}  // namespace

void add_dump_routes(HttpServer& http, Service& svc) {
  http.route("GET", "/v1/dumps",
             with_context(svc, [](core::Context&, const Req& req, Res& res) -> Status {
               auto store = TRY(query_bridge(req));
               json out = json::array();
               for (const auto& d : TRY(bridge::list_dumps(*store)))
                 out.push_back(bridge::manifest_to_json(d, false));
               send_json(res, 200, out);
               return {};
             }));
  http.route("GET", "/v1/dumps/{name}",
             with_context(svc, [](core::Context&, const Req& req, Res& res) -> Status {
               auto store = TRY(query_bridge(req));
               send_json(res, 200,
                         bridge::manifest_to_json(
                             TRY(bridge::find_dump(*store, req.matches[1].str())), true));
               return {};
             }));
  http.route("DELETE", "/v1/dumps/{name}",
             with_context(svc, [&svc](core::Context&, const Req& req, Res& res) -> Status {
               auto store = TRY(query_bridge(req));
               bridge::DeleteRequest d;
               d.name = req.matches[1];
               TRY(bridge::delete_dumps(*store, d));
               svc.events.add("dump",
                              fmt::format("dump {} deleted from {}", d.name, store->describe()));
               res.status = 204;
               return {};
             }));
  http.route("POST", "/v1/dumps",
             with_context(svc, [&svc](core::Context&, const Req& req, Res& res) -> Status {
               return start_dump(svc, req, res);
             }));
  http.route("POST", "/v1/dumps/{name}/restore",
             with_context(svc, [&svc](core::Context&, const Req& req, Res& res) -> Status {
               return start_restore(svc, req, res);
             }));
  http.route("POST", "/v1/dumps/validate",
             with_context(svc, [](core::Context&, const Req& req, Res& res) -> Status {
               auto body = TRY(json_body(req));
               auto rep = TRY(bridge::validate_rules_text(TRY(required(body, "source")),
                                                          TRY(required(body, "rules"))));
               send_json(res, 200,
                         {{"tables", rep.tables},
                          {"columns", rep.columns},
                          {"uncovered", rep.coverage.uncovered},
                          {"unknown", rep.coverage.unknown}});
               return {};
             }));
}

}  // namespace dbtwin::api
