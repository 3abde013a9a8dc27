#include "core/server.h"

#include <csignal>

namespace dbtwin::core {

Result<engine::ServerSpec> server_spec(Context& ctx, const fs::path& datadir, int port,
                                       const std::string& log_kind, const std::string& log_name,
                                       bool durable) {
  engine::ServerSpec spec;
  spec.datadir = datadir;
  spec.rundir = ctx.run_dir(port);
  spec.log_file = ctx.log_path(log_kind, log_name);
  spec.listen_address = ctx.config().listen_address;
  spec.port = port;
  spec.run_as = TRY(ctx.run_as());
  spec.memory = ctx.config().memory;
  spec.durable = durable;
  // Ports are unique among running servers, so they make unique MariaDB server ids.
  spec.server_id = static_cast<uint32_t>(port);
  return spec;
}

Result<engine::ServerSpec> clone_spec(Context& ctx, const catalog::CloneRow& clone) {
  auto* pool = TRY(ctx.pool());
  fs::path datadir = TRY(pool->path(clone.volume));
  return server_spec(ctx, datadir, clone.port, "clone", clone.name, true);
}

Result<os::ProcessId> start_server(Context& ctx, engine::Engine& eng,
                                   const engine::ServerSpec& spec) {
  (void)ctx;
  TRY(os::remove_tree(spec.rundir));
  TRY(os::make_dirs(spec.rundir, 0700));
  if (spec.run_as) TRY(os::set_owner(spec.rundir, spec.run_as->uid, spec.run_as->gid));
  TRY(eng.configure(spec));
  return eng.start(spec);
}

Status stop_server(engine::Engine& eng, const engine::ServerSpec& spec, int64_t pid, int64_t start,
                   engine::StopMode mode) {
  if (pid <= 0) {
    // The pid was never recorded (killed between spawn and record): find it by its pid file.
    auto found = eng.running_server(spec);
    if (!found) return {};
    return eng.stop(spec, *found, mode);
  }
  os::ProcessId id{static_cast<pid_t>(pid), static_cast<uint64_t>(start)};
  if (!os::process_alive(id)) return {};
  return eng.stop(spec, id, mode);
}

engine::Credentials admin_credentials(const catalog::TemplateRow& t) {
  return {t.admin_user, t.admin_password};
}

engine::Credentials clone_credentials(const catalog::CloneRow& c) {
  return {c.user, c.password};
}

std::chrono::milliseconds ready_timeout(const Context& ctx) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(ctx.config().ready_timeout);
}

}  // namespace dbtwin::core
