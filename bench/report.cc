#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/strings.h"
#include "cli/output.h"
#include "results.h"

namespace dbtwin::bench {

double median(std::vector<double> v) {
  return percentile(std::move(v), 0.5);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  double rank = p * static_cast<double>(v.size() - 1);
  auto lo = static_cast<size_t>(std::floor(rank));
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

namespace {

std::string secs(double s) {
  return std::isnan(s) ? "-" : fmt::format("{:.3f}", s);
}
std::string ratio(double a, double b) {
  return std::isnan(a) || std::isnan(b) || b <= 0 ? "-" : fmt::format("{:.2f}x", a / b);
}
std::string signed_bytes(int64_t b) {
  return b < 0 ? "-" + format_bytes(static_cast<uint64_t>(-b))
               : format_bytes(static_cast<uint64_t>(b));
}

const LatencyFigures* find(const Results& r, const std::string& driver, const std::string& engine,
                           const std::string& size) {
  for (const auto& l : r.latency) {
    if (l.driver == driver && l.engine == engine && l.size == size) return &l;
  }
  return nullptr;
}

double wall_median(const LatencyFigures* l) {
  return l ? median(l->wall) : NAN;
}

void print_latency(const Results& r) {
  fmt::print(
      "\n== Clone-ready latency, seconds ==\n"
      "wall: spawn of `dbtwin clone create` to its exit (it exits right after the first "
      "successful login\n      with the clone's credentials); json: the \"seconds\" "
      "field it reports\n");
  std::vector<std::vector<std::string>> rows;
  for (const auto& l : r.latency) {
    rows.push_back({l.driver, l.engine, l.size, format_bytes(l.template_bytes),
                    std::to_string(l.wall.size()), secs(median(l.wall)),
                    secs(percentile(l.wall, 0.9)), secs(median(l.json)),
                    secs(percentile(l.json, 0.9)), l.error.empty() ? "" : "FAILED: " + l.error});
  }
  cli::print_table({"DRIVER", "ENGINE", "SIZE", "SNAPSHOT", "RUNS", "WALL MEDIAN", "WALL P90",
                    "JSON MEDIAN", "JSON P90", ""},
                   rows);
}

void print_ratios(const Results& r, const std::vector<Size>& sizes, double goal_seconds,
                  double goal_ratio) {
  const std::string& small = sizes.front().label;
  const std::string& big = sizes.back().label;
  fmt::print(
      "\n== Ratios of wall medians ==\n"
      "goal (btrfs and reflink): median < {:.1f} s at both sizes and {} / {} < {:.1f}x\n",
      goal_seconds, big, small, goal_ratio);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& l : r.latency) {
    std::pair key{l.driver, l.engine};
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    double s = wall_median(find(r, l.driver, l.engine, small));
    double b = wall_median(find(r, l.driver, l.engine, big));
    bool baseline = l.driver == "copy";
    double cs = wall_median(find(r, "copy", l.engine, small));
    double cb = wall_median(find(r, "copy", l.engine, big));
    std::string goal = "-";
    if (!baseline && !std::isnan(s) && !std::isnan(b)) {
      bool met = s < goal_seconds && b < goal_seconds && b / s < goal_ratio;
      goal = met ? "met" : "missed";
    }
    rows.push_back({l.driver, l.engine, ratio(b, s), baseline ? "(baseline)" : ratio(cs, s),
                    baseline ? "(baseline)" : ratio(cb, b), goal});
  }
  cli::print_table({"DRIVER", "ENGINE", big + " / " + small, "COPY / COW @" + small,
                    "COPY / COW @" + big, "GOAL"},
                   rows);
}

void print_space(const Results& r) {
  if (r.space.empty()) return;
  fmt::print(
      "\n== Extra disk used by clones of the big template ==\n"
      "df: used bytes of the pool's file system, after sync, before the clones and with "
      "all of them running;\nused_bytes: the sum of `clone list --json` used_bytes (each "
      "clone's own copy-on-write delta)\n");
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : r.space) {
    int64_t delta = s.df_after - s.df_before;
    uint64_t full = static_cast<uint64_t>(s.clones) * s.template_bytes;
    auto pct = [&](double part) {
      return full ? fmt::format("{:.2f}%", 100.0 * part / static_cast<double>(full)) : "-";
    };
    rows.push_back({s.driver, s.engine, std::to_string(s.clones), format_bytes(s.template_bytes),
                    format_bytes(full), signed_bytes(delta) + (s.df_shared ? " (*)" : ""),
                    pct(static_cast<double>(delta)), format_bytes(s.sum_used),
                    pct(static_cast<double>(s.sum_used)),
                    s.error.empty() ? "" : "FAILED: " + s.error});
  }
  cli::print_table({"DRIVER", "ENGINE", "CLONES", "TEMPLATE", "N x TEMPLATE", "DF DELTA", "OF N x",
                    "SUM USED_BYTES", "OF N x", ""},
                   rows);
  bool shared =
      std::any_of(r.space.begin(), r.space.end(), [](const auto& s) { return s.df_shared; });
  if (shared) {
    fmt::print(
        "(*) this pool is a folder of the host's file system: its df also counts whatever "
        "else wrote there meanwhile\n");
  }
}

void print_templates(const Results& r) {
  fmt::print("\n== Templates (generated with durability off, then a clean stop and a sync) ==\n");
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : r.templates) {
    rows.push_back({t.driver, t.engine, t.size, t.recipe, format_bytes(t.bytes),
                    fmt::format("{:.1f}", t.import)});
  }
  cli::print_table({"DRIVER", "ENGINE", "SIZE", "DATA", "SNAPSHOT", "CREATE SECONDS"}, rows);
}

}  // namespace

void print_report(const Results& r, const std::vector<Size>& sizes, double goal_seconds,
                  double goal_ratio) {
  print_latency(r);
  print_ratios(r, sizes, goal_seconds, goal_ratio);
  print_space(r);
  print_templates(r);
  if (!r.notes.empty()) {
    fmt::print("\n== Notes ==\n");
    for (const auto& n : r.notes) fmt::print("- {}\n", n);
  }
  std::fflush(stdout);
}

}  // namespace dbtwin::bench
