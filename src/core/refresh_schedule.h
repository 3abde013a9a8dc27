// Scheduled refresh: a template's cron-style schedule, which templates are due, and pruning the
// snapshots a refresh leaves behind.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/context.h"
#include "core/templates.h"

namespace dbtwin::core {

// Sets or clears ("") a template's schedule, validated with Schedule::parse, and the number of
// unused snapshots its refreshes keep (0: lifecycle.keep_snapshots; below 0 is invalid). An
// empty template (nothing to refresh from) refuses a schedule.
Result<TemplateView> set_schedule(Context& ctx, const std::string& tmpl,
                                  const std::string& schedule, int keep);

// Names of the ready templates whose schedule fires in (after, upto] (UTC seconds). A
// schedule that no longer parses is skipped with a warning.
Result<std::vector<std::string>> due_refreshes(Context& ctx, int64_t after, int64_t upto);

// After a refresh: keeps the template's newest ready snapshot, every snapshot a clone uses, and
// the newest `keep` other ready snapshots that no clone uses; drops the rest (drop_snapshot).
// keep 0: the template's own keep_snapshots, else lifecycle.keep_snapshots. Hidden snapshots
// (of clones) and unfinished ones are left alone. Returns the ids removed.
Result<std::vector<int64_t>> prune_snapshots(Context& ctx, const std::string& tmpl, int keep);

}  // namespace dbtwin::core
