// dbtwin pool init|mount|status
#include <CLI/CLI.hpp>

#include "base/strings.h"
#include "cli/app.h"
#include "cli/backend.h"
#include "cli/output.h"
#include "core/json.h"
#include "core/pool_admin.h"

namespace dbtwin::cli {

void add_pool_commands(CLI::App& app, Invocation& inv) {
  auto* pool = app.add_subcommand("pool", "the storage that holds every data directory");
  pool->require_subcommand(1);
  Globals& g = inv.globals;

  auto size = std::make_shared<std::string>();
  auto fs_type = std::make_shared<std::string>("xfs");
  auto* init = pool->add_subcommand("init", "create a loop-backed pool (O(1) clones on any host)");
  init->add_option("--loop", *size, "size of the sparse image, e.g. 20G")->required();
  init->add_option("--fs", *fs_type, "xfs (reflink) or btrfs")->capture_default_str();
  init->callback([&inv, &g, size, fs_type] {
    inv.action = [&g, size, fs_type](core::Context& ctx) -> Status {
      TRY(core::init_loop_pool(ctx, TRY(parse_size(*size)), *fs_type));
      auto st = TRY(core::pool_status(ctx));
      if (g.json)
        print_json(core::to_json(st));
      else
        fmt::print("pool ready: {} on {} ({} free)\n", st.driver, st.root.string(),
                   format_bytes(st.available));
      return {};
    };
  });

  auto* mount = pool->add_subcommand("mount", "mount the loop-backed pool again (after a reboot)");
  mount->callback([&inv, &g] {
    inv.action = [&g](core::Context& ctx) -> Status {
      TRY(core::mount_pool(ctx));
      if (!g.json)
        fmt::print("pool mounted at {}\n", ctx.config().pool_root().string());
      else
        print_json({{"mounted", ctx.config().pool_root().string()}});
      return {};
    };
  });

  auto* status = pool->add_subcommand("status", "driver, space and volumes");
  status->callback([&inv, &g] {
    inv.backend_action = [&g](Backend& b) -> Status {
      auto st = TRY(b.pool_status());
      if (g.json) return print_json(core::to_json(st)), Status{};
      fmt::print(
          "driver     {}\nroot       {}\nimage      {}\nsize       {}\navailable  {}\nvolumes    "
          "{}\n",
          st.driver, st.root.string(), st.image.value_or("-"), format_bytes(st.total),
          format_bytes(st.available), st.volumes);
      return {};
    };
  });
}

}  // namespace dbtwin::cli
