// The dump operations users name: create a masked dump of a source on a bridge, list, show and
// delete dumps, restore one into a server or a new template, and check rules against a source.
// They join the pipeline (source, masking, chunks) to a bridge (objects and the index).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "bridge/bridge.h"
#include "bridge/index.h"
#include "core/context.h"
#include "pipeline/chunk_writer.h"
#include "pipeline/coverage.h"
#include "pipeline/dump_reader.h"
#include "pipeline/dump_writer.h"
#include "pipeline/keys.h"
#include "pipeline/subset.h"

namespace dbtwin::bridge {

namespace fs = std::filesystem;

struct DumpRequest {
  std::string source_url;
  std::optional<fs::path> rules_file;     // none: every column copied as is, or
  std::optional<std::string> rules_yaml;  // the rules' text (from the API)
  std::string bridge_url;
  BridgeOptions bridge;
  std::string name;                           // empty: dump-<epoch ms>
  std::vector<pipeline::SubsetStart> subset;  // added to the rules file's subset starts
  bool subset_children = false;
  int jobs = 2;
  int compression_level = 3;
  uint64_t chunk_bytes = 0;  // 0: the pipeline's default
  pipeline::KeySource key;
};

struct DumpOutcome {
  DumpManifest manifest;
  pipeline::DumpStats stats;
};

// Dumps the source into a new dump on the bridge and lists it in the index. A failed dump is
// listed with status "failed" and its error, and its chunks are removed; the index stays valid.
Result<DumpOutcome> create_dump(const DumpRequest& req, const pipeline::DumpProgress& progress);

struct DeleteRequest {
  std::string name;                                // one dump, or
  std::optional<std::chrono::seconds> older_than;  // every dump created longer ago, or
  std::optional<int> keep_last;                    // all but the newest N complete dumps
};
// Deletes the selected dumps (index entry first, then chunks); returns their names.
Result<std::vector<std::string>> delete_dumps(pipeline::ObjectStore& store,
                                              const DeleteRequest& req);

struct RestoreRequest {
  std::string bridge_url;
  BridgeOptions bridge;
  std::string name = "latest";
  pipeline::KeySource key;
  std::string to_url;         // into this server and database, or
  std::string template_name;  // into a new template (needs a Context)
  bool replace = false;       // --to: swap out a non-empty database
};

struct RestoreOutcome {
  DumpManifest manifest;
  pipeline::RestoreStats stats;
  std::string target;  // the URL (password removed) or the template's name
};

// Restores a dump. Everything is checked (engine, key, chunks) before the target is touched,
// and a failure leaves the target as it was.
Result<RestoreOutcome> restore_dump(const RestoreRequest& req, core::Context* ctx,
                                    const pipeline::DumpProgress& progress);

struct ValidateReport {
  pipeline::Coverage coverage;
  size_t tables = 0;
  size_t columns = 0;
};
// Compares the rules (a file, or the YAML text itself) with the source's columns.
Result<ValidateReport> validate_rules(const std::string& source_url, const fs::path& rules_file);
Result<ValidateReport> validate_rules_text(const std::string& source_url, const std::string& yaml);

}  // namespace dbtwin::bridge
