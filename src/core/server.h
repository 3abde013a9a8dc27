// Running a server on a volume: the spec for a clone or an import, and the start/stop steps that
// every operation shares.
#pragma once

#include <chrono>
#include <string>

#include "base/result.h"
#include "catalog/rows.h"
#include "core/context.h"
#include "engine/engine.h"

namespace dbtwin::core {

// The spec of a server on `datadir` at `port`; durable unless importing.
Result<engine::ServerSpec> server_spec(Context& ctx, const fs::path& datadir, int port,
                                       const std::string& log_kind, const std::string& log_name,
                                       bool durable);

// The spec for a clone's server (its volume's path, port, run folder and log).
Result<engine::ServerSpec> clone_spec(Context& ctx, const catalog::CloneRow& clone);

// Creates the run folder, writes the configuration and starts the server.
Result<os::ProcessId> start_server(Context& ctx, engine::Engine& eng,
                                   const engine::ServerSpec& spec);

// Stops a server recorded as (pid, start); nothing to do if it is gone already.
Status stop_server(engine::Engine& eng, const engine::ServerSpec& spec, int64_t pid, int64_t start,
                   engine::StopMode mode);

engine::Credentials admin_credentials(const catalog::TemplateRow& t);
engine::Credentials clone_credentials(const catalog::CloneRow& c);
std::chrono::milliseconds ready_timeout(const Context& ctx);

}  // namespace dbtwin::core
