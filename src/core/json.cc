#include "core/json.h"

#include "base/strings.h"

namespace dbtwin::core {

namespace {
nlohmann::json time_or_null(int64_t t) {
  return t > 0 ? nlohmann::json(format_time(t)) : nlohmann::json();
}
}  // namespace

nlohmann::json to_json(const CloneView& v) {
  const auto& r = v.row;
  nlohmann::json j = {
      {"name", r.name},
      {"template", r.template_name},
      {"snapshot", r.snapshot_id},
      {"engine", r.engine},
      {"state", v.state},
      {"host", v.host},
      {"port", r.port},
      {"user", r.user},
      {"password", r.password},
      {"database", r.database},
      {"url", v.url},
      {"owner", r.owner},
      {"protected", r.is_protected},
      {"created_at", time_or_null(r.created_at)},
      {"expires_at", time_or_null(r.expires_at)},
      {"restarts", r.restarts},
  };
  j["used_bytes"] = v.used_bytes ? nlohmann::json(*v.used_bytes) : nlohmann::json();
  if (v.seconds > 0) j["seconds"] = v.seconds;
  return j;
}

nlohmann::json to_json(const catalog::SnapshotRow& s) {
  return {{"id", s.id},
          {"template", s.template_name},
          {"state", s.state},
          {"origin", s.origin},
          {"size_bytes", s.size_bytes},
          {"created_at", time_or_null(s.created_at)}};
}

nlohmann::json to_json(const TemplateView& v) {
  nlohmann::json snaps = nlohmann::json::array();
  for (const auto& s : v.snapshots) snaps.push_back(to_json(s));
  nlohmann::json j = {{"name", v.row.name},
                      {"engine", v.row.engine},
                      {"database", v.row.database},
                      {"state", v.row.state},
                      {"source_kind", v.row.source_kind},
                      {"source", v.source},
                      {"created_at", time_or_null(v.row.created_at)},
                      {"clones", v.clones},
                      {"snapshots", snaps}};
  if (v.seconds > 0) j["seconds"] = v.seconds;
  return j;
}

nlohmann::json to_json(const PoolStatus& s) {
  return {{"driver", s.driver},
          {"root", s.root.string()},
          {"image", s.image ? nlohmann::json(*s.image) : nlohmann::json()},
          {"total_bytes", s.total},
          {"available_bytes", s.available},
          {"volumes", s.volumes}};
}

}  // namespace dbtwin::core
