// Shared pieces of the PostgreSQL dump source and restore target tests: one real server per
// test, a sink that forwards a source's rows straight into a restore target, and comparisons of
// rows and constraints between two databases.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "engine/engine.h"
#include "os/files.h"
#include "pipeline/dump_model.h"
#include "pipeline_server_test.h"

#define PG_ASSERT_OK(expr)                              \
  do {                                                  \
    auto _pg_st = (expr);                               \
    ASSERT_TRUE(_pg_st.ok()) << _pg_st.error().message; \
  } while (0)

namespace dbtwin::test {

// Forwards rows into a target; calls are serialized (the source's workers run concurrently).
// `before_done` may add rows to a table just before it ends (returns how many it added).
class ForwardSink : public pipeline::RowSink {
 public:
  explicit ForwardSink(pipeline::RestoreTarget& target) : target_(target) {}
  std::function<Status(const pipeline::TableInfo&)> on_rows;
  std::function<uint64_t(const pipeline::TableInfo&, pipeline::RestoreTarget&)> before_done;

  Status rows(const pipeline::TableInfo& t, std::string_view lines, uint64_t) override {
    std::lock_guard lock(mu_);
    if (on_rows) TRY(on_rows(t));
    return target_.rows(t, lines);
  }
  Status table_done(const pipeline::TableInfo& t, uint64_t rows) override {
    std::lock_guard lock(mu_);
    if (before_done) rows += before_done(t, target_);
    return target_.table_done(t, rows);
  }

 private:
  std::mutex mu_;
  pipeline::RestoreTarget& target_;
};

class PgPipelineTest : public PipelineServerTest {
 protected:
  PgPipelineTest() : PipelineServerTest(engine::Kind::postgres, "pg", "dbtwin-pgpipe") {}

  // Dumps `src` into `dst` through a ForwardSink; `sink_setup` may tamper with the sink.
  Status copy_database(const std::string& src, const std::string& dst, int jobs,
                       pipeline::RestoreOptions options = {},
                       const std::function<void(ForwardSink&)>& sink_setup = nullptr) {
    auto source = TRY(pipeline::open_pg_source({url(src), jobs}));
    options.url = url(dst);
    auto target = TRY(pipeline::open_pg_target(options));
    TRY(target->begin(header_of(source->plan()), source->plan().pre_data));
    ForwardSink sink(*target);
    if (sink_setup) sink_setup(sink);
    TRY(source->read_tables({}, sink));
    return target->finish(source->plan().post_data);
  }

  // Per table of `db`: "rows md5" of all rows, in a stable order.
  std::map<std::string, std::string> checksums(const std::string& db) {
    std::map<std::string, std::string> out;
    auto tables = query(db,
                        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition "
                        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                        "AND n.nspname NOT LIKE 'pg\\_toast%'");
    EXPECT_TRUE(tables.ok()) << tables.error().message;
    if (!tables.ok()) return out;
    for (const auto& r : *tables) {
      const std::string& t = *r[0];
      out[t] = scalar(db,
                      "SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' "
                      "ORDER BY t::text), '')) FROM " +
                          t + " t");
    }
    return out;
  }

  // Every constraint and index of the user, with its definition and whether it is validated.
  std::string schema_objects(const std::string& db) {
    auto rows = query(
        db,
        "SELECT string_agg(x, E'\\n' ORDER BY x) FROM ("
        " SELECT format('%s %s %s %s %s', c.conrelid::regclass, c.conname, c.contype, "
        "   c.convalidated, pg_get_constraintdef(c.oid)) AS x FROM pg_constraint c "
        " JOIN pg_namespace n ON n.oid = c.connamespace "
        " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
        " UNION ALL SELECT format('index %s', pg_get_indexdef(i.indexrelid)) FROM pg_index i "
        " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
        " UNION ALL SELECT format('trigger %s %s', t.tgrelid::regclass, t.tgname) "
        " FROM pg_trigger t WHERE NOT t.tgisinternal) s");
    if (!rows.ok()) return "error: " + rows.error().message;
    return rows->at(0)[0].value_or("");
  }

  // Databases a restore made and should have removed.
  std::string leftover_databases() {
    return scalar("postgres",
                  "SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_\\_dbtwin\\_%'");
  }

  // Sessions of dbtwin's dumps and restores still open, after waiting a little for backends
  // that were just closed to go away.
  std::string dbtwin_sessions() {
    std::string n;
    for (int i = 0; i < 100; ++i) {
      n = scalar("postgres",
                 "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'dbtwin-%'");
      if (n == "0") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return n;
  }
};

}  // namespace dbtwin::test
