#include "core/refresh_schedule.h"

#include <algorithm>

#include "base/log.h"
#include "base/strings.h"
#include "core/cron.h"
#include "core/snapshots.h"

namespace dbtwin::core {

Result<TemplateView> set_schedule(Context& ctx, const std::string& tmpl,
                                  const std::string& schedule, int keep) {
  TRY(validate_name("template", tmpl));
  if (keep < 0) {
    return err(Errc::invalid_argument, "keep must be 0 (the default) or more, not {}", keep);
  }
  std::string text(trim(schedule));
  if (!text.empty()) text = TRY(Schedule::parse(text)).text();
  auto& cat = ctx.catalog();
  auto row = TRY(cat.get_template(tmpl));
  if (!text.empty() && row.source_kind == "empty") {
    return err(Errc::invalid_argument,
               "template '{}' is empty: a schedule would have nothing to refresh from", tmpl);
  }
  if (!text.empty() && row.source_kind == "bridge") {
    return err(Errc::invalid_argument,
               "template '{}' was restored from a bridge dump: it has no source to refresh from",
               tmpl);
  }
  TRY(cat.set_template_schedule(tmpl, text, keep));
  log::info("template {}: schedule {}", tmpl, text.empty() ? "cleared" : "'" + text + "'");
  return show_template(ctx, tmpl);
}

Result<std::vector<std::string>> due_refreshes(Context& ctx, int64_t after, int64_t upto) {
  std::vector<std::string> due;
  if (upto <= after) return due;
  for (const auto& t : TRY(ctx.catalog().list_templates())) {
    if (t.schedule.empty() || t.state != "ready") continue;
    auto s = Schedule::parse(t.schedule);
    if (!s) {
      log::warn("template {}: schedule skipped: {}", t.name, s.error().message);
      continue;
    }
    if (s->next_after(after) <= upto) due.push_back(t.name);
  }
  return due;
}

Result<std::vector<int64_t>> prune_snapshots(Context& ctx, const std::string& tmpl, int keep) {
  TRY(validate_name("template", tmpl));
  if (keep < 0) {
    return err(Errc::invalid_argument, "keep must be 0 (the default) or more, not {}", keep);
  }
  auto& cat = ctx.catalog();
  auto row = TRY(cat.get_template(tmpl));
  if (keep == 0)
    keep = row.keep_snapshots > 0 ? row.keep_snapshots : ctx.config().lifecycle.keep_snapshots;
  auto snaps = TRY(cat.list_snapshots(tmpl, false));
  std::sort(snaps.begin(), snaps.end(),
            [](const auto& a, const auto& b) { return a.id > b.id; });  // newest first
  std::vector<int64_t> removed;
  bool newest_seen = false;
  int kept_unused = 0;
  for (const auto& s : snaps) {
    if (s.state != "ready" || s.hidden) continue;
    if (!newest_seen) {  // the one new clones are made from
      newest_seen = true;
      continue;
    }
    if (TRY(cat.clones_using_snapshot(s.id)) > 0) continue;
    if (kept_unused < keep) {
      ++kept_unused;
      continue;
    }
    auto dropped = drop_snapshot(ctx, s);
    if (!dropped) {
      // Left for the next refresh's prune; the refresh itself succeeded.
      log::warn("template {}: could not remove snapshot {}: {}", tmpl, s.id,
                dropped.error().message);
      continue;
    }
    log::info("template {}: snapshot {} removed (unused, beyond the {} kept)", tmpl, s.id, keep);
    removed.push_back(s.id);
  }
  return removed;
}

}  // namespace dbtwin::core
