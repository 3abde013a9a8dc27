#include "cli/dump_output.h"

#include <algorithm>

#include "base/strings.h"
#include "cli/output.h"
#include "pipeline/masker.h"

namespace dbtwin::cli {

namespace {

std::string rate(uint64_t bytes, double seconds) {
  if (seconds <= 0) return "-";
  return format_bytes(static_cast<uint64_t>(static_cast<double>(bytes) / seconds)) + "/s";
}

std::string when(int64_t ms) {
  return format_time(ms / 1000);
}

nlohmann::json stats_json(uint64_t rows, uint64_t plain, uint64_t stored, size_t tables,
                          double seconds) {
  return {{"rows", rows},
          {"plain_bytes", plain},
          {"stored_bytes", stored},
          {"tables", tables},
          {"seconds", seconds},
          {"bytes_per_second", seconds > 0 ? static_cast<double>(plain) / seconds : 0.0}};
}

}  // namespace

void print_dump_created(const bridge::DumpOutcome& out, bool json) {
  const auto& s = out.stats;
  if (json) {
    print_json({{"dump", bridge::manifest_to_json(out.manifest, false)},
                {"stats", stats_json(s.rows, s.plain_bytes, s.stored_bytes, s.tables, s.seconds)}});
    return;
  }
  fmt::print("dump {} written: {} tables, {} rows, {} read, {} stored ({}{}) in {:.1f} s, {}\n",
             out.manifest.directory_name, s.tables, s.rows, format_bytes(s.plain_bytes),
             format_bytes(s.stored_bytes), out.manifest.compressed ? "zstd" : "uncompressed",
             out.manifest.encrypted ? ", encrypted" : "", s.seconds,
             rate(s.plain_bytes, s.seconds));
}

void print_dump_restored(const bridge::RestoreOutcome& out, bool json) {
  const auto& s = out.stats;
  if (json) {
    print_json({{"dump", out.manifest.directory_name},
                {"target", out.target},
                {"stats", stats_json(s.rows, s.plain_bytes, s.stored_bytes, s.tables, s.seconds)}});
    return;
  }
  fmt::print("dump {} restored into {}: {} tables, {} rows, {} in {:.1f} s, {}\n",
             out.manifest.directory_name, out.target, s.tables, s.rows, format_bytes(s.plain_bytes),
             s.seconds, rate(s.plain_bytes, s.seconds));
}

void print_dump_list(const std::vector<bridge::DumpManifest>& dumps_in, bool json) {
  auto dumps = dumps_in;
  std::sort(dumps.begin(), dumps.end(),
            [](const auto& a, const auto& b) { return a.created_at_ms > b.created_at_ms; });
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& d : dumps) arr.push_back(bridge::manifest_to_json(d, false));
    print_json(arr);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : dumps) {
    rows.push_back({d.directory_name, d.status, d.engine, d.database, when(d.created_at_ms),
                    format_bytes(d.size), std::to_string(d.rows), d.encrypted ? "yes" : "no",
                    d.subset ? "yes" : "no"});
  }
  print_table(
      {"NAME", "STATUS", "ENGINE", "DATABASE", "CREATED", "SIZE", "ROWS", "ENCRYPTED", "SUBSET"},
      rows);
}

void print_dump(const bridge::DumpManifest& d, bool json) {
  if (json) return print_json(bridge::manifest_to_json(d, true));
  fmt::print(
      "name           {}\nstatus         {}{}\nengine         {} {}\ndatabase       {}\n"
      "created        {}\nsize           {} ({} before compression)\ntables         {}\n"
      "rows           {}\ncompressed     {}\nencrypted      {}\nsubset         {}\n"
      "rules          {}\nformat         {}\nchunks         {}\n",
      d.directory_name, d.status, d.error.empty() ? "" : ": " + d.error, d.engine, d.source_version,
      d.database, when(d.created_at_ms), format_bytes(d.size), format_bytes(d.plain_bytes),
      d.tables, d.rows, d.compressed ? "zstd" : "no", d.encrypted ? "yes" : "no",
      d.subset ? "yes" : "no", d.rules_digest.empty() ? "-" : d.rules_digest, d.format_version,
      d.chunks.size());
}

void print_validation(const bridge::ValidateReport& rep, bool json) {
  const auto& c = rep.coverage;
  if (json) {
    print_json({{"tables", rep.tables},
                {"columns", rep.columns},
                {"uncovered", c.uncovered},
                {"unknown", c.unknown}});
    return;
  }
  fmt::print("{} tables, {} columns: {} not covered by any rule, {} rule(s) naming no column\n",
             rep.tables, rep.columns, c.uncovered.size(), c.unknown.size());
  for (const auto& u : c.uncovered) fmt::print("uncovered  {}\n", u);
  for (const auto& u : c.unknown) fmt::print("unknown    {}\n", u);
}

void print_transformers(bool json) {
  auto docs = pipeline::transformer_docs();
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& d : docs)
      arr.push_back({{"name", d.name},
                     {"description", d.description},
                     {"options", d.options},
                     {"deterministic", d.deterministic_ok},
                     {"unique", d.unique_ok}});
    print_json(arr);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : docs)
    rows.push_back(
        {d.name, d.unique_ok ? "yes" : "no", d.options.empty() ? "-" : d.options, d.description});
  print_table({"NAME", "UNIQUE", "OPTIONS", "DESCRIPTION"}, rows);
}

}  // namespace dbtwin::cli
