// The fixture the PostgreSQL and MariaDB pipeline tests share: one real throwaway server per test
// (from the engine's golden copy), and the SQL helpers every test uses against it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "pipeline/dump_model.h"
#include "support/engine_server.h"
#include "support/temp_dir.h"

namespace dbtwin::test {

// The dump header a writer would record for `plan`.
inline pipeline::DumpHeader header_of(const pipeline::SourcePlan& plan) {
  pipeline::DumpHeader h;
  h.kind = plan.kind;
  h.row_format = plan.row_format;
  h.server_version = plan.server_version;
  h.database = plan.database;
  h.tables = plan.tables;
  return h;
}

class PipelineServerTest : public ::testing::Test {
 protected:
  // `tag` names the server's folder; `temp_prefix` the test's temporary folder.
  PipelineServerTest(engine::Kind kind, std::string tag, const std::string& temp_prefix)
      : kind_(kind), tag_(std::move(tag)), dir_(temp_prefix) {}

  void SetUp() override {
    auto e = installed_engine(kind_);
    if (!e.ok())
      GTEST_SKIP() << engine::kind_name(kind_) << " is not installed: " << e.error().message;
    engine_ = std::move(e).value();
    auto srv = EngineServer::from_golden(*engine_, dir_.path(), tag_, /*durable=*/false);
    ASSERT_TRUE(srv.ok()) << srv.error().message;
    server_ = std::move(srv).value();
    auto st = server_->start_and_wait();
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  std::string url(const std::string& db) {
    return engine_->url("127.0.0.1", server_->spec().port, server_->admin(), db);
  }
  Status exec(const std::string& db, const std::string& sql) {
    return engine_->exec(server_->spec(), server_->admin(), db, sql);
  }
  Result<std::vector<engine::Row>> query(const std::string& db, const std::string& sql) {
    return engine_->query(server_->spec(), server_->admin(), db, sql);
  }
  // The last column of the query's only row (CHECKSUM TABLE answers with the table's name first),
  // or a text that says what went wrong.
  std::string scalar(const std::string& db, const std::string& sql) {
    auto rows = query(db, sql);
    if (!rows.ok()) return "error: " + rows.error().message;
    if (rows->size() != 1 || rows->front().empty() || !rows->front().back()) return "no value";
    return *rows->front().back();
  }
  Status create_db(const std::string& db) {
    return engine_->create_database(server_->spec(), server_->admin(), db);
  }

  engine::Kind kind_;
  std::string tag_;
  std::unique_ptr<engine::Engine> engine_;
  TempDir dir_;
  std::unique_ptr<EngineServer> server_;
};

}  // namespace dbtwin::test
