#include "cli/app.h"

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "cli/output.h"
#include "core/context.h"

namespace dbtwin::cli {

namespace {

// Flags override the file and the environment.
Result<core::Config> effective_config(const Globals& g) {
  auto cfg = TRY(core::load_config(g.config_file, core::current_environment()));
  if (!g.state_dir.empty()) cfg.state_dir = g.state_dir;
  if (!g.pool_driver.empty()) cfg.pool_driver = g.pool_driver;
  if (!g.port_range.empty()) TRY(core::parse_port_range(g.port_range, cfg.port_min, cfg.port_max));
  return cfg;
}

void add_globals(CLI::App& app, Globals& g) {
  app.add_option("--config", g.config_file, "configuration file (default /etc/dbtwin/dbtwin.toml)");
  app.add_option("--state-dir", g.state_dir, "state folder (default /var/lib/dbtwin as root)");
  app.add_option("--pool-driver", g.pool_driver, "auto, btrfs, zfs, reflink, overlay or copy");
  app.add_option("--port-range", g.port_range, "ports for clone servers, e.g. 6000-6999");
  app.add_flag("--json", g.json, "machine-readable output");
  app.add_flag("-v,--verbose", g.verbose, "log each step");
  app.add_flag("-q,--quiet", g.quiet, "only errors");
}

int execute(Invocation& inv) {
  const Globals& g = inv.globals;
  auto cfg = effective_config(g);
  if (!cfg) {
    print_error(cfg.error(), g.json);
    return exit_code(cfg.error());
  }
  auto ctx = core::Context::open(std::move(*cfg));
  if (!ctx) {
    print_error(ctx.error(), g.json);
    return exit_code(ctx.error());
  }
  // What the previous, interrupted commands left behind, and what expired, is said first.
  for (const auto& note : (*ctx)->notes()) {
    if (!g.quiet) fmt::print(stderr, "dbtwin: {}\n", note);
  }
  auto done = inv.action(**ctx);
  if (!done) {
    print_error(done.error(), g.json);
    return exit_code(done.error());
  }
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  Invocation inv;
  CLI::App app{"dbtwin: instant private copies of PostgreSQL and MariaDB databases"};
  app.name("dbtwin");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("dbtwin ") + DBTWIN_VERSION);
  add_globals(app, inv.globals);
  add_template_commands(app, inv);
  add_clone_commands(app, inv);
  add_pool_commands(app, inv);
  add_demo_command(app, inv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; any usage error is bad input, exit 2 like every other.
    return app.exit(e) == 0 ? 0 : 2;
  }
  log::init(inv.globals.verbose, inv.globals.quiet);
  if (!inv.action) {
    fmt::print(stderr, "{}", app.help());
    return 2;
  }
  try {
    return execute(inv);
  } catch (const std::exception& e) {
    // Library code returns Result; this boundary only catches what a third-party library threw.
    print_error(make_error(Errc::internal, e.what()), inv.globals.json);
    return 1;
  }
}

}  // namespace dbtwin::cli
