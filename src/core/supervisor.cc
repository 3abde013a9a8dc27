#include "core/supervisor.h"

#include <algorithm>
#include <functional>

#include "base/log.h"
#include "core/server.h"

namespace dbtwin::core {

namespace {

bool transitional(const std::string& state) {
  return state == "creating" || state == "destroying" || state == "quiescing";
}

bool server_gone(const catalog::CloneRow& row) {
  return !os::process_alive(
      {static_cast<pid_t>(row.server_pid), static_cast<uint64_t>(row.server_start)});
}

// Applies `change` to the clone's current row if it is still running and records the server
// `pid`: another command (stop, destroy, reset) may have taken the clone over meanwhile, and
// wins. Whether the change was made.
Result<bool> update_if_ours(catalog::Catalog& cat, const std::string& name,
                            const os::ProcessId& pid,
                            const std::function<void(catalog::CloneRow&)>& change) {
  auto now = TRY(cat.find_clone(name));
  if (!now || now->state != "running" || now->server_pid != pid.pid ||
      now->server_start != static_cast<int64_t>(pid.start_time)) {
    return false;
  }
  change(*now);
  TRY(cat.update_clone(*now));
  return true;
}

// Records `server` as the clone's, in place of the `gone` one; false if the row moved on.
Result<bool> record_server(catalog::Catalog& cat, const std::string& name,
                           const os::ProcessId& gone, const os::ProcessId& server) {
  return update_if_ours(cat, name, gone, [&server](catalog::CloneRow& r) {
    r.server_pid = server.pid;
    r.server_start = static_cast<int64_t>(server.start_time);
  });
}

// Starts the server of a running clone whose server is gone, and waits for the clone's login.
// Returns the restart count now recorded, or 0 if nothing had to be done after all.
Result<int64_t> restart_server(Context& ctx, const std::string& name) {
  auto& cat = ctx.catalog();
  // Read again: another command may have handled the clone since the pass began.
  auto row = TRY(cat.find_clone(name));
  if (!row || row->state != "running" || !server_gone(*row)) return int64_t{0};
  os::ProcessId gone{static_cast<pid_t>(row->server_pid), static_cast<uint64_t>(row->server_start)};
  auto* eng = TRY(ctx.engine(row->engine));
  auto spec = TRY(clone_spec(ctx, *row));
  if (auto running = eng->running_server(spec)) {
    // A server runs on the volume after all, unrecorded (a start killed before it recorded the
    // pid): adopt it rather than start a second one.
    TRY(record_server(cat, name, gone, *running));
    return int64_t{0};
  }
  auto pid = TRY(start_server(ctx, *eng, spec));
  log::debug("clone {}: server started again (pid {})", name, pid.pid);
  // Recorded before the wait, so a daemon killed meanwhile leaves a server that is accounted
  // for.
  if (!TRY(record_server(cat, name, gone, pid))) {
    (void)eng->stop(spec, pid, engine::StopMode::fast);
    return int64_t{0};
  }
  auto ready =
      eng->wait_ready(spec, pid, clone_credentials(*row), row->database, ready_timeout(ctx));
  if (!ready) {
    (void)eng->stop(spec, pid, engine::StopMode::fast);
    // The row stays "running" with no server, so the next pass tries again.
    (void)record_server(cat, name, pid, os::ProcessId{});
    return std::move(ready).error();
  }
  int64_t restarts = 0;  // stays 0 if another command took the clone over during the wait
  TRY(update_if_ours(cat, name, pid,
                     [&restarts](catalog::CloneRow& r) { restarts = ++r.restarts; }));
  return restarts;
}

}  // namespace

std::chrono::seconds Supervisor::delay(int attempts) const {
  if (attempts <= 0) return std::chrono::seconds(0);
  auto cap = std::max(settings_.max_backoff, std::chrono::seconds(1));
  int64_t d = 1;
  for (int i = 1; i < attempts && d < cap.count(); ++i) d *= 2;
  return std::min(std::chrono::seconds(d), cap);
}

std::chrono::seconds Supervisor::backoff(const std::string& clone) const {
  auto it = tracks_.find(clone);
  return it == tracks_.end() ? std::chrono::seconds(0) : delay(it->second.attempts);
}

Result<std::vector<SupervisorEvent>> Supervisor::tick(Context& ctx) {
  std::vector<SupervisorEvent> events;
  auto rows = TRY(ctx.catalog().list_clones(std::nullopt));
  auto now = std::chrono::steady_clock::now();
  std::map<std::string, Track> kept;
  for (const auto& row : rows) {
    if (transitional(row.state)) {
      // Leave it alone, but remember its history for when it is running again.
      if (auto it = tracks_.find(row.name); it != tracks_.end()) kept.insert(*it);
      continue;
    }
    if (row.state != "running") continue;  // stopped or failed: nothing to supervise
    Track track;
    if (auto it = tracks_.find(row.name); it != tracks_.end()) track = it->second;
    if (!server_gone(row)) {
      // Up long enough since the last restart: a later crash starts the backoff afresh.
      if (track.attempts > 0 && now - track.last_attempt < settings_.max_backoff) {
        kept[row.name] = track;
      }
      continue;
    }
    if (track.attempts > 0 && now - track.last_attempt < delay(track.attempts)) {
      kept[row.name] = track;
      continue;
    }
    if (auto ev = restart(ctx, row, track)) events.push_back(std::move(*ev));
    kept[row.name] = track;
  }
  tracks_ = std::move(kept);
  return events;
}

std::optional<SupervisorEvent> Supervisor::restart(Context& ctx, const catalog::CloneRow& row,
                                                   Track& track) {
  SupervisorEvent ev;
  ev.clone = row.name;
  auto done = restart_server(ctx, row.name);
  if (done && *done == 0) return std::nullopt;  // another command saw to it meanwhile
  ++track.attempts;
  track.last_attempt = std::chrono::steady_clock::now();
  if (done) {
    ev.restarted = true;
    ++restarts_total_;
    std::string was = row.server_pid > 0 ? fmt::format(" (pid {})", row.server_pid) : "";
    ev.message = fmt::format("clone '{}': its server{} was gone; restarted (restart {})", row.name,
                             was, *done);
  } else {
    ev.message = fmt::format("clone '{}': restart failed, next try in {}s: {}", row.name,
                             delay(track.attempts).count(), done.error().message);
  }
  return ev;
}

}  // namespace dbtwin::core
