#include "cli/output.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace dbtwin::cli {

int exit_code(const Error& e) {
  switch (e.code) {
    case Errc::invalid_argument:
      return 2;
    case Errc::not_found:
      return 3;
    case Errc::already_exists:
    case Errc::conflict:
      return 4;
    case Errc::unavailable:
      return 5;
    case Errc::engine:
      return 6;
    case Errc::hook_failed:
      return 7;
    case Errc::no_space:
      return 8;
    case Errc::timeout:
      return 9;
    default:
      return 1;
  }
}

void print_error(const Error& e, bool json) {
  if (json) {
    nlohmann::json j = {{"error", {{"code", errc_name(e.code)}, {"message", e.message}}}};
    fmt::print(stderr, "{}\n", j.dump());
  } else {
    fmt::print(stderr, "dbtwin: error: {}\n", e.message);
  }
}

void print_json(const nlohmann::json& j) {
  fmt::print("{}\n", j.dump(2));
}

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += i + 1 == cells.size() ? cells[i] : fmt::format("{:<{}}  ", cells[i], width[i]);
    }
    fmt::print("{}\n", out);
  };
  line(header);
  for (const auto& r : rows) line(r);
}

bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

}  // namespace dbtwin::cli
