// Shared pieces of the engine integration tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "engine/engine.h"
#include "os/files.h"
#include "support/engine_server.h"
#include "support/temp_dir.h"

#define ENGINE_ASSERT_OK(expr)                                  \
  do {                                                          \
    auto _engine_st = (expr);                                   \
    ASSERT_TRUE(_engine_st.ok()) << _engine_st.error().message; \
  } while (0)

namespace dbtwin::test {

inline std::string kind_label(const ::testing::TestParamInfo<engine::Kind>& info) {
  return std::string(engine::kind_name(info.param));
}

// A test over one engine: skips when the engine is not installed; owns a scratch folder.
class EngineTest : public ::testing::TestWithParam<engine::Kind> {
 protected:
  void SetUp() override {
    auto e = installed_engine(GetParam());
    if (!e.ok()) GTEST_SKIP() << "engine not installed: " << e.error().message;
    engine_ = std::move(e).value();
  }

  // A started, ready server made from the golden data directory.
  std::unique_ptr<EngineServer> ready_server(const std::string& name, bool durable = true) {
    auto srv = EngineServer::from_golden(*engine_, dir_.path(), name, durable);
    EXPECT_TRUE(srv.ok()) << srv.error().message;
    if (!srv.ok()) return nullptr;
    auto st = (*srv)->start_and_wait();
    EXPECT_TRUE(st.ok()) << st.error().message << "\nlog:\n" << log_of(**srv);
    if (!st.ok()) return nullptr;
    return std::move(srv).value();
  }

  static std::string log_of(EngineServer& srv) {
    auto text = os::read_file(srv.spec().log_file);
    return text.ok() ? *text : "(no log)";
  }

  // The single value of a one-row, one-column query.
  std::string scalar(EngineServer& srv, const std::string& db, const std::string& sql) {
    auto rows = engine_->query(srv.spec(), srv.admin(), db, sql);
    if (!rows.ok()) return "error: " + rows.error().message;
    if (rows->size() != 1 || rows->front().size() != 1 || !rows->front()[0]) return "no value";
    return *rows->front()[0];
  }

  std::unique_ptr<engine::Engine> engine_;
  TempDir dir_{"dbtwin-engine"};
};

}  // namespace dbtwin::test
