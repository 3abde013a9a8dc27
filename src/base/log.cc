#include "base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <regex>

namespace dbtwin::log {

void init(bool verbose, bool quiet) {
  auto logger = spdlog::stderr_color_mt("dbtwin");
  // Verbose runs carry millisecond timestamps, so that a slow step shows itself.
  logger->set_pattern(verbose ? "%H:%M:%S.%e %^%l%$: %v" : "%^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbose ? spdlog::level::debug
                    : quiet ? spdlog::level::err
                            : spdlog::level::warn);
}

void init_service(bool verbose) {
  spdlog::default_logger()->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);
}

std::string redact(std::string_view text) {
  static const std::regex url_password(R"(([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@)");
  return std::regex_replace(std::string(text), url_password, "$1***@");
}

}  // namespace dbtwin::log
