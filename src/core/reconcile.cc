#include "core/reconcile.h"

#include <csignal>
#include <set>

#include "base/log.h"
#include "base/strings.h"
#include "core/clones.h"
#include "core/context.h"
#include "core/server.h"
#include "core/snapshots.h"

namespace dbtwin::core {

namespace {

bool op_alive(const catalog::OpOwner& op) {
  return op.pid > 0 && os::process_alive({static_cast<pid_t>(op.pid), static_cast<uint64_t>(op.start_time)});
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

Status reconcile_rows(Context& ctx) {
  auto& cat = ctx.catalog();
  for (const auto& c : TRY(cat.list_clones(std::nullopt))) {
    if ((c.state != "creating" && c.state != "destroying") || op_alive(c.op)) continue;
    TRY_CTX(destroy_clone(ctx, c.name, true), fmt::format("cleaning up clone '{}'", c.name));
    ctx.add_note(fmt::format("removed clone '{}', left half-{} by a command that was killed (pid {})",
                             c.name, c.state == "creating" ? "created" : "destroyed", c.op.pid));
  }
  for (const auto& s : TRY(cat.list_snapshots(std::nullopt, true))) {
    if (s.state != "creating" || op_alive(s.op)) continue;
    TRY(stop_import_server(ctx, s));
    TRY(drop_snapshot(ctx, s));
    ctx.add_note(fmt::format("removed unfinished snapshot {} of template '{}' (its command, pid {}, was killed)",
                             s.id, s.template_name, s.op.pid));
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
      ctx.add_note(fmt::format("removed template '{}', whose import was killed (pid {})", t.name, t.op.pid));
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
    ctx.add_note(fmt::format("released port {}, held for '{}' which no longer exists", port, owner));
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
  for (const auto& c : TRY(ctx.catalog().list_clones(std::nullopt))) known.insert(static_cast<pid_t>(c.server_pid));
  std::string state = ctx.config().state_dir.string() + "/";
  std::string pool = ctx.config().pool_root().string() + "/";
  for (pid_t pid : os::list_pids()) {
    if (known.count(pid) != 0 || pid == os::self_pid()) continue;
    auto argv = os::process_cmdline(pid);
    if (argv.empty()) continue;
    std::string prog = fs::path(argv[0]).filename();
    if (prog != "postgres" && prog != "mariadbd" && prog != "mysqld") continue;
    bool ours = false;
    for (const auto& a : argv) ours |= a.find(state) != std::string::npos || a.find(pool) != std::string::npos;
    if (!ours) continue;
    auto id = os::process_id(pid);
    if (!id) continue;
    (void)os::signal_process(*id, SIGKILL);
    (void)os::wait_gone(*id, std::chrono::seconds(5));
    ctx.add_note(fmt::format("stopped an orphan {} server (pid {}) that no clone owned", prog, pid));
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
  if (TRY(ctx.catalog().setting("pool.driver"))) TRY(sweep_volumes(ctx));
  return {};
}

}  // namespace dbtwin::core
