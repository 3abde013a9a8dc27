// The life of a clone after creation: show, list, stop, start, reset, protect, extend, destroy.
#include <chrono>

#include "base/log.h"
#include "base/strings.h"
#include "core/clone_view.h"
#include "core/clones.h"
#include "core/snapshots.h"

namespace dbtwin::core {

namespace {

Result<catalog::CloneRow> load(Context& ctx, const std::string& name) {
  TRY(validate_name("clone", name));
  auto row = TRY(ctx.catalog().get_clone(name));
  if (row.state == "creating" || row.state == "destroying" || row.state == "quiescing") {
    return err(Errc::conflict, "clone '{}' is {} by another command", name, row.state);
  }
  return row;
}

bool server_alive(const catalog::CloneRow& row) {
  return row.server_pid > 0 && os::process_alive({static_cast<pid_t>(row.server_pid),
                                                  static_cast<uint64_t>(row.server_start)});
}

// Starts the clone's server on its volume and waits for the clone's login.
Status run_server(Context& ctx, catalog::CloneRow& row) {
  auto* eng = TRY(ctx.engine(row.engine));
  auto spec = TRY(clone_spec(ctx, row));
  auto pid = TRY(start_server(ctx, *eng, spec));
  row.server_pid = pid.pid;
  row.server_start = static_cast<int64_t>(pid.start_time);
  TRY(ctx.catalog().update_clone(row));
  auto ready = eng->wait_ready(spec, pid, clone_credentials(row), row.database, ready_timeout(ctx));
  if (!ready) {
    (void)eng->stop(spec, pid, engine::StopMode::fast);
    row.state = "failed";
    row.server_pid = row.server_start = 0;
    (void)ctx.catalog().update_clone(row);
    return std::move(ready).error().context(fmt::format("starting clone '{}'", row.name));
  }
  row.state = "running";
  return ctx.catalog().update_clone(row);
}

Status stop_row(Context& ctx, catalog::CloneRow& row, engine::StopMode mode) {
  auto* eng = TRY(ctx.engine(row.engine));
  auto spec = TRY(clone_spec(ctx, row));
  TRY(stop_server(*eng, spec, row.server_pid, row.server_start, mode));
  row.server_pid = row.server_start = 0;
  return {};
}

}  // namespace

Result<CloneView> show_clone(Context& ctx, const std::string& name, bool with_space) {
  TRY(validate_name("clone", name));
  return make_clone_view(ctx, TRY(ctx.catalog().get_clone(name)), with_space);
}

Result<std::vector<CloneView>> list_clones(Context& ctx, const std::optional<std::string>& tmpl,
                                           bool with_space) {
  if (tmpl) TRY(validate_name("template", *tmpl));
  std::vector<CloneView> out;
  for (const auto& row : TRY(ctx.catalog().list_clones(tmpl))) {
    out.push_back(TRY(make_clone_view(ctx, row, with_space)));
  }
  return out;
}

Result<CloneView> stop_clone(Context& ctx, const std::string& name) {
  auto row = TRY(load(ctx, name));
  TRY(stop_row(ctx, row, engine::StopMode::clean));
  row.state = "stopped";
  TRY(ctx.catalog().update_clone(row));
  return make_clone_view(ctx, row, false);
}

Result<CloneView> start_clone(Context& ctx, const std::string& name) {
  auto row = TRY(load(ctx, name));
  if (row.state == "running" && server_alive(row)) return make_clone_view(ctx, row, false);
  TRY(run_server(ctx, row));
  return make_clone_view(ctx, row, false);
}

Result<CloneView> reset_clone(Context& ctx, const std::string& name) {
  auto t0 = std::chrono::steady_clock::now();
  auto row = TRY(load(ctx, name));
  auto& cat = ctx.catalog();
  auto tmpl = TRY(cat.get_template(row.template_name));
  auto snap = TRY(cat.find_snapshot(row.snapshot_id));
  if (!snap) return err(Errc::not_found, "the snapshot of clone '{}' is gone", name);
  auto* eng = TRY(ctx.engine(row.engine));
  auto* pool = TRY(ctx.pool());

  TRY(stop_row(ctx, row, engine::StopMode::fast));
  row.state = "failed";  // until it is back: a kill from here on leaves a clone to reset again
  TRY(cat.update_clone(row));
  TRY(pool->destroy(row.volume));
  fs::path datadir = TRY(pool->clone(snap->volume, row.volume));
  auto spec = TRY(server_spec(ctx, datadir, row.port, "clone", row.name, true));
  TRY(eng->prepare_copy(spec));
  auto pid = TRY(start_server(ctx, *eng, spec));
  row.server_pid = pid.pid;
  row.server_start = static_cast<int64_t>(pid.start_time);
  TRY(cat.update_clone(row));
  auto up = bring_up(ctx, *eng, spec, pid, tmpl, row);
  if (!up) {
    (void)eng->stop(spec, pid, engine::StopMode::fast);
    row.server_pid = row.server_start = 0;
    (void)cat.update_clone(row);
    return std::move(up).error().context(fmt::format("resetting clone '{}'", name));
  }
  row.state = "running";
  TRY(cat.update_clone(row));
  CloneView view = TRY(make_clone_view(ctx, row, false));
  view.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!row.hook.empty()) {
    if (auto hooked = run_hook(row.hook, hook_facts(view)); !hooked) {
      // Fail closed: stop the clone rather than serve data its hook did not finish with.
      (void)stop_row(ctx, row, engine::StopMode::fast);
      row.state = "failed";
      (void)cat.update_clone(row);
      return std::move(hooked).error().context(fmt::format("clone '{}' stopped", name));
    }
  }
  return view;
}

Result<CloneView> set_protected(Context& ctx, const std::string& name, bool value) {
  auto row = TRY(load(ctx, name));
  row.is_protected = value;
  TRY(ctx.catalog().update_clone(row));
  return make_clone_view(ctx, row, false);
}

Result<CloneView> extend_clone(Context& ctx, const std::string& name, std::chrono::seconds ttl) {
  auto row = TRY(load(ctx, name));
  row.expires_at = now_unix() + ttl.count();
  TRY(ctx.catalog().update_clone(row));
  return make_clone_view(ctx, row, false);
}

Status destroy_clone(Context& ctx, const std::string& name, bool force) {
  TRY(validate_name("clone", name));
  auto& cat = ctx.catalog();
  auto row = TRY(cat.get_clone(name));
  if (row.is_protected && !force) {
    return err(Errc::conflict, "clone '{}' is protected; unprotect it first", name);
  }
  row.state = "destroying";
  row.op = ctx.self_op();
  TRY(cat.update_clone(row));
  auto* pool = TRY(ctx.pool());
  auto* eng = TRY(ctx.engine(row.engine));
  auto spec = TRY(server_spec(ctx, pool->root() / row.volume, row.port, "clone", name, true));
  if (auto path = pool->path(row.volume)) spec.datadir = *path;
  TRY(stop_server(*eng, spec, row.server_pid, row.server_start, engine::StopMode::fast));
  TRY_CTX(pool->destroy(row.volume), fmt::format("destroying clone '{}'", name));
  TRY(os::remove_tree(spec.rundir));
  TRY(cat.release_port(row.port));
  TRY(cat.delete_clone(name));
  (void)os::remove_file(ctx.log_path("clone", name));
  TRY(drop_hidden_if_unused(ctx, row.snapshot_id));
  log::info("clone {} destroyed", name);
  return {};
}

}  // namespace dbtwin::core
