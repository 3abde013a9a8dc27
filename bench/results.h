// What one bench run measured, and the final tables printed from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dbtwin::bench {

struct Size {
  std::string label;  // "1 GiB"
  uint64_t target = 0;
};

struct TemplateFigures {
  std::string driver, engine, size, recipe;
  uint64_t bytes = 0;  // the snapshot's size as the pool reports it
  double import = 0;   // `template create` wall time, seconds
};

struct LatencyFigures {
  std::string driver, engine, size;
  uint64_t template_bytes = 0;
  std::vector<double> wall;  // spawn of `dbtwin clone create` to its exit
  std::vector<double> json;  // its JSON "seconds" field
  std::string error;         // set if a run failed: the samples stop there
};

struct SpaceFigures {
  std::string driver, engine;
  int clones = 0;
  uint64_t template_bytes = 0;
  int64_t df_before = 0, df_after = 0;  // used bytes of the pool's file system
  uint64_t sum_used = 0;                // sum of `clone list --json` used_bytes
  bool df_shared = false;               // the pool shares its file system with the host
  std::string error;
};

struct Results {
  std::vector<TemplateFigures> templates;
  std::vector<LatencyFigures> latency;
  std::vector<SpaceFigures> space;
  std::vector<std::string> notes;  // skipped drivers, failures
};

double median(std::vector<double> v);
// Linear interpolation between the closest ranks (numpy's default); with 7 samples, p90 lies
// between the 6th and the 7th.
double percentile(std::vector<double> v, double p);

// The final report: latency per driver/engine/size, ratios, space, templates.
void print_report(const Results& r, const std::vector<Size>& sizes, double goal_seconds,
                  double goal_ratio);

}  // namespace dbtwin::bench
