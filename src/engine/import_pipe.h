// Feeding the engine's own client tools: a SQL file streamed into a client's stdin, or a dump
// tool's output piped straight into a client. Errors carry the tool's own message.
#pragma once

#include <filesystem>
#include <string_view>

#include "base/result.h"
#include "engine/engine.h"
#include "os/process.h"

namespace dbtwin::engine {

// Spawns `client` with its stdin a pipe and streams the (plain, gzip or zstd) SQL file into it.
// A client that fails, even one that stops reading early, gives Errc::engine with its stderr.
// `scratch` is a private folder for the captured stderr.
Status import_sql_file(const fs::path& file, os::SpawnOptions client, const fs::path& scratch,
                       std::string_view what, const Progress& progress);

// Runs `dump` with its stdout piped into `client`'s stdin and waits for both. When both fail,
// the error carries both messages.
Status pipe_dump_into_client(os::SpawnOptions dump, os::SpawnOptions client,
                             const fs::path& scratch, std::string_view dump_what,
                             std::string_view client_what);

// Runs a client that reads its input itself (pg_restore with a file argument).
Status run_client(os::SpawnOptions client, const fs::path& scratch, std::string_view what);

}  // namespace dbtwin::engine
