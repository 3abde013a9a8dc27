// Prometheus metrics: counters and histograms the daemon records as it works, and gauges read
// from the catalog and the pool when /metrics is scraped.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>

#include "core/context.h"

namespace dbtwin::api {

class Metrics {
 public:
  void observe_create(double seconds, bool ok);
  void observe_refresh(const std::string& tmpl, bool ok, double seconds);
  void add_restarts(uint64_t n, uint64_t failed);
  void add_reaped(uint64_t n);
  void count_request(int status);
  // The exposition text (format 0.0.4).
  Result<std::string> render(core::Context& ctx);

 private:
  static constexpr std::array<double, 10> kBuckets = {0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
    void observe(double v);
  };
  struct RefreshStats {
    uint64_t ok = 0;
    uint64_t failed = 0;
    double last_seconds = 0;
    int64_t last_time = 0;
    Histogram seconds;
  };
  void render_histogram(std::string& out, const std::string& name, const std::string& labels,
                        const Histogram& h) const;

  std::mutex mu_;
  Histogram create_seconds_;
  uint64_t create_failures_ = 0;
  std::map<std::string, RefreshStats> refresh_;
  uint64_t restarts_ = 0;
  uint64_t restart_failures_ = 0;
  uint64_t reaped_ = 0;
  std::map<int, uint64_t> requests_;
};

}  // namespace dbtwin::api
