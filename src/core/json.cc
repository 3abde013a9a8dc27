#include "core/json.h"

#include "base/strings.h"

namespace dbtwin::core {

using nlohmann::json;

json time_or_null(int64_t t) {
  return t > 0 ? json(format_time(t)) : json();
}

namespace {

// Readers that take an absent or null field as the default, and throw json::type_error on a
// field of the wrong type (caught once, in parse()).
std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}
template <typename N>
N num(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? N{} : it->get<N>();
}
template <typename N>
std::optional<N> opt_num(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<N>();
}

// Runs `read` on a JSON object; nlohmann's exceptions stop here and become an Error.
template <typename T, typename F>
Result<T> parse(const json& j, const char* what, F read) {
  if (!j.is_object())
    return err(Errc::internal, "expected a JSON {} object, got: {}", what, j.dump());
  try {
    return read();
  } catch (const json::exception& e) {
    return err(Errc::internal, "malformed JSON {}: {}", what, e.what());
  }
}

}  // namespace

json to_json(const CloneView& v) {
  const auto& r = v.row;
  json j = {
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
      {"created_unix", r.created_at},
      {"expires_at", time_or_null(r.expires_at)},
      {"expires_unix", r.expires_at},
      {"restarts", r.restarts},
  };
  j["used_bytes"] = v.used_bytes ? json(*v.used_bytes) : json();
  if (v.seconds > 0) j["seconds"] = v.seconds;
  return j;
}

json to_json(const catalog::SnapshotRow& s) {
  return {{"id", s.id},
          {"template", s.template_name},
          {"state", s.state},
          {"origin", s.origin},
          {"size_bytes", s.size_bytes},
          {"created_at", time_or_null(s.created_at)},
          {"created_unix", s.created_at}};
}

json to_json(const TemplateView& v) {
  json snaps = json::array();
  for (const auto& s : v.snapshots) snaps.push_back(to_json(s));
  json j = {{"name", v.row.name},
            {"engine", v.row.engine},
            {"database", v.row.database},
            {"state", v.row.state},
            {"source_kind", v.row.source_kind},
            {"source", v.source},
            {"created_at", time_or_null(v.row.created_at)},
            {"created_unix", v.row.created_at},
            {"schedule", v.row.schedule},
            {"keep_snapshots", v.row.keep_snapshots},
            {"clones", v.clones},
            {"snapshots", snaps}};
  if (v.seconds > 0) j["seconds"] = v.seconds;
  return j;
}

json to_json(const PoolStatus& s) {
  return {{"driver", s.driver},
          {"root", s.root.string()},
          {"image", s.image ? json(*s.image) : json()},
          {"total_bytes", s.total},
          {"available_bytes", s.available},
          {"volumes", s.volumes}};
}

template <>
Result<CloneView> from_json(const json& j) {
  return parse<CloneView>(j, "clone", [&] {
    CloneView v;
    auto& r = v.row;
    r.name = str(j, "name");
    r.template_name = str(j, "template");
    r.snapshot_id = num<int64_t>(j, "snapshot");
    r.engine = str(j, "engine");
    r.state = v.state = str(j, "state");
    v.host = str(j, "host");
    r.port = num<int>(j, "port");
    r.user = str(j, "user");
    r.password = str(j, "password");
    r.database = str(j, "database");
    v.url = str(j, "url");
    r.owner = str(j, "owner");
    r.is_protected = num<bool>(j, "protected");
    r.created_at = num<int64_t>(j, "created_unix");
    r.expires_at = num<int64_t>(j, "expires_unix");
    r.restarts = num<int64_t>(j, "restarts");
    v.used_bytes = opt_num<uint64_t>(j, "used_bytes");
    v.seconds = num<double>(j, "seconds");
    return v;
  });
}

template <>
Result<catalog::SnapshotRow> from_json(const json& j) {
  return parse<catalog::SnapshotRow>(j, "snapshot", [&] {
    catalog::SnapshotRow s;
    s.id = num<int64_t>(j, "id");
    s.template_name = str(j, "template");
    s.state = str(j, "state");
    s.origin = str(j, "origin");
    s.size_bytes = num<int64_t>(j, "size_bytes");
    s.created_at = num<int64_t>(j, "created_unix");
    return s;
  });
}

template <>
Result<TemplateView> from_json(const json& j) {
  return parse<TemplateView>(j, "template", [&]() -> Result<TemplateView> {
    TemplateView v;
    v.row.name = str(j, "name");
    v.row.engine = str(j, "engine");
    v.row.database = str(j, "database");
    v.row.state = str(j, "state");
    v.row.source_kind = str(j, "source_kind");
    v.source = str(j, "source");
    v.row.created_at = num<int64_t>(j, "created_unix");
    v.row.schedule = str(j, "schedule");
    v.row.keep_snapshots = num<int>(j, "keep_snapshots");
    v.clones = num<int64_t>(j, "clones");
    v.snapshots = TRY(vector_from_json<catalog::SnapshotRow>(j.value("snapshots", json::array())));
    v.seconds = num<double>(j, "seconds");
    return v;
  });
}

template <>
Result<PoolStatus> from_json(const json& j) {
  return parse<PoolStatus>(j, "pool status", [&] {
    PoolStatus s;
    s.driver = str(j, "driver");
    s.root = str(j, "root");
    auto image = str(j, "image");
    if (!image.empty()) s.image = image;
    s.total = num<uint64_t>(j, "total_bytes");
    s.available = num<uint64_t>(j, "available_bytes");
    s.volumes = num<size_t>(j, "volumes");
    return s;
  });
}

}  // namespace dbtwin::core
