#include "cli/progress.h"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "base/strings.h"
#include "cli/output.h"

namespace dbtwin::cli {

namespace {
bool drawn = false;
}

engine::Progress make_progress(const std::string& label, bool enabled) {
  if (!enabled || !stderr_is_terminal()) return [](uint64_t, uint64_t) {};
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [label, last](uint64_t done, uint64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (now - *last < std::chrono::milliseconds(100) && done != total) return;
    *last = now;
    drawn = true;
    if (total == 0) {
      fmt::print(stderr, "\r{} {}   ", label, format_bytes(done));
      return;
    }
    int pct = static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total));
    int bars = pct * 30 / 100;
    fmt::print(stderr, "\r{} [{}{}] {:3}% {} / {}   ", label, std::string(bars, '#'),
               std::string(30 - bars, ' '), pct, format_bytes(done), format_bytes(total));
  };
}

void finish_progress() {
  if (drawn) fmt::print(stderr, "\n");
  drawn = false;
}

}  // namespace dbtwin::cli
