#include "cli/app.h"

#include <CLI/CLI.hpp>

#include "base/log.h"
#include "cli/backend.h"
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
  app.add_option("--server", g.server,
                 "work through a `dbtwin serve` daemon: http://HOST:PORT or unix:///PATH")
      ->envname("DBTWIN_SERVER");
  // A flag shows in the process list; the variable does not.
  app.add_option("--token", g.token, "the daemon's API token (better: DBTWIN_TOKEN)")
      ->envname("DBTWIN_TOKEN");
}

// The chosen command's words, e.g. "pool init", for messages.
std::string command_path(CLI::App& app) {
  std::string path;
  for (CLI::App* at = &app; !at->get_subcommands().empty();) {
    at = at->get_subcommands().front();
    path += (path.empty() ? "" : " ") + at->get_name();
  }
  return path;
}

// Through the daemon when --server is given, else on the local state, whose opening also
// reports what earlier interrupted commands left behind and what expired.
Status dispatch(Invocation& inv, const std::string& command) {
  const Globals& g = inv.globals;
  if (inv.standalone) return inv.standalone();
  if (!g.server.empty()) {
    if (inv.action)
      return err(Errc::invalid_argument, "`{}` runs on the database host, not through --server",
                 command);
    return inv.backend_action(*TRY(make_remote_backend(g.server, g.token)));
  }
  auto ctx = TRY(core::Context::open(TRY(effective_config(g))));
  for (const auto& note : ctx->notes()) {
    if (!g.quiet) fmt::print(stderr, "dbtwin: {}\n", note);
  }
  if (inv.action) return inv.action(*ctx);
  return inv.backend_action(*make_local_backend(*ctx));
}

int execute(Invocation& inv, const std::string& command) {
  auto done = dispatch(inv, command);
  if (!done) {
    print_error(done.error(), inv.globals.json);
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
  add_serve_command(app, inv);
  add_dump_commands(app, inv);
  add_transformer_commands(app, inv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; any usage error is bad input, exit 2 like every other.
    return app.exit(e) == 0 ? 0 : 2;
  }
  log::init(inv.globals.verbose, inv.globals.quiet);
  if (!inv.action && !inv.backend_action && !inv.standalone) {
    fmt::print(stderr, "{}", app.help());
    return 2;
  }
  try {
    return execute(inv, command_path(app));
  } catch (const std::exception& e) {
    // Library code returns Result; this boundary only catches what a third-party library threw.
    print_error(make_error(Errc::internal, e.what()), inv.globals.json);
    return 1;
  }
}

}  // namespace dbtwin::cli
