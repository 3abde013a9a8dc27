#include "core/snapshots.h"

#include "base/scope_guard.h"
#include "base/strings.h"
#include "core/server.h"

namespace dbtwin::core {

namespace {

// Restarts a quiesced clone and waits for its login; records the new server. The row stays
// "quiescing" (as `quiesced`, with the new pid) until the login works, so that "running" means
// ready and a kill before then leaves the restart to the next command. A server that does not
// come up leaves the clone failed.
Status restart_clone(Context& ctx, engine::Engine& eng, catalog::CloneRow clone,
                     catalog::CloneRow quiesced) {
  auto& cat = ctx.catalog();
  auto spec = TRY(clone_spec(ctx, clone));
  auto pid = TRY(start_server(ctx, eng, spec));
  quiesced.server_pid = clone.server_pid = pid.pid;
  quiesced.server_start = clone.server_start = static_cast<int64_t>(pid.start_time);
  TRY(cat.update_clone(quiesced));
  auto ready =
      eng.wait_ready(spec, pid, clone_credentials(clone), clone.database, ready_timeout(ctx));
  if (!ready) {
    (void)eng.stop(spec, pid, engine::StopMode::fast);
    clone.state = "failed";
    clone.server_pid = clone.server_start = 0;
  } else {
    clone.state = "running";
  }
  TRY(cat.update_clone(clone));
  return ready;
}

}  // namespace

Result<catalog::SnapshotRow> snapshot_clone(Context& ctx, const catalog::CloneRow& clone,
                                            const SnapshotOfClone& how) {
  auto* pool = TRY(ctx.pool());
  auto* eng = TRY(ctx.engine(clone.engine));
  auto& cat = ctx.catalog();
  if (clone.state == "quiescing") {
    return err(Errc::conflict, "clone '{}' is being snapshotted by another command", clone.name);
  }

  catalog::SnapshotRow snap;
  snap.id = TRY(cat.next_snapshot_id());
  snap.template_name = how.template_name;
  snap.volume = fmt::format("snap.{}.{}", how.template_name, snap.id);
  snap.state = "creating";
  snap.origin = how.origin;
  snap.hidden = how.hidden;
  snap.created_at = now_unix();
  snap.op = ctx.self_op();
  TRY(cat.insert_snapshot(snap));
  Undo undo;
  undo.push([&cat, id = snap.id] { (void)cat.delete_snapshot(id); });

  auto spec = TRY(clone_spec(ctx, clone));
  bool alive =
      clone.server_pid > 0 && os::process_alive({static_cast<pid_t>(clone.server_pid),
                                                 static_cast<uint64_t>(clone.server_start)});
  bool quiesce = alive && (how.clean || !pool->atomic_snapshots());
  catalog::CloneRow quiesced = clone;
  if (quiesce) {
    // Until it runs again the clone is "quiescing" under this command, from before the stop:
    // if the command is killed anywhere in between, the next one starts it again.
    quiesced.state = "quiescing";
    quiesced.op = ctx.self_op();
    TRY(cat.update_clone(quiesced));
    auto stopped =
        stop_server(*eng, spec, clone.server_pid, clone.server_start, engine::StopMode::clean);
    if (!stopped) {
      (void)cat.update_clone(clone);
      return std::move(stopped).error().context(
          fmt::format("stopping clone '{}' for a snapshot", clone.name));
    }
    quiesced.server_pid = quiesced.server_start = 0;
    TRY(cat.update_clone(quiesced));
  }
  auto taken = pool->snapshot(clone.volume, snap.volume);
  // The clone runs again whatever happened to the snapshot.
  Status restarted = quiesce ? restart_clone(ctx, *eng, clone, quiesced) : Status{};
  if (!taken)
    return std::move(taken).error().context(fmt::format("snapshot of clone '{}'", clone.name));
  undo.push([pool, volume = snap.volume] { (void)pool->destroy(volume); });
  TRY_CTX(std::move(restarted),
          fmt::format("restarting clone '{}' after its snapshot", clone.name));

  uint64_t size = pool->used_bytes(snap.volume).value_or(0);
  TRY(cat.mark_snapshot_ready(snap.id, static_cast<int64_t>(size)));
  undo.commit();
  snap.state = "ready";
  snap.size_bytes = static_cast<int64_t>(size);
  snap.op = {};
  return snap;
}

Status drop_snapshot(Context& ctx, const catalog::SnapshotRow& snap) {
  auto* pool = TRY(ctx.pool());
  TRY_CTX(pool->destroy(snap.volume), fmt::format("removing snapshot {}", snap.id));
  // Also the import volume of a snapshot that never finished.
  TRY(pool->destroy(fmt::format("work.{}.{}", snap.template_name, snap.id)));
  return ctx.catalog().delete_snapshot(snap.id);
}

Status drop_hidden_if_unused(Context& ctx, int64_t snapshot_id) {
  auto snap = TRY(ctx.catalog().find_snapshot(snapshot_id));
  if (!snap || !snap->hidden) return {};
  if (TRY(ctx.catalog().clones_using_snapshot(snapshot_id)) > 0) return {};
  return drop_snapshot(ctx, *snap);
}

}  // namespace dbtwin::core
