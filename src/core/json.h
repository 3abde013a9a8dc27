// JSON shapes of what users see, shared by the CLI's --json and the HTTP API, and read back by
// the CLI when it talks to a daemon (--server).
#pragma once

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "core/clones.h"
#include "core/pool_admin.h"
#include "core/templates.h"

namespace dbtwin::core {

// Times appear twice: as ISO-8601 text for people ("created_at") and as unix seconds
// ("created_unix") so that reading the JSON back gives the exact value.
// A time as ISO 8601 UTC text, or null for 0 (never).
nlohmann::json time_or_null(int64_t unix_seconds);

nlohmann::json to_json(const CloneView& v);
nlohmann::json to_json(const TemplateView& v);
nlohmann::json to_json(const catalog::SnapshotRow& s);
nlohmann::json to_json(const PoolStatus& s);

// The inverse of to_json for the fields it writes: to_json(from_json<T>(to_json(x))) equals
// to_json(x). Malformed JSON (not an object, a field of the wrong type) is an internal error.
template <typename T>
Result<T> from_json(const nlohmann::json& j);
template <>
Result<CloneView> from_json(const nlohmann::json& j);
template <>
Result<TemplateView> from_json(const nlohmann::json& j);
template <>
Result<catalog::SnapshotRow> from_json(const nlohmann::json& j);
template <>
Result<PoolStatus> from_json(const nlohmann::json& j);

// A JSON array of T, each element read with from_json<T>.
template <typename T>
Result<std::vector<T>> vector_from_json(const nlohmann::json& j) {
  if (!j.is_array()) return err(Errc::internal, "expected a JSON array, got: {}", j.dump());
  std::vector<T> out;
  for (const auto& item : j) out.push_back(TRY(from_json<T>(item)));
  return out;
}

}  // namespace dbtwin::core
