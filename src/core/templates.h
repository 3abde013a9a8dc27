// Template operations: create from a source, refresh into a new snapshot, list, show, delete.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "catalog/rows.h"
#include "core/context.h"
#include "engine/engine.h"

namespace dbtwin::core {

struct TemplateRequest {
  // filled: a layer above core fills the new database itself (a restore from a bridge dump).
  enum class Source { dump, url, clone, empty, filled };
  std::string name;    // for a folder of dumps: empty, each file names its template
  std::string engine;  // "postgres" | "mariadb"; a clone's template decides for --from-clone
  Source source = Source::empty;
  std::vector<fs::path> dumps;  // imported in order into one template; or one folder
  std::string url;
  std::string clone;
  std::optional<std::string> database;  // the database clones connect to
  // filled: what the template was made from, as shown and recorded (no secrets), and the filler.
  std::string filled_ref;
  std::function<Status(const std::string& admin_url, const engine::Progress&)> fill;
};

struct TemplateView {
  catalog::TemplateRow row;
  std::vector<catalog::SnapshotRow> snapshots;  // newest first, hidden ones left out
  int64_t clones = 0;
  std::string source;  // what it was made from, passwords redacted
  double seconds = 0;  // for create/refresh
};

// Creates one template, or one per file when the source is a folder of <name>.sql files.
Result<std::vector<TemplateView>> create_templates(Context& ctx, const TemplateRequest& req,
                                                   const engine::Progress& progress);
Result<TemplateView> create_template(Context& ctx, const TemplateRequest& req,
                                     const engine::Progress& progress);
// Re-imports from the template's source into a new snapshot; clones keep their old one.
Result<TemplateView> refresh_template(Context& ctx, const std::string& name,
                                      const engine::Progress& progress);
Result<TemplateView> show_template(Context& ctx, const std::string& name);
Result<std::vector<TemplateView>> list_templates(Context& ctx);
// Deletes a template and its snapshots; a conflict while clones use it unless `force`, which
// destroys them first.
Status delete_template(Context& ctx, const std::string& name, bool force);

}  // namespace dbtwin::core
