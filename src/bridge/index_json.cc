// The JSON forms of a dump's manifest and index entry, and dump names.
#include <cctype>

#include "bridge/index.h"

namespace dbtwin::bridge {

using nlohmann::json;

Status validate_dump_name(std::string_view name) {
  auto ok_first = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  };
  bool ok = !name.empty() && name.size() <= 63 && ok_first(name.front());
  for (char c : name) ok = ok && (ok_first(c) || c == '_' || c == '.' || c == '-');
  if (!ok)
    return err(Errc::invalid_argument,
               "'{}' is not a valid dump name: use 1 to 63 of a-z, 0-9, '_', '.', '-', starting "
               "with a letter or digit",
               name);
  return {};
}

std::string manifest_key(std::string_view name) {
  return std::string(name) + "/dump.json";
}

json manifest_to_json(const DumpManifest& m, bool with_chunks) {
  json j = {{"directory_name", m.directory_name},
            {"size", m.size},
            {"created_at", m.created_at_ms},
            {"compressed", m.compressed},
            {"encrypted", m.encrypted},
            {"status", m.status},
            {"engine", m.engine},
            {"source_version", m.source_version},
            {"database", m.database},
            {"rules_digest", m.rules_digest},
            {"tables", m.tables},
            {"rows", m.rows},
            {"plain_bytes", m.plain_bytes},
            {"format_version", m.format_version},
            {"subset", m.subset},
            {"seconds", m.seconds}};
  if (!m.error.empty()) j["error"] = m.error;
  if (with_chunks) {
    json chunks = json::array();
    for (const auto& c : m.chunks)
      chunks.push_back({{"key", c.key}, {"size", c.size}, {"blake2b", c.blake2b}});
    j["chunks"] = std::move(chunks);
  }
  return j;
}

namespace {

// Reads an optional field, keeping the default when absent (RepliByte writes only five).
template <typename T>
void field(const json& j, const char* name, T& out) {
  auto it = j.find(name);
  if (it != j.end() && !it->is_null()) out = it->get<T>();
}

}  // namespace

Result<DumpManifest> manifest_from_json(const json& j, std::string_view what) {
  try {
    if (!j.is_object())
      return err(Errc::invalid_argument, "{} is malformed: a dump entry is not an object", what);
    DumpManifest m;
    m.directory_name = j.at("directory_name").get<std::string>();
    m.created_at_ms = j.at("created_at").get<int64_t>();
    field(j, "size", m.size);
    field(j, "compressed", m.compressed);
    field(j, "encrypted", m.encrypted);
    m.status = "complete";  // RepliByte lists only finished dumps
    field(j, "status", m.status);
    field(j, "error", m.error);
    field(j, "engine", m.engine);
    field(j, "source_version", m.source_version);
    field(j, "database", m.database);
    field(j, "rules_digest", m.rules_digest);
    field(j, "tables", m.tables);
    field(j, "rows", m.rows);
    field(j, "plain_bytes", m.plain_bytes);
    field(j, "format_version", m.format_version);
    field(j, "subset", m.subset);
    field(j, "seconds", m.seconds);
    if (auto it = j.find("chunks"); it != j.end()) {
      for (const auto& c : *it)
        m.chunks.push_back({c.at("key").get<std::string>(), c.at("size").get<uint64_t>(),
                            c.at("blake2b").get<std::string>()});
    }
    return m;
  } catch (const json::exception& e) {
    return err(Errc::invalid_argument, "{} is malformed: {}", what, e.what());
  }
}

}  // namespace dbtwin::bridge
