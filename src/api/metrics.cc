#include "api/metrics.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "core/clones.h"
#include "core/pool_admin.h"
#include "core/templates.h"

namespace dbtwin::api {

namespace {

void help(std::string& out, const std::string& name, const std::string& type,
          const std::string& text) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, text, name, type);
}

// Label values are names validated as [a-z0-9_-]; escaping is for safety all the same.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

void Metrics::Histogram::observe(double v) {
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (v <= kBuckets[i]) ++counts[i];
  ++count;
  sum += v;
}

void Metrics::observe_create(double seconds, bool ok) {
  std::lock_guard lock(mu_);
  if (ok)
    create_seconds_.observe(seconds);
  else
    ++create_failures_;
}

void Metrics::observe_refresh(const std::string& tmpl, bool ok, double seconds) {
  std::lock_guard lock(mu_);
  auto& r = refresh_[tmpl];
  ++(ok ? r.ok : r.failed);
  r.last_seconds = seconds;
  r.last_time = now_unix();
  r.seconds.observe(seconds);
}

void Metrics::add_restarts(uint64_t n, uint64_t failed) {
  std::lock_guard lock(mu_);
  restarts_ += n;
  restart_failures_ += failed;
}

void Metrics::add_reaped(uint64_t n) {
  std::lock_guard lock(mu_);
  reaped_ += n;
}

void Metrics::count_request(int status) {
  std::lock_guard lock(mu_);
  ++requests_[status];
}

void Metrics::render_histogram(std::string& out, const std::string& name, const std::string& labels,
                               const Histogram& h) const {
  std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < kBuckets.size(); ++i)
    out +=
        fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, kBuckets[i], h.counts[i]);
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, h.count);
  std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, h.sum, name, braces, h.count);
}

Result<std::string> Metrics::render(core::Context& ctx) {
  std::string out;
  // Gauges from the catalog: every clone counted once, by state and template.
  std::map<std::pair<std::string, std::string>, int> by_state;
  int64_t row_restarts = 0;
  for (const auto& v : TRY(core::list_clones(ctx, std::nullopt, false))) {
    ++by_state[{v.row.template_name, v.state}];
    row_restarts += v.row.restarts;
  }
  help(out, "dbtwin_clones", "gauge", "Clones by template and state.");
  for (const auto& [k, n] : by_state)
    out += fmt::format("dbtwin_clones{{template=\"{}\",state=\"{}\"}} {}\n", label(k.first),
                       label(k.second), n);
  help(out, "dbtwin_template_snapshots", "gauge", "Visible snapshots per template.");
  for (const auto& t : TRY(core::list_templates(ctx)))
    out += fmt::format("dbtwin_template_snapshots{{template=\"{}\"}} {}\n", label(t.row.name),
                       t.snapshots.size());
  auto pool = TRY(core::pool_status(ctx));
  help(out, "dbtwin_pool_bytes", "gauge", "Pool space: total, free, used.");
  out += fmt::format("dbtwin_pool_bytes{{kind=\"total\"}} {}\n", pool.total);
  out += fmt::format("dbtwin_pool_bytes{{kind=\"free\"}} {}\n", pool.available);
  out += fmt::format("dbtwin_pool_bytes{{kind=\"used\"}} {}\n",
                     pool.total > pool.available ? pool.total - pool.available : 0);
  help(out, "dbtwin_clone_restarts_recorded", "gauge",
       "Restarts recorded on the clones that exist now.");
  out += fmt::format("dbtwin_clone_restarts_recorded {}\n", row_restarts);

  std::lock_guard lock(mu_);
  help(out, "dbtwin_clone_restarts_total", "counter", "Crashed clones restarted by this daemon.");
  out += fmt::format("dbtwin_clone_restarts_total {}\n", restarts_);
  help(out, "dbtwin_clone_restart_failures_total", "counter", "Restarts that failed.");
  out += fmt::format("dbtwin_clone_restart_failures_total {}\n", restart_failures_);
  help(out, "dbtwin_clones_reaped_total", "counter",
       "Clones destroyed for time to live or idling.");
  out += fmt::format("dbtwin_clones_reaped_total {}\n", reaped_);
  help(out, "dbtwin_clone_create_seconds", "histogram",
       "Time from a create request to the clone accepting its login.");
  render_histogram(out, "dbtwin_clone_create_seconds", "", create_seconds_);
  help(out, "dbtwin_clone_create_failures_total", "counter", "Clone creations that failed.");
  out += fmt::format("dbtwin_clone_create_failures_total {}\n", create_failures_);
  help(out, "dbtwin_refresh_total", "counter", "Template refreshes by result.");
  for (const auto& [t, r] : refresh_) {
    out +=
        fmt::format("dbtwin_refresh_total{{template=\"{}\",result=\"ok\"}} {}\n", label(t), r.ok);
    out += fmt::format("dbtwin_refresh_total{{template=\"{}\",result=\"failed\"}} {}\n", label(t),
                       r.failed);
  }
  help(out, "dbtwin_refresh_last_seconds", "gauge", "Duration of the last refresh.");
  for (const auto& [t, r] : refresh_)
    out += fmt::format("dbtwin_refresh_last_seconds{{template=\"{}\"}} {}\n", label(t),
                       r.last_seconds);
  help(out, "dbtwin_refresh_seconds", "histogram", "Refresh durations.");
  for (const auto& [t, r] : refresh_)
    render_histogram(out, "dbtwin_refresh_seconds", fmt::format("template=\"{}\"", label(t)),
                     r.seconds);
  help(out, "dbtwin_http_requests_total", "counter", "HTTP requests by status.");
  for (const auto& [code, n] : requests_)
    out += fmt::format("dbtwin_http_requests_total{{code=\"{}\"}} {}\n", code, n);
  return out;
}

}  // namespace dbtwin::api
