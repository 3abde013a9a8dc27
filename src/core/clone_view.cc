#include "core/clone_view.h"

namespace dbtwin::core {

Result<CloneView> make_clone_view(Context& ctx, const catalog::CloneRow& row, bool with_space) {
  CloneView v;
  v.row = row;
  v.state = row.state;
  if (row.state == "running" && !os::process_alive({static_cast<pid_t>(row.server_pid),
                                                    static_cast<uint64_t>(row.server_start)})) {
    v.state = "crashed";
  }
  v.host = ctx.config().advertise_host;
  auto* eng = TRY(ctx.engine(row.engine));
  v.url = eng->url(v.host, row.port, clone_credentials(row), row.database);
  if (with_space) {
    auto* pool = TRY(ctx.pool());
    if (auto used = pool->used_bytes(row.volume)) v.used_bytes = *used;
  }
  return v;
}

HookFacts hook_facts(const CloneView& v) {
  return {v.row.name,     v.row.template_name, v.host, v.row.user,
          v.row.password, v.row.database,      v.url,  v.row.port};
}

}  // namespace dbtwin::core
