// Logging: spdlog to stderr. Front ends set the level; library code logs one line per step.
// Secrets never reach a log line: pass redact() over anything that may hold a URL.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace dbtwin::log {

void init(bool verbose, bool quiet);
// A daemon logs one line per operation at info level, with ISO timestamps.
void init_service(bool verbose);

// Replaces the password part of any URL in the text with "***".
std::string redact(std::string_view text);

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::warn;

}  // namespace dbtwin::log
