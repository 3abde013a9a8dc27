// Shared pieces of the MariaDB dump source and restore target tests: one real server per test, a
// sink that forwards a source's rows straight into a restore target, and comparisons of rows and
// schema objects between two databases.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/strings.h"
#include "engine/engine.h"
#include "pipeline/dump_model.h"
#include "pipeline_server_test.h"

#define MDB_ASSERT_OK(expr)                               \
  do {                                                    \
    auto _mdb_st = (expr);                                \
    ASSERT_TRUE(_mdb_st.ok()) << _mdb_st.error().message; \
  } while (0)

namespace dbtwin::test {

// Forwards rows into a target. `on_rows` runs before each batch (it may fail it or tamper with
// it by returning replacement lines through `lines`).
class MariadbForwardSink : public pipeline::RowSink {
 public:
  explicit MariadbForwardSink(pipeline::RestoreTarget& target) : target_(target) {}
  std::function<Status(const pipeline::TableInfo&, std::string& lines, uint64_t& count)> on_rows;

  Status rows(const pipeline::TableInfo& t, std::string_view lines, uint64_t count) override {
    if (!on_rows) return target_.rows(t, lines);
    std::string copy(lines);
    TRY(on_rows(t, copy, count));
    counts_[t.id] += count;
    return target_.rows(t, copy);
  }
  Status table_done(const pipeline::TableInfo& t, uint64_t rows) override {
    if (on_rows) rows = counts_[t.id];
    return target_.table_done(t, rows);
  }

 private:
  pipeline::RestoreTarget& target_;
  std::map<uint32_t, uint64_t> counts_;
};

class MariadbPipelineTest : public PipelineServerTest {
 protected:
  MariadbPipelineTest() : PipelineServerTest(engine::Kind::mariadb, "mdb", "dbtwin-mdbpipe") {}

  // Dumps `src` into `dst` through a MariadbForwardSink. `sink_setup` may tamper with the sink,
  // `post_edit` with post-data.
  Status copy_database(const std::string& src, const std::string& dst,
                       pipeline::RestoreOptions options = {},
                       const std::function<void(MariadbForwardSink&)>& sink_setup = nullptr,
                       const std::function<void(std::string&)>& post_edit = nullptr) {
    auto source = TRY(pipeline::open_mariadb_source({url(src), 1}));
    options.url = url(dst);
    auto target = TRY(pipeline::open_mariadb_target(options));
    TRY(target->begin(header_of(source->plan()), source->plan().pre_data));
    MariadbForwardSink sink(*target);
    if (sink_setup) sink_setup(sink);
    TRY(source->read_tables({}, sink));
    std::string post = source->plan().post_data;
    if (post_edit) post_edit(post);
    return target->finish(post);
  }

  // Per base table of `db`: "<rows> <CHECKSUM TABLE EXTENDED>".
  std::map<std::string, std::string> checksums(const std::string& db) {
    std::map<std::string, std::string> out;
    auto tables = query(db,
                        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                        "DATABASE() AND TABLE_TYPE = 'BASE TABLE'");
    EXPECT_TRUE(tables.ok()) << tables.error().message;
    if (!tables.ok()) return out;
    for (const auto& r : *tables) {
      std::string t = quote(*r[0]);
      out[*r[0]] = scalar(db, "SELECT COUNT(*) FROM " + t) + " " +
                   scalar(db, "CHECKSUM TABLE " + t + " EXTENDED");
    }
    return out;
  }

  // Every table's SHOW CREATE TABLE with its lines sorted (keys added after the rows may come in
  // another order), and the names of views, triggers, routines and events.
  std::string schema_objects(const std::string& db) {
    std::string out;
    auto tables = query(db,
                        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                        "DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME");
    if (!tables.ok()) return "error: " + tables.error().message;
    for (const auto& r : *tables) {
      auto create = query(db, "SHOW CREATE TABLE " + quote(*r[0]));
      if (!create.ok()) return "error: " + create.error().message;
      auto lines = split(create->at(0)[1].value_or(""), '\n');
      for (auto& l : lines) {
        if (!l.empty() && l.back() == ',') l.pop_back();
      }
      std::sort(lines.begin(), lines.end());
      for (const auto& l : lines) out += l + "\n";
    }
    for (const char* q :
         {"SELECT CONCAT('view ', TABLE_NAME) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = "
          "DATABASE() ORDER BY 1",
          "SELECT CONCAT('trigger ', TRIGGER_NAME, ' ', EVENT_OBJECT_TABLE) FROM "
          "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1",
          "SELECT CONCAT('routine ', ROUTINE_TYPE, ' ', ROUTINE_NAME) FROM "
          "information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1",
          "SELECT CONCAT('event ', EVENT_NAME) FROM information_schema.EVENTS WHERE EVENT_SCHEMA "
          "= DATABASE() ORDER BY 1"}) {
      auto rows = query(db, q);
      if (!rows.ok()) return "error: " + rows.error().message;
      for (const auto& r : *rows) out += r[0].value_or("") + "\n";
    }
    return out;
  }

  // Work and backup databases a restore made and should have removed.
  std::string leftover_databases() {
    return scalar("",
                  "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE "
                  "'%\\_\\_dbtwin\\_%'");
  }

  static std::string quote(const std::string& name) {
    std::string out = "`";
    for (char c : name) {
      if (c == '`') out += '`';
      out += c;
    }
    return out + "`";
  }
};

}  // namespace dbtwin::test
