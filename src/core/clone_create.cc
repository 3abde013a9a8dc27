// clone create: snapshot -> port -> row -> copy-on-write copy -> server -> login -> hook.
#include <chrono>

#include "base/log.h"
#include "base/scope_guard.h"
#include "base/strings.h"
#include "core/clone_view.h"
#include "core/clones.h"
#include "core/hooks.h"
#include "core/quota.h"
#include "core/server.h"
#include "core/snapshots.h"

namespace dbtwin::core {

namespace {

std::string generated_name(const std::string& tmpl) {
  std::string suffix = random_token(12);
  std::string out;
  for (char c : suffix) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out.push_back(c);
    if (out.size() == 5) break;
  }
  while (out.size() < 5) out.push_back('0');
  return tmpl.substr(0, 57) + "-" + out;
}

// The snapshot the new clone is copied from: a fresh one of another clone, the one asked for,
// or the template's newest.
Result<catalog::SnapshotRow> pick_snapshot(Context& ctx, const CloneRequest& req,
                                           const catalog::TemplateRow& tmpl) {
  auto& cat = ctx.catalog();
  if (req.from_clone) {
    TRY(validate_name("clone", *req.from_clone));
    auto src = TRY(cat.get_clone(*req.from_clone));
    if (src.template_name != tmpl.name) {
      return err(Errc::invalid_argument, "clone '{}' belongs to template '{}', not '{}'", src.name,
                 src.template_name, tmpl.name);
    }
    if (src.state == "creating" || src.state == "destroying" || src.state == "quiescing") {
      return err(Errc::conflict, "clone '{}' is {}", src.name, src.state);
    }
    return snapshot_clone(ctx, src, {tmpl.name, "clone:" + src.name, true, false});
  }
  if (req.snapshot_id) {
    auto snap = TRY(cat.find_snapshot(*req.snapshot_id));
    if (!snap || snap->template_name != tmpl.name) {
      return err(Errc::not_found, "template '{}' has no snapshot {}", tmpl.name, *req.snapshot_id);
    }
    if (snap->state != "ready") return err(Errc::conflict, "snapshot {} is not ready", snap->id);
    return std::move(*snap);
  }
  for (auto& s : TRY(cat.list_snapshots(tmpl.name, false))) {
    if (s.state == "ready") return std::move(s);
  }
  return err(Errc::not_found, "template '{}' has no ready snapshot yet", tmpl.name);
}

}  // namespace

Status bring_up(Context& ctx, engine::Engine& eng, const engine::ServerSpec& spec,
                const os::ProcessId& pid, const catalog::TemplateRow& tmpl,
                const catalog::CloneRow& row) {
  auto timeout = ready_timeout(ctx);
  TRY(eng.wait_ready(spec, pid, admin_credentials(tmpl), tmpl.database, timeout));
  log::debug("clone {}: admin login accepted", row.name);
  TRY(eng.create_login(spec, admin_credentials(tmpl), clone_credentials(row)));
  log::debug("clone {}: login {} created", row.name, row.user);
  // Ready means a real login with the clone's own credentials.
  return eng.wait_ready(spec, pid, clone_credentials(row), row.database, timeout);
}

Result<CloneView> create_clone(Context& ctx, const CloneRequest& req) {
  auto t0 = std::chrono::steady_clock::now();
  TRY(validate_name("template", req.template_name));
  std::string name = req.name ? *req.name : generated_name(req.template_name);
  TRY(validate_name("clone", name));
  if (req.password && req.password->empty())
    return err(Errc::invalid_argument, "the password is empty");
  TRY(validate_name("user", req.user));
  auto& cat = ctx.catalog();
  auto tmpl = TRY(cat.get_template(req.template_name));
  if (TRY(cat.find_clone(name)))
    return err(Errc::already_exists, "clone '{}' already exists", name);
  TRY(check_quotas(ctx, tmpl.name));
  auto* eng = TRY(ctx.engine(tmpl.engine));
  auto* pool = TRY(ctx.pool());

  Undo undo;
  auto snap = TRY(pick_snapshot(ctx, req, tmpl));
  if (snap.hidden) undo.push([&ctx, snap] { (void)drop_snapshot(ctx, snap); });

  const auto& cfg = ctx.config();
  int port = TRY(cat.take_port(cfg.port_min, cfg.port_max, "clone:" + name, cfg.listen_address));
  undo.push([&cat, port] { (void)cat.release_port(port); });

  catalog::CloneRow row;
  row.name = name;
  row.template_name = tmpl.name;
  row.snapshot_id = snap.id;
  row.engine = tmpl.engine;
  row.volume = "clone." + name;
  row.port = port;
  row.user = req.user;
  row.password = req.password ? *req.password : random_token(20);
  row.database = tmpl.database;
  row.owner = req.owner;
  row.state = "creating";
  row.created_at = now_unix();
  auto ttl = req.ttl ? *req.ttl : cfg.default_ttl;
  row.expires_at = ttl.count() > 0 ? row.created_at + ttl.count() : 0;
  row.hook = req.exec.value_or("");
  row.op = ctx.self_op();
  TRY(cat.insert_clone(row));
  undo.push([&cat, name] { (void)cat.delete_clone(name); });
  // Again with this row counted: creators racing past the first check lose here, and undo.
  TRY(recheck_quotas(ctx, row));

  log::debug("clone {}: port {} taken, row inserted", name, port);
  fs::path datadir =
      TRY_CTX(pool->clone(snap.volume, row.volume), fmt::format("copying snapshot {}", snap.id));
  undo.push([pool, volume = row.volume] { (void)pool->destroy(volume); });
  log::debug("clone {}: copy of snapshot {} made", name, snap.id);
  auto spec = TRY(server_spec(ctx, datadir, port, "clone", name, true));
  // Before the start: a configuration that fails half-way leaves a run folder too.
  undo.push([rundir = spec.rundir] { (void)os::remove_tree(rundir); });
  TRY(eng->prepare_copy(spec));
  auto pid = TRY(start_server(ctx, *eng, spec));
  log::debug("clone {}: server started (pid {})", name, pid.pid);
  undo.push([eng, spec, pid] { (void)eng->stop(spec, pid, engine::StopMode::fast); });
  row.server_pid = pid.pid;
  row.server_start = static_cast<int64_t>(pid.start_time);
  TRY(cat.update_clone(row));
  TRY_CTX(bring_up(ctx, *eng, spec, pid, tmpl, row), fmt::format("starting clone '{}'", name));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log::info("clone {} of {} ready on port {} in {:.3f}s", name, tmpl.name, port, seconds);

  CloneView view = TRY(make_clone_view(ctx, row, false));
  view.seconds = seconds;
  if (req.exec) {
    // Fail closed: a clone whose post-spawn script (say, masking) failed, or was cut short by a
    // kill, is never handed out. Until the hook succeeds the row stays "creating" and the undo
    // steps stay armed, so a failure here and the next command's reconciliation both remove it.
    auto hooked = run_hook(*req.exec, hook_facts(view));
    if (!hooked) return std::move(hooked).error().context(fmt::format("clone '{}' removed", name));
  }
  row.state = "running";
  row.op = {};
  TRY(cat.update_clone(row));
  undo.commit();
  view.row = row;
  view.state = row.state;
  return view;
}

}  // namespace dbtwin::core
