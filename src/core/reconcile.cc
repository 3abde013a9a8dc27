#include "core/reconcile.h"

#include <chrono>
#include <csignal>
#include <set>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/strings.h"
#include "core/clones.h"
#include "core/context.h"
#include "core/server.h"
#include "core/snapshots.h"

namespace dbtwin::core {

namespace {

bool op_alive(const catalog::OpOwner& op) {
  return op.pid > 0 &&
         os::process_alive({static_cast<pid_t>(op.pid), static_cast<uint64_t>(op.start_time)});
}

// True if `arg` names `path` itself or something inside it (not a sibling such as clone.ab
// for clone.a, nor port 60001's folder for 6000's).
bool mentions(const std::string& arg, const std::string& path) {
  for (size_t at = arg.find(path); at != std::string::npos; at = arg.find(path, at + 1)) {
    size_t end = at + path.size();
    if (end == arg.size()) return true;
    char next = arg[end];
    bool id_char = (next >= 'a' && next <= 'z') || (next >= '0' && next <= '9') || next == '.' ||
                   next == '_' || next == '-';
    if (!id_char) return true;
  }
  return false;
}

// Kills whatever a killed command left running on its volume or run folder: a server whose pid
// it never recorded, and the tools it was running there (initdb, mariadb-install-db and the
// children they forked). Those live in sessions of their own, so they outlive the command and
// would keep writing into the folders being removed. They are found by their command lines.
void kill_leftovers(const std::vector<std::string>& paths) {
  std::vector<os::ProcessId> killed;
  for (pid_t pid : os::list_pids()) {
    if (pid == os::self_pid()) continue;
    bool hit = false;
    for (const auto& arg : os::process_cmdline(pid)) {
      for (const auto& p : paths) hit = hit || mentions(arg, p);
    }
    if (!hit) continue;
    auto id = os::process_id(pid);
    if (!id) continue;
    (void)os::signal_group(*id, SIGKILL);
    (void)os::signal_process(*id, SIGKILL);
    killed.push_back(*id);
  }
  if (killed.empty()) return;
  // Their group members too (initdb's bootstrap backend names no path), before anything is removed.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (bool busy = true; busy && std::chrono::steady_clock::now() < deadline;) {
    busy = false;
    for (pid_t pid : os::list_pids()) {
      auto group = os::process_group(pid);
      if (!group) continue;
      for (const auto& k : killed) busy = busy || *group == k.pid || pid == k.pid;
    }
    if (busy) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Stops the import server of an unfinished snapshot, found by its port's run folder.
Status stop_import_server(Context& ctx, const catalog::SnapshotRow& snap) {
  auto& cat = ctx.catalog();
  std::string owner = fmt::format("snapshot:{}", snap.id);
  auto tmpl = TRY(cat.find_template(snap.template_name));
  for (const auto& [port, who] : TRY(cat.list_ports())) {
    if (who != owner) continue;
    if (tmpl) {
      auto* eng = TRY(ctx.engine(tmpl->engine));
      auto* pool = TRY(ctx.pool());
      auto datadir = pool->root() / fmt::format("work.{}.{}", snap.template_name, snap.id);
      auto spec = TRY(server_spec(ctx, datadir, port, "template", snap.template_name, false));
      TRY(stop_server(*eng, spec, 0, 0, engine::StopMode::fast));
    }
    TRY(os::remove_tree(ctx.run_dir(port)));
    TRY(cat.release_port(port));
  }
  return {};
}

// A clone that a killed command stopped to snapshot it runs again, as it did before. Failing to
// start it is said, not fatal: the clone is left failed for `clone start`, and this command goes
// on.
Status restart_quiesced(Context& ctx, catalog::CloneRow c) {
  auto& cat = ctx.catalog();
  int64_t killer = c.op.pid;
  auto* eng = TRY(ctx.engine(c.engine));
  // A server still up was either never stopped or is the restart the command had begun, maybe
  // still starting: stopped fast, since MariaDB can hang for good on a SIGTERM while it starts.
  // Both engines recover from that as from a crash; the snapshot copy is long abandoned.
  TRY(stop_server(*eng, TRY(clone_spec(ctx, c)), c.server_pid, c.server_start,
                  engine::StopMode::fast));
  c.state = "stopped";
  c.op = {};
  c.server_pid = c.server_start = 0;
  TRY(cat.update_clone(c));
  auto started = start_clone(ctx, c.name);
  if (started) {
    ctx.add_note(fmt::format(
        "restarted clone '{}', which a killed command (pid {}) had stopped for a snapshot", c.name,
        killer));
  } else {
    ctx.add_note(fmt::format(
        "clone '{}', stopped for a snapshot by a killed command (pid {}), did not start "
        "again: {}",
        c.name, killer, started.error().message));
  }
  return {};
}

Status reconcile_rows(Context& ctx) {
  auto& cat = ctx.catalog();
  for (const auto& c : TRY(cat.list_clones(std::nullopt))) {
    if ((c.state != "creating" && c.state != "destroying") || op_alive(c.op)) continue;
    auto* pool = TRY(ctx.pool());
    kill_leftovers({(pool->root() / c.volume).string(), ctx.run_dir(c.port).string()});
    TRY_CTX(destroy_clone(ctx, c.name, true), fmt::format("cleaning up clone '{}'", c.name));
    ctx.add_note(
        fmt::format("removed clone '{}', left half-{} by a command that was killed (pid {})",
                    c.name, c.state == "creating" ? "created" : "destroyed", c.op.pid));
  }
  for (const auto& c : TRY(cat.list_clones(std::nullopt))) {
    if (c.state == "quiescing" && !op_alive(c.op)) TRY(restart_quiesced(ctx, c));
  }
  for (const auto& s : TRY(cat.list_snapshots(std::nullopt, true))) {
    if (s.state != "creating" || op_alive(s.op)) continue;
    auto* pool = TRY(ctx.pool());
    std::vector<std::string> paths = {
        (pool->root() / s.volume).string(),
        (pool->root() / fmt::format("work.{}.{}", s.template_name, s.id)).string()};
    for (const auto& [port, who] : TRY(cat.list_ports())) {
      if (who == fmt::format("snapshot:{}", s.id)) paths.push_back(ctx.run_dir(port).string());
    }
    kill_leftovers(paths);
    TRY(stop_import_server(ctx, s));
    TRY(drop_snapshot(ctx, s));
    ctx.add_note(fmt::format(
        "removed unfinished snapshot {} of template '{}' (its command, pid {}, was killed)", s.id,
        s.template_name, s.op.pid));
  }
  for (const auto& t : TRY(cat.list_templates())) {
    if (t.state != "importing" || op_alive(t.op)) continue;
    bool has_snapshot = false;
    for (const auto& s : TRY(cat.list_snapshots(t.name, true))) has_snapshot |= s.state == "ready";
    if (has_snapshot) {
      TRY(cat.set_template_state(t.name, "ready", {}));
    } else {
      TRY(cat.release_ports_of("template:" + t.name));
      TRY(cat.delete_template(t.name));
      ctx.add_note(
          fmt::format("removed template '{}', whose import was killed (pid {})", t.name, t.op.pid));
    }
  }
  return {};
}

Status sweep_volumes(Context& ctx) {
  auto& cat = ctx.catalog();
  std::set<std::string> known;
  for (const auto& c : TRY(cat.list_clones(std::nullopt))) known.insert(c.volume);
  for (const auto& s : TRY(cat.list_snapshots(std::nullopt, true))) known.insert(s.volume);
  auto* pool = TRY(ctx.pool());
  for (const auto& vol : TRY(pool->list())) {
    if (known.count(vol) != 0) continue;
    TRY_CTX(pool->destroy(vol), "removing an orphan volume");
    ctx.add_note(fmt::format("removed volume '{}', which no template or clone owned", vol));
  }
  return {};
}

// Hidden snapshots (a clone of a clone is made from one) that no clone uses: the command that
// took one was killed before its clone's row existed.
Status sweep_hidden_snapshots(Context& ctx) {
  auto& cat = ctx.catalog();
  for (const auto& s : TRY(cat.list_snapshots(std::nullopt, true))) {
    if (!s.hidden || s.state != "ready" || TRY(cat.clones_using_snapshot(s.id)) > 0) continue;
    TRY(drop_snapshot(ctx, s));
    ctx.add_note(fmt::format("removed snapshot {} of template '{}', which no clone used", s.id,
                             s.template_name));
  }
  return {};
}

Status sweep_ports_and_run_dirs(Context& ctx) {
  auto& cat = ctx.catalog();
  std::set<std::string> run_dirs_in_use;
  for (const auto& [port, owner] : TRY(cat.list_ports())) {
    bool owned = false;
    if (starts_with(owner, "clone:")) owned = TRY(cat.find_clone(owner.substr(6))).has_value();
    if (starts_with(owner, "snapshot:")) {
      auto snap = TRY(cat.find_snapshot(std::stoll(owner.substr(9))));
      owned = snap && snap->state == "creating";
    }
    if (owned) {
      run_dirs_in_use.insert(std::to_string(port));
      continue;
    }
    TRY(cat.release_port(port));
    ctx.add_note(
        fmt::format("released port {}, held for '{}' which no longer exists", port, owner));
  }
  fs::path run = ctx.config().state_dir / "run";
  for (const auto& name : TRY(os::list_dir(run))) {
    if (run_dirs_in_use.count(name) == 0) TRY(os::remove_tree(run / name));
  }
  return {};
}

// Servers started from this state folder that no clone row records: a command was killed
// between starting a server and writing its pid down.
Status sweep_processes(Context& ctx) {
  std::set<pid_t> known;
  for (const auto& c : TRY(ctx.catalog().list_clones(std::nullopt)))
    known.insert(static_cast<pid_t>(c.server_pid));
  std::string state = ctx.config().state_dir.string() + "/";
  std::string pool = ctx.config().pool_root().string() + "/";
  for (pid_t pid : os::list_pids()) {
    if (known.count(pid) != 0 || pid == os::self_pid()) continue;
    auto argv = os::process_cmdline(pid);
    if (argv.empty()) continue;
    std::string prog = fs::path(argv[0]).filename();
    if (prog != "postgres" && prog != "mariadbd" && prog != "mysqld") continue;
    bool ours = false;
    for (const auto& a : argv)
      ours |= a.find(state) != std::string::npos || a.find(pool) != std::string::npos;
    if (!ours) continue;
    auto id = os::process_id(pid);
    if (!id) continue;
    (void)os::signal_process(*id, SIGKILL);
    (void)os::wait_gone(*id, std::chrono::seconds(5));
    ctx.add_note(
        fmt::format("stopped an orphan {} server (pid {}) that no clone owned", prog, pid));
  }
  return {};
}

}  // namespace

Status reconcile(Context& ctx, bool sweep) {
  TRY(reconcile_rows(ctx));
  if (!sweep) return {};
  TRY(sweep_processes(ctx));
  TRY(sweep_ports_and_run_dirs(ctx));
  // Only a pool that was ever opened can hold orphan volumes.
  if (TRY(ctx.catalog().setting("pool.driver"))) {
    TRY(sweep_hidden_snapshots(ctx));
    TRY(sweep_volumes(ctx));
  }
  return {};
}

}  // namespace dbtwin::core
