#include "core/reaper.h"

#include <algorithm>
#include <set>

#include "base/log.h"
#include "base/strings.h"
#include "core/clones.h"
#include "core/server.h"

namespace dbtwin::core {

namespace {

bool transitional(const std::string& state) {
  return state == "creating" || state == "destroying" || state == "quiescing";
}

bool server_alive(const catalog::CloneRow& row) {
  return os::process_alive(
      {static_cast<pid_t>(row.server_pid), static_cast<uint64_t>(row.server_start)});
}

// The engine's activity probe, as the template's admin, else as the clone's own login (a user
// may have changed the admin's password in their clone).
Result<engine::Activity> probe(Context& ctx, const catalog::CloneRow& row) {
  auto* eng = TRY(ctx.engine(row.engine));
  auto spec = TRY(clone_spec(ctx, row));
  auto tmpl = TRY(ctx.catalog().find_template(row.template_name));
  if (tmpl) {
    auto a = eng->activity(spec, admin_credentials(*tmpl));
    if (a) return a;
  }
  return eng->activity(spec, clone_credentials(row));
}

}  // namespace

Result<std::vector<std::string>> Reaper::tick(Context& ctx) {
  std::vector<std::string> done;
  auto& cat = ctx.catalog();
  int64_t now = now_unix();
  std::set<std::string> present;
  for (const auto& row : TRY(cat.list_clones(std::nullopt))) {
    present.insert(row.name);
    if (transitional(row.state)) continue;

    if (!row.is_protected && row.expires_at != 0 && row.expires_at <= now) {
      if (auto gone = destroy_clone(ctx, row.name, false); gone) {
        done.push_back(fmt::format("clone '{}' expired at {} and was destroyed", row.name,
                                   format_time(row.expires_at)));
        log::info("{}", done.back());
        present.erase(row.name);
      } else {
        log::warn("could not destroy expired clone '{}': {}", row.name, gone.error().message);
      }
      continue;
    }

    if (settings_.idle_timeout.count() <= 0 || row.state != "running" || !server_alive(row)) {
      continue;
    }
    bool compared = false;
    bool active = sample(ctx, row, &compared);
    Sample& seen = samples_[row.name];
    if (active) seen.last_active = now;
    int64_t last = std::max({row.last_active_at, row.created_at, seen.last_active});
    if (active) {
      // Written at a coarse grain: a busy clone would otherwise cost a catalog write per tick.
      int64_t grain = std::clamp<int64_t>(settings_.idle_timeout.count() / 10, 1, 30);
      if (now - row.last_active_at >= grain) (void)touch(ctx, row.name, now);
      continue;
    }
    if (row.last_active_at == 0) (void)touch(ctx, row.name, row.created_at);
    // Protected clones are sampled too, so that their idleness is known once unprotected.
    if (row.is_protected || !compared || now - last <= settings_.idle_timeout.count()) continue;
    if (auto gone = destroy_clone(ctx, row.name, false); gone) {
      done.push_back(fmt::format(
          "clone '{}' was idle for {} (no connection or activity since {}) and was destroyed",
          row.name, format_duration(std::chrono::seconds(now - last)), format_time(last)));
      log::info("{}", done.back());
      present.erase(row.name);
    } else {
      log::warn("could not destroy idle clone '{}': {}", row.name, gone.error().message);
    }
  }
  std::erase_if(samples_, [&present](const auto& kv) { return !present.contains(kv.first); });
  return done;
}

bool Reaper::sample(Context& ctx, const catalog::CloneRow& row, bool* compared) {
  *compared = false;
  auto it = samples_.find(row.name);
  bool known = it != samples_.end();
  Sample& s = samples_[row.name];
  // A server started since the last tick (start, reset, a restart) is a sign of life.
  bool restarted = known && (s.server_pid != row.server_pid || s.server_start != row.server_start);
  if (restarted || !known) s.counter.reset();
  s.server_pid = row.server_pid;
  s.server_start = row.server_start;

  auto a = probe(ctx, row);
  if (!a) {
    // Unknown is not idle: no verdict until the probe works again.
    log::debug("clone {}: activity probe failed: {}", row.name, a.error().message);
    s.counter.reset();
    return restarted;
  }
  bool active = restarted || a->connections > 0;
  if (s.counter) {
    if (a->counter > *s.counter) active = true;
    // A counter that went down was reset (statistics lost in a crash): a new baseline.
    *compared = a->counter >= *s.counter;
  }
  s.counter = a->counter;
  return active;
}

Status Reaper::touch(Context& ctx, const std::string& name, int64_t when) {
  auto& cat = ctx.catalog();
  // The row read now, not the one the pass began with: only last_active_at changes.
  auto row = TRY(cat.find_clone(name));
  if (!row || row->last_active_at >= when) return {};
  row->last_active_at = when;
  return cat.update_clone(*row);
}

}  // namespace dbtwin::core
