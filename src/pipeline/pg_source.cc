// The PostgreSQL dump source: one main session exports a REPEATABLE READ snapshot and holds it
// for the dump's life; pg_dump and `jobs` worker sessions import it, so every table, the DDL
// and the sequence values come from the same instant.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "base/log.h"
#include "base/strings.h"
#include "pipeline/dump_model.h"
#include "pipeline/pg_conn.h"
#include "pipeline/pg_schema.h"

namespace dbtwin::pipeline {

namespace {

constexpr size_t kBatchBytes = 256 * 1024;

class PgSnapshotSession final : public SqlSession {
 public:
  explicit PgSnapshotSession(PgSession s) : s_(std::move(s)) {}
  Status exec(const std::string& sql) override { return s_.exec(sql); }
  Result<std::vector<engine::Row>> query(const std::string& sql) override { return s_.query(sql); }
  uint64_t affected() const override { return s_.affected(); }
  std::string quote_identifier(std::string_view name) const override {
    return pg_quote_ident(name);
  }
  PgSession& raw() { return s_; }

 private:
  PgSession s_;
};

// The first error of a parallel read, and the sessions to cancel when it happens.
class ReadRun {
 public:
  explicit ReadRun(std::vector<PgSession*> sessions) : sessions_(std::move(sessions)) {}
  bool stopped() const { return stop_.load(); }
  void fail(Error e) {
    std::lock_guard lock(mu_);
    if (first_) return;  // later errors are mostly the cancellations this one caused
    first_ = std::move(e);
    stop_ = true;
    for (auto* s : sessions_) s->cancel();
  }
  Status result() {
    std::lock_guard lock(mu_);
    if (first_) return *first_;
    return {};
  }

 private:
  std::mutex mu_;
  std::optional<Error> first_;
  std::atomic<bool> stop_{false};
  std::vector<PgSession*> sessions_;
};

std::string column_list(const TableInfo& t) {
  std::string out;
  for (const auto& c : t.columns) out += (out.empty() ? "" : ", ") + pg_quote_ident(c.name);
  return out;
}

// The COPY that reads a table: whole (plain COPY is fastest), or through a query when it is
// filtered or partitioned. ONLY keeps inheritance children out (they are dumped on their own).
std::string copy_out_sql(const TableInfo& t, bool partitioned, const std::string& filter) {
  std::string name = pg_qualified(t.schema, t.name), cols = column_list(t);
  if (filter.empty() && !partitioned) {
    return "COPY " + name + (cols.empty() ? "" : " (" + cols + ")") + " TO STDOUT";
  }
  std::string sql = "COPY (SELECT " + cols + " FROM " + (partitioned ? "" : "ONLY ") + name;
  if (!filter.empty()) sql += " WHERE (" + filter + ")";
  return sql + ") TO STDOUT";
}

Status read_table(PgSession& s, const TableInfo& t, const std::string& sql, RowSink& sink,
                  const ReadRun& run) {
  std::string batch;
  batch.reserve(kBatchBytes + 4096);
  uint64_t batch_rows = 0, total = 0;
  auto flush = [&]() -> Status {
    if (batch_rows == 0) return {};
    TRY(sink.rows(t, batch, batch_rows));
    total += batch_rows;
    batch.clear();
    batch_rows = 0;
    return {};
  };
  auto st = s.copy_out(sql, [&](std::string_view row) -> Status {
    batch.append(row);
    ++batch_rows;
    if (batch.size() < kBatchBytes) return {};
    if (run.stopped()) return err(Errc::internal, "stopped after another table failed");
    return flush();
  });
  if (!st.ok())
    return std::move(st).error().context(fmt::format("reading table {}", t.qualified()));
  TRY(flush());
  return sink.table_done(t, total);
}

class PgSource final : public DumpSource {
 public:
  PgSource(PgSnapshotSession main, std::vector<PgSession> workers, SourcePlan plan,
           std::vector<bool> partitioned)
      : main_(std::move(main)),
        workers_(std::move(workers)),
        plan_(std::move(plan)),
        partitioned_(std::move(partitioned)) {}

  const SourcePlan& plan() const override { return plan_; }
  SqlSession& session() override { return main_; }
  Status read_tables(const std::map<uint32_t, std::string>& filters, RowSink& sink) override;

 private:
  void work(PgSession& s, const std::vector<uint32_t>& queue, std::atomic<size_t>& next,
            RowSink& sink, ReadRun& run);

