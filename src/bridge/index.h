// The bridge's index: a RepliByte-compatible "metadata.json" listing every dump, beside one
// manifest per dump ("<directory_name>/dump.json", with its chunk list). The manifests are the
// truth; the index is rebuilt from them, and stays correct when several machines publish or
// withdraw at once without any lock (see converge() in index.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "pipeline/object_store.h"

namespace dbtwin::bridge {

inline constexpr std::string_view kIndexKey = "metadata.json";

struct ChunkRef {
  std::string key;  // the object's key, "<directory_name>/chunk-000000"
  uint64_t size = 0;
  std::string blake2b;  // hex
};

struct DumpManifest {
  // RepliByte's fields
  std::string directory_name;
  uint64_t size = 0;  // stored bytes
  int64_t created_at_ms = 0;
  bool compressed = false;
  bool encrypted = false;
  // dbtwin's
  std::string status;  // "complete" | "failed"
  std::string error;
  std::string engine, source_version, database, rules_digest;
  uint64_t tables = 0, rows = 0, plain_bytes = 0;
  int format_version = 1;
  bool subset = false;
  double seconds = 0;
  std::vector<ChunkRef> chunks;  // only in dump.json, never in metadata.json
};

// Dump names: [a-z0-9][a-z0-9_.-]{0,62}; "dump-<epoch ms>" by default. Checked before a name
// reaches a key.
Status validate_dump_name(std::string_view name);
// "<name>/dump.json"
std::string manifest_key(std::string_view name);

// JSON forms; `what` names the object in errors (invalid_argument for a malformed one).
nlohmann::json manifest_to_json(const DumpManifest& m, bool with_chunks);
Result<DumpManifest> manifest_from_json(const nlohmann::json& j, std::string_view what);

// Writes the dump's manifest, then brings the index up to date with every manifest present.
Status publish(pipeline::ObjectStore& store, const DumpManifest& m);
// The dumps in metadata.json, oldest first (no chunk lists); empty if there is no index yet.
// A malformed index is an error naming it (the next publish or withdraw rebuilds it).
Result<std::vector<DumpManifest>> list_dumps(pipeline::ObjectStore& store);
// The full manifest (with chunks) of a dump, or of the newest complete one for "latest".
Result<DumpManifest> find_dump(pipeline::ObjectStore& store, std::string_view name_or_latest);
// Removes the dump's manifest, brings the index up to date, then removes its chunks.
Status withdraw(pipeline::ObjectStore& store, std::string_view name);

}  // namespace dbtwin::bridge
