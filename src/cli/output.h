// Output: --json or aligned tables on stdout; errors and notes on stderr; exit codes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace dbtwin::cli {

// Exit codes, one per error class, documented in the README.
int exit_code(const Error& e);
void print_error(const Error& e, bool json);
void print_json(const nlohmann::json& j);
// Prints rows under a header, each column as wide as its widest cell.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);
bool stderr_is_terminal();

}  // namespace dbtwin::cli
