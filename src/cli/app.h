// The dbtwin command line: parses arguments, loads the configuration, opens the context, runs
// one command and turns its result into output and an exit code.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "base/result.h"
#include "core/config.h"

namespace CLI {
class App;
}

namespace dbtwin::core {
class Context;
}

namespace dbtwin::cli {

class Backend;

struct Globals {
  std::optional<std::filesystem::path> config_file;
  std::string state_dir;
  std::string pool_driver;
  std::string port_range;
  bool json = false;
  bool verbose = false;
  bool quiet = false;
  std::string server;  // --server or DBTWIN_SERVER: work through that daemon
  std::string token;   // --token or DBTWIN_TOKEN: its API token
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// What a parsed command does. A command sets one of the two actions.
struct Invocation {
  Globals globals;
  // Runs against the local state only (pool init, demo, serve): refused with --server.
  std::function<Status(core::Context&)> action;
  // Runs in process, or through the daemon named by --server, with the same output.
  std::function<Status(Backend&)> backend_action;
  // Needs no local state and no daemon (dumps talk to databases and bridges directly).
  std::function<Status()> standalone;
};

// Each file of commands registers its subcommands.
void add_template_commands(CLI::App& app, Invocation& inv);
void add_clone_commands(CLI::App& app, Invocation& inv);
void add_pool_commands(CLI::App& app, Invocation& inv);
void add_demo_command(CLI::App& app, Invocation& inv);
void add_serve_command(CLI::App& app, Invocation& inv);
void add_dump_commands(CLI::App& app, Invocation& inv);
void add_transformer_commands(CLI::App& app, Invocation& inv);

int run(int argc, char** argv);

}  // namespace dbtwin::cli
