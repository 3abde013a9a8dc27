#include "core/import.h"

#include <chrono>

#include "base/log.h"
#include "base/scope_guard.h"
#include "base/strings.h"
#include "core/server.h"
#include "engine/dump_file.h"

namespace dbtwin::core {

std::string maintenance_database(engine::Kind kind) {
  return kind == engine::Kind::postgres ? "postgres" : "mysql";
}

Result<std::vector<engine::ImportSource>> import_sources(const catalog::TemplateRow& tmpl) {
  std::vector<engine::ImportSource> out;
  if (tmpl.source_kind == "url") {
    engine::ImportSource s;
    s.type = engine::ImportSource::Type::url;
    s.url = tmpl.source_ref;
    out.push_back(std::move(s));
  } else if (tmpl.source_kind == "dump") {
    for (const auto& p : split(tmpl.source_ref, '\n')) {
      if (p.empty()) continue;
      engine::ImportSource s;
      s.path = p;
      auto format = TRY(engine::sniff_dump(s.path));
      s.type = format == engine::DumpFormat::pg_archive ? engine::ImportSource::Type::pg_archive
                                                        : engine::ImportSource::Type::sql_file;
      if (s.type == engine::ImportSource::Type::pg_archive && tmpl.engine != "postgres") {
        return err(Errc::invalid_argument, "{} is a PostgreSQL archive, but template '{}' is {}", p,
                   tmpl.name, tmpl.engine);
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

namespace {

// Steps after the work volume exists: server up, database, import, clean stop.
Status fill_volume(Context& ctx, engine::Engine& eng, const catalog::TemplateRow& tmpl,
                   const engine::ServerSpec& spec, const std::vector<engine::ImportSource>& sources,
                   const engine::Progress& progress) {
  auto admin = admin_credentials(tmpl);
  TRY(eng.init_datadir(spec, admin));
  auto pid = TRY(start_server(ctx, eng, spec));
  ScopeGuard stop([&] { (void)eng.stop(spec, pid, engine::StopMode::fast); });
  TRY(eng.wait_ready(spec, pid, admin, maintenance_database(eng.kind()), ready_timeout(ctx)));
  TRY(eng.create_database(spec, admin, tmpl.database));
  for (const auto& src : sources) {
    TRY_CTX(eng.import(spec, admin, tmpl.database, src, progress),
            fmt::format("importing into template '{}'", tmpl.name));
  }
  // A clean stop writes a checkpoint: clones of this snapshot start without crash recovery.
  stop.dismiss();
  TRY(eng.stop(spec, pid, engine::StopMode::clean));
  // The import ran with fsync off: flush it all to disk once, now.
  return os::sync_fs(spec.datadir);
}

}  // namespace

Result<catalog::SnapshotRow> import_snapshot(Context& ctx, const catalog::TemplateRow& tmpl,
                                             const std::vector<engine::ImportSource>& sources,
                                             const std::string& origin,
                                             const engine::Progress& progress) {
  auto* eng = TRY(ctx.engine(tmpl.engine));
  auto* pool = TRY(ctx.pool());
  auto& cat = ctx.catalog();
  Undo undo;

  catalog::SnapshotRow snap;
  snap.id = TRY(cat.next_snapshot_id());
  snap.template_name = tmpl.name;
  snap.volume = fmt::format("snap.{}.{}", tmpl.name, snap.id);
  snap.state = "creating";
  snap.origin = origin;
  snap.created_at = now_unix();
  snap.op = ctx.self_op();
  TRY(cat.insert_snapshot(snap));
  undo.push([&cat, id = snap.id] { (void)cat.delete_snapshot(id); });

  std::string work = fmt::format("work.{}.{}", tmpl.name, snap.id);
  fs::path datadir = TRY(pool->create(work));
  undo.push([pool, work] { (void)pool->destroy(work); });
  const auto& cfg = ctx.config();
  std::string port_owner = fmt::format("snapshot:{}", snap.id);
  int port = TRY(cat.take_port(cfg.port_min, cfg.port_max, port_owner, cfg.listen_address));
  undo.push([&cat, port] { (void)cat.release_port(port); });
  auto spec = TRY(server_spec(ctx, datadir, port, "template", tmpl.name, false));
  undo.push([rundir = spec.rundir] { (void)os::remove_tree(rundir); });

  TRY(fill_volume(ctx, *eng, tmpl, spec, sources, progress));
  TRY(os::remove_tree(spec.rundir));
  TRY(cat.release_port(port));
  TRY(pool->seal(work, snap.volume));
  undo.push([pool, volume = snap.volume] { (void)pool->destroy(volume); });
  snap.size_bytes = static_cast<int64_t>(pool->used_bytes(snap.volume).value_or(0));
  TRY(cat.mark_snapshot_ready(snap.id, snap.size_bytes));
  undo.commit();
  snap.state = "ready";
  snap.op = {};
  return snap;
}

}  // namespace dbtwin::core
