// dbtwin serve: the daemon (the HTTP API and the background loops).
#include <CLI/CLI.hpp>

#include "api/daemon.h"
#include "base/log.h"
#include "cli/app.h"
#include "core/context.h"

namespace dbtwin::cli {

void add_serve_command(CLI::App& app, Invocation& inv) {
  struct Args {
    std::string listen;
    bool print_routes = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "serve", "run the clone service: HTTP API, supervisor, reaper and scheduled refresh");
  cmd->add_option("--listen", a->listen,
                  "HOST:PORT or unix:/path (default: server.listen, 127.0.0.1:5001)");
  cmd->add_flag("--print-routes", a->print_routes, "print every route and exit");
  cmd->callback([&inv, a] {
    // The daemon is the server: a DBTWIN_SERVER inherited from a shared environment file must
    // not turn `serve` into a request to another daemon.
    inv.globals.server.clear();
    inv.action = [a, &inv](core::Context& ctx) -> Status {
      if (a->print_routes) {
        for (const auto& r : api::route_table(ctx.config()))
          fmt::print("{} {}\n", r.method, r.path);
        return {};
      }
      if (!inv.globals.quiet) log::init_service(inv.globals.verbose);
      return api::serve(ctx, api::ServeOptions{a->listen});
    };
  });
}

}  // namespace dbtwin::cli
