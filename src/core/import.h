// Filling a new snapshot of a template: a work volume, a server with durability off, the
// import, a clean stop, then the volume is sealed into the snapshot.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "catalog/rows.h"
#include "core/context.h"
#include "engine/engine.h"

namespace dbtwin::core {

// The engine sources a template's row describes (its dumps in order, or its URL); empty for an
// empty template.
Result<std::vector<engine::ImportSource>> import_sources(const catalog::TemplateRow& tmpl);

Result<catalog::SnapshotRow> import_snapshot(Context& ctx, const catalog::TemplateRow& tmpl,
                                             const std::vector<engine::ImportSource>& sources,
                                             const std::string& origin,
                                             const engine::Progress& progress);

// The database every fresh server has, to log in to before the template's own exists.
std::string maintenance_database(engine::Kind kind);

}  // namespace dbtwin::core
