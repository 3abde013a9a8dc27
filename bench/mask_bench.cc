// dbtwin_mask_bench: what masking costs per value, in one process and without a database, beside
// what the pipe's only stage costs (zstd level 3 on the same rows, as `pg_dump | zstd -3` does).
// The rows are those of bench/dump.sh's people table in PostgreSQL's COPY text, masked with the
// same ten rules. Google Benchmark measures; the summary at the end prints ns per value and the
// ratios. Not a test: it asserts nothing.
//   build/bench/dbtwin_mask_bench [--benchmark_filter=...] [--benchmark_min_time=2s]
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/masker.h"
#include "pipeline/row_codec.h"
#include "pipeline/sealing.h"

namespace dbtwin::pipeline {
namespace {

constexpr int kRows = 4096;  // about one 1 MiB block of the pipeline
constexpr int kMasked = 10;  // masked values per row

const char* const kColumns[] = {"id",     "first_name", "last_name", "email",   "phone",
                                "card",   "city",       "country",   "company", "ip",
                                "amount", "created_at", "notes"};

// The ten rules of bench/dump.sh, by column.
const std::map<std::string, std::string> kRules = {
    {"first_name", "first-name"},
    {"last_name", "last-name"},
    {"email", "{transformer: email, unique: true}"},
    {"phone", "phone-number"},
    {"card", "credit-card"},
    {"city", "city"},
    {"country", "country"},
    {"company", "company"},
    {"ip", "ip"},
    {"amount", "{transformer: noise, spread: 0.1}"},
};

TableInfo people() {
  TableInfo t;
  t.schema = "public";
  t.name = "people";
  for (const char* c : kColumns) t.columns.push_back({c, "text"});
  return t;
}

// Row g as bench/dump.sh's INSERT makes it, in COPY text.
std::string row(long g) {
  return fmt::format(
      "{}\tfirst{}\tlast{}\tuser{}@mail.example.com\t+1 555 {:07}\t4111 1111 {:08}\tcity{}\t"
      "country{}\tcompany{}\t10.{}.{}.{}\t{}.{:02}\t2026-11-{:02} 10:{:02}:00+00\t{:032x}{:032x}\n",
      g, g % 997, g % 1009, g, g % 10000000, g % 100000000, g % 211, g % 97, g % 5003, g % 250,
      g % 251, g % 252, (g % 100000) / 100, g % 100, 1 + g % 28, g % 60, g * 2654435761u,
      (g + 1) * 2654435761u);
}

const std::string& rows() {
  static const std::string text = [] {
    std::string s;
    for (long g = 1; g <= kRows; ++g) s += row(g * 977);  // spread over a large id range
    return s;
  }();
  return text;
}

// The fields of one column over all rows, decoded.
std::vector<std::string> column(const std::string& name) {
  size_t index = 0;
  while (kColumns[index] != name) ++index;
  std::vector<std::string> values;
  std::string_view text = rows();
  std::vector<std::string_view> fields;
  for (size_t p = 0; p < text.size();) {
    size_t nl = text.find('\n', p);
    (void)split_fields(text.substr(p, nl - p), fields);
    values.emplace_back(**decode_field(RowFormat::pg_copy_text, fields[index]));
    p = nl + 1;
  }
  return values;
}

Rules rules_of(const std::string& yaml) {
  auto r = parse_rules(yaml, [](const std::string&) -> std::optional<std::string> {
    return "bench-secret-0123456789";
  });
  if (!r.ok()) {
    std::fprintf(stderr, "mask bench rules: %s\n", r.error().message.c_str());
    std::abort();
  }
  return std::move(*r);
}

// `transformer` of every rule replaced by `constant` when asked: the cost of decoding, calling
// and encoding, without the transformers' own work.
Rules bench_rules(bool constant) {
  std::string yaml = "version: 1\ndeterministic: true\ncolumns:\n";
  for (const auto& [col, rule] : kRules)
    yaml += fmt::format("  public.people.{}: {}\n", col,
                        constant ? "{transformer: constant, value: x}" : rule);
  return rules_of(yaml);
}

void mask_rows(benchmark::State& state, bool constant) {
  Rules rules = bench_rules(constant);
  auto masker = TableMasker::make(rules, people(), RowFormat::pg_copy_text);
  std::string out;
  for (auto _ : state) {
    out.clear();
    if (!(*masker)->apply(rows(), out).ok()) state.SkipWithError("masking failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kRows * kMasked);  // items: masked values
}

void BM_MaskRows(benchmark::State& state) {
  mask_rows(state, false);
}
void BM_ConstantRows(benchmark::State& state) {
  mask_rows(state, true);
}

void BM_ZstdRows(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(compress_block(rows(), 3));
  state.SetItemsProcessed(state.iterations() * kRows * kMasked);  // per value, to compare
}

// zstd on the rows once masked: fake values compress worse than the originals, and that share of
// a masked dump's cost is zstd's, not the transformers'.
void BM_ZstdMaskedRows(benchmark::State& state) {
  Rules rules = bench_rules(false);
  auto masker = TableMasker::make(rules, people(), RowFormat::pg_copy_text);
  std::string masked;
  if (!(*masker)->apply(rows(), masked).ok()) return state.SkipWithError("masking failed");
  for (auto _ : state) benchmark::DoNotOptimize(compress_block(masked, 3));
  state.SetItemsProcessed(state.iterations() * kRows * kMasked);
}

// Each transformer alone on its column's values, in groups of 64 as the masker hands them over.
void BM_Transformer(benchmark::State& state, const std::string& col) {
  Rules rules = bench_rules(false);
  auto t = make_transformer(*find_rule(rules, "public", "people", col), rules.keys);
  std::vector<std::string> values = column(col);
  std::vector<std::string_view> views(values.begin(), values.end());
  std::vector<uint8_t> nulls(values.size(), 0);
  MaskedBatch out;  // reused, as the masker reuses its buffers
  for (auto _ : state) {
    for (size_t from = 0; from < views.size(); from += 64) {
      size_t n = std::min<size_t>(64, views.size() - from);
      out.clear();
      if (!(*t)->mask_batch({views.data() + from, nulls.data() + from, n}, out).ok())
        state.SkipWithError("masking failed");
    }
    benchmark::DoNotOptimize(out.bytes.data());
  }
  state.SetItemsProcessed(state.iterations() * values.size());
}

// Console output as usual, then a summary: ns per value, and how masking compares with zstd.
class Summary : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      auto it = r.counters.find("items_per_second");
      if (it != r.counters.end() && it->second.value > 0)
        ns_[r.benchmark_name()] = 1e9 / it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    double mask = ns("BM_MaskRows"), constant = ns("BM_ConstantRows"), zstd = ns("BM_ZstdRows");
    double zstd_masked = ns("BM_ZstdMaskedRows");
    std::printf("\nper masked value (%d rows, %d masked values a row, one thread):\n", kRows,
                kMasked);
    for (const auto& [name, v] : ns_) std::printf("  %-32s %7.1f ns\n", name.c_str(), v);
    if (mask > 0 && zstd > 0) {
      std::printf("masking a row costs %.2fx what zstd -3 costs on it; the framework alone %.2fx\n",
                  mask / zstd, constant / zstd);
    }
    if (zstd > 0 && zstd_masked > 0) {
      std::printf("zstd -3 on the masked rows costs %.2fx what it costs on the originals\n",
                  zstd_masked / zstd);
    }
  }

 private:
  double ns(const std::string& name) const {
    auto it = ns_.find(name);
    return it == ns_.end() ? 0 : it->second;
  }
  std::map<std::string, double> ns_;
};

}  // namespace
}  // namespace dbtwin::pipeline

int main(int argc, char** argv) {
  using namespace dbtwin::pipeline;
  benchmark::RegisterBenchmark("BM_ZstdRows", BM_ZstdRows);
  benchmark::RegisterBenchmark("BM_ZstdMaskedRows", BM_ZstdMaskedRows);
  benchmark::RegisterBenchmark("BM_ConstantRows", BM_ConstantRows);
  benchmark::RegisterBenchmark("BM_MaskRows", BM_MaskRows);
  for (const auto& [col, rule] : kRules) {
    benchmark::RegisterBenchmark(("BM_Transformer/" + col).c_str(),
                                 [col = col](benchmark::State& s) { BM_Transformer(s, col); });
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  Summary summary;
  benchmark::RunSpecifiedBenchmarks(&summary);
  benchmark::Shutdown();
  return 0;
}