  PgSnapshotSession main_;
  std::vector<PgSession> workers_;
  SourcePlan plan_;
  std::vector<bool> partitioned_;
  bool read_ = false;
};

void PgSource::work(PgSession& s, const std::vector<uint32_t>& queue, std::atomic<size_t>& next,
                    RowSink& sink, ReadRun& run) {
  while (!run.stopped()) {
    size_t i = next.fetch_add(1);
    if (i >= queue.size()) return;
    const TableInfo& t = plan_.tables[queue[i]];
    auto st = read_table(s, t, copy_out_sql(t, partitioned_[t.id], ""), sink, run);
    if (!st.ok()) return run.fail(std::move(st).error());
  }
}

Status PgSource::read_tables(const std::map<uint32_t, std::string>& filters, RowSink& sink) {
  if (read_) return err(Errc::internal, "a PostgreSQL source reads its tables only once");
  read_ = true;
  std::vector<uint32_t> queue;
  for (const auto& t : plan_.tables) {
    if (!filters.count(t.id)) queue.push_back(t.id);
  }
  for (const auto& [id, _] : filters) {
    if (id >= plan_.tables.size()) return err(Errc::internal, "filter for unknown table id {}", id);
  }
  // Largest first, so that the last table to finish is a small one.
  std::stable_sort(queue.begin(), queue.end(), [&](uint32_t a, uint32_t b) {
    return plan_.tables[a].estimated_bytes > plan_.tables[b].estimated_bytes;
  });

  std::vector<PgSession*> sessions = {&main_.raw()};
  for (auto& w : workers_) sessions.push_back(&w);
  ReadRun run(sessions);
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (auto& w : workers_) {
    threads.emplace_back([&, wp = &w] { work(*wp, queue, next, sink, run); });
  }
  // Filtered tables go through the main session: their conditions may name its temp tables.
  for (const auto& [id, filter] : filters) {
    if (run.stopped()) break;
    const TableInfo& t = plan_.tables[id];
    auto st = read_table(main_.raw(), t, copy_out_sql(t, partitioned_[id], filter), sink, run);
    if (!st.ok()) run.fail(std::move(st).error());
  }
  for (auto& th : threads) th.join();
  // The workers' transactions are done with; the main one keeps the snapshot for the caller.
  workers_.clear();
  return run.result();
}

Result<std::vector<PgSession>> open_workers(const PgParams& params, const std::string& snapshot,
                                            int jobs) {
  PgParams wp = params;
  wp.application_name = "dbtwin-dump-worker";
  std::vector<PgSession> workers;
  for (int i = 0; i < std::max(1, jobs); ++i) {
    auto w = TRY_CTX(PgSession::connect(wp), "opening a dump worker session");
    TRY_CTX(w.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT " +
                   pg_quote_literal(snapshot)),
            "importing the dump's snapshot");
    workers.push_back(std::move(w));
  }
  return workers;
}

Result<SourcePlan> read_plan(PgSession& main, const PgParams& params, const std::string& snapshot,
                             std::vector<bool>& partitioned) {
  SourcePlan plan;
  plan.kind = engine::Kind::postgres;
  plan.row_format = RowFormat::pg_copy_text;
  plan.database = params.database;
  auto version = TRY(main.scalar("SHOW server_version"));
  plan.server_version = std::string(trim(version.substr(0, version.find(' '))));
  auto cat = TRY(read_pg_catalog(main));
  plan.tables = std::move(cat.tables);
  plan.foreign_keys = std::move(cat.foreign_keys);
  partitioned = std::move(cat.partitioned);
  plan.pre_data = TRY(run_pg_dump(params, snapshot, "pre-data"));
  plan.post_data = TRY(run_pg_dump(params, snapshot, "post-data"));
  // pg_dump keeps sequence values in its data section, which rows replace here.
  auto setvals = TRY(pg_sequence_values(main));
  if (!setvals.empty())
    plan.post_data += "\n-- Sequence values, read under the dump's snapshot\n" + setvals;
  return plan;
}

}  // namespace

Result<std::unique_ptr<DumpSource>> open_pg_source(const SourceOptions& options) {
  auto params = TRY(pg_params_from_url(options.url));
  params.application_name = "dbtwin-dump";
  std::string what = fmt::format("opening PostgreSQL database {} for a dump", params.database);
  auto main = TRY_CTX(PgSession::connect(params), what);
  TRY_CTX(main.exec("BEGIN ISOLATION LEVEL REPEATABLE READ"), what);
  auto snapshot = TRY_CTX(main.scalar("SELECT pg_export_snapshot()"), what);
  std::vector<bool> partitioned;
  auto plan = TRY_CTX(read_plan(main, params, snapshot, partitioned), what);
  auto workers = TRY_CTX(open_workers(params, snapshot, options.jobs), what);
  log::debug("dump of {}: {} tables, snapshot {}, {} workers", params.database, plan.tables.size(),
             snapshot, workers.size());
  return std::unique_ptr<DumpSource>(std::make_unique<PgSource>(PgSnapshotSession(std::move(main)),
                                                                std::move(workers), std::move(plan),
                                                                std::move(partitioned)));
}

}  // namespace dbtwin::pipeline
