// The MariaDB dump source: one session holding a consistent-snapshot transaction, which is also
// the subset planner's SqlSession. MariaDB cannot hand its snapshot to a second session (there is
// no equivalent of PostgreSQL's exported snapshots), so SourceOptions::jobs does not parallelise
// reads here: every table is read through this one session, one after another.
#include "pipeline/dump_model.h"
#include "pipeline/mariadb_schema.h"
#include "pipeline/mariadb_session.h"
#include "pipeline/row_codec.h"

namespace dbtwin::pipeline {
namespace {

// Rows go to the sink in batches of about this size: big enough to amortise the sink's work,
// small enough to keep memory flat.
constexpr size_t kBatchBytes = 256 * 1024;

class MariadbSource final : public DumpSource, public SqlSession {
 public:
  MariadbSource(MariadbParams params, MariadbSession session)
      : params_(std::move(params)), session_(std::move(session)) {}

  Status init() {
    // Every table is read in this transaction, so all of them show the same instant.
    TRY(session_.exec("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
    TRY(session_.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT"));
    plan_.kind = engine::Kind::mariadb;
    plan_.row_format = RowFormat::mysql_load_text;
    plan_.database = params_.database;
    plan_.server_version = TRY(session_.scalar("SELECT VERSION()"));
    auto catalog = TRY(read_mariadb_catalog(session_, params_.database));
    plan_.tables = std::move(catalog.tables);
    plan_.foreign_keys = std::move(catalog.foreign_keys);
    auto ddl = TRY(dump_mariadb_ddl(params_, params_.database, catalog.auto_increment));
    plan_.pre_data = std::move(ddl.pre_data);
    plan_.post_data = std::move(ddl.post_data);
    return {};
  }

  const SourcePlan& plan() const override { return plan_; }
  SqlSession& session() override { return *this; }

  Status read_tables(const std::map<uint32_t, std::string>& filters, RowSink& sink) override {
    for (const auto& table : plan_.tables) {
      auto filter = filters.find(table.id);
      TRY_CTX(read_table(table, filter == filters.end() ? "" : filter->second, sink),
              "reading table " + mariadb_ident(table.schema) + "." + mariadb_ident(table.name));
    }
    return {};
  }

  // SqlSession
  Status exec(const std::string& sql) override { return session_.exec(sql); }
  Result<std::vector<engine::Row>> query(const std::string& sql) override {
    return session_.query(sql);
  }
  uint64_t affected() const override { return session_.affected(); }
  std::string quote_identifier(std::string_view name) const override { return mariadb_ident(name); }

 private:
  Status read_table(const TableInfo& table, const std::string& where, RowSink& sink) {
    if (table.columns.empty()) return sink.table_done(table, 0);  // only generated columns
    std::string sql = "SELECT ";
    for (size_t i = 0; i < table.columns.size(); ++i) {
      if (i) sql += ", ";
      sql += mariadb_ident(table.columns[i].name);
    }
    sql += " FROM " + mariadb_ident(table.name);
    if (!where.empty()) sql += " WHERE (" + where + ")";

    std::string batch;
    batch.reserve(kBatchBytes + 64 * 1024);
    uint64_t in_batch = 0, total = 0;
    TRY(session_.stream(sql, [&](const char* const* v, const unsigned long* len, unsigned n) {
      for (unsigned c = 0; c < n; ++c) {
        if (c) batch.push_back('\t');
        if (v[c] == nullptr) {
          append_null(batch);
        } else {
          append_field(RowFormat::mysql_load_text, batch, std::string_view(v[c], len[c]));
        }
      }
      batch.push_back('\n');
      ++in_batch;
      ++total;
      if (batch.size() < kBatchBytes) return Status{};
      auto st = sink.rows(table, batch, in_batch);
      batch.clear();
      in_batch = 0;
      return st;
    }));
    if (in_batch) TRY(sink.rows(table, batch, in_batch));
    return sink.table_done(table, total);
  }

  MariadbParams params_;
  MariadbSession session_;
  SourcePlan plan_;
};

}  // namespace

Result<std::unique_ptr<DumpSource>> open_mariadb_source(const SourceOptions& options) {
  auto params = TRY(mariadb_params_from_url(options.url));
  auto session = TRY(MariadbSession::connect(params, params.database, MariadbCharset::binary));
  auto source = std::make_unique<MariadbSource>(params, std::move(session));
  TRY_CTX(source->init(), "reading the schema of MariaDB database " + params.database);
  return std::unique_ptr<DumpSource>(std::move(source));
}

}  // namespace dbtwin::pipeline
