#include "api/service.h"

#include "base/strings.h"

namespace dbtwin::api {

HttpServer::Handler with_context(Service& svc, CtxHandler h) {
  return [&svc, h](const httplib::Request& req, httplib::Response& res) {
    auto lease = svc.contexts.acquire();
    if (!lease) return send_error(res, lease.error());
    Status done = [&]() -> Status {
      try {
        return h(**lease, req, res);
      } catch (const nlohmann::json::exception& e) {
        return err(Errc::invalid_argument, "bad JSON: {}", e.what());
      }
    }();
    if (!done) send_error(res, done.error());
  };
}

Result<std::optional<std::string>> opt_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return err(Errc::invalid_argument, "'{}' must be a string", key);
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<int64_t>> opt_int(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer())
    return err(Errc::invalid_argument, "'{}' must be a whole number", key);
  return std::optional<int64_t>(it->get<int64_t>());
}

Result<std::optional<bool>> opt_bool(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return err(Errc::invalid_argument, "'{}' must be true or false", key);
  return std::optional<bool>(it->get<bool>());
}

Result<std::optional<std::chrono::seconds>> opt_duration(const nlohmann::json& j, const char* key) {
  using Opt = std::optional<std::chrono::seconds>;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Opt();
  if (it->is_number_integer()) {
    auto v = it->get<int64_t>();
    if (v <= 0)
      return err(Errc::invalid_argument, "'{}' must be a positive number of seconds", key);
    return Opt(std::chrono::seconds(v));
  }
  if (it->is_string()) return Opt(TRY(parse_duration(it->get<std::string>())));
  return err(Errc::invalid_argument, "'{}' must be a duration like \"30m\" or seconds", key);
}

bool query_flag(const httplib::Request& req, const char* key) {
  if (!req.has_param(key)) return false;
  auto v = req.get_param_value(key);
  return v.empty() || v == "true" || v == "1" || v == "yes";
}

}  // namespace dbtwin::api
