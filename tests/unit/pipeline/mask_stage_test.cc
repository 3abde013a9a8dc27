#include "pipeline/mask_stage.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace dbtwin::pipeline {
namespace {

// Upper-cases its input, slowly for batches that start with 's', failing for ones that start
// with 'x': enough to reorder finishing times and to inject an error.
class Upper : public RowTransform {
 public:
  Status apply(std::string_view lines, std::string& out) const override {
    if (!lines.empty() && lines[0] == 'x') return err(Errc::invalid_argument, "bad batch");
    if (!lines.empty() && lines[0] == 's')
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (char c : lines) out.push_back(static_cast<char>(std::toupper(c)));
    return {};
  }
};

TableInfo table(uint32_t id, const char* name) {
  TableInfo t;
  t.id = id;
  t.schema = "s";
  t.name = name;
  return t;
}

TEST(MaskStage, EmitsInSubmissionOrderThoughWorkersFinishOutOfOrder) {
  Upper up;
  TableInfo t = table(0, "t");
  std::vector<std::string> seen;
  size_t in_bytes = 0;
  MaskStage stage(4, 6, [&](const TableInfo& tt, std::string_view out, uint64_t rows, size_t in) {
    EXPECT_EQ(tt.name, "t");
    EXPECT_EQ(rows, 1u);
    seen.emplace_back(out);
    in_bytes += in;
    return Status{};
  });
  std::vector<std::string> want;
  for (int i = 0; i < 40; ++i) {
    std::string line = (i % 3 == 0 ? "slow" : "fast") + std::to_string(i) + "\n";
    ASSERT_TRUE(stage.submit(t, up, line, 1).ok());
    for (char& c : line) c = static_cast<char>(std::toupper(c));
    want.push_back(line);
  }
  ASSERT_TRUE(stage.flush().ok());
  EXPECT_EQ(seen, want);
  EXPECT_GT(in_bytes, 0u);
}

TEST(MaskStage, NeverHoldsMoreThanDepthBatchesPerSubmitter) {
  Upper up;
  TableInfo t = table(0, "t");
  std::atomic<int> live{0};
  int peak = 0;
  MaskStage stage(2, 3, [&](const TableInfo&, std::string_view, uint64_t, size_t) {
    --live;
    return Status{};
  });
  for (int i = 0; i < 30; ++i) {
    ++live;
    peak = std::max(peak, live.load());
    ASSERT_TRUE(stage.submit(t, up, "slow\n", 1).ok());
  }
  ASSERT_TRUE(stage.flush().ok());
  EXPECT_EQ(live.load(), 0);
  EXPECT_LE(peak, 4);  // depth 3 in flight, plus the one being submitted
}

TEST(MaskStage, ConcurrentSubmittersKeepEachTablesOrderAndFlushCoversEverything) {
  Upper up;
  TableInfo a = table(0, "a"), b = table(1, "b");
  std::mutex mu;
  std::map<std::string, std::vector<std::string>> seen;
  MaskStage stage(3, 4, [&](const TableInfo& t, std::string_view out, uint64_t, size_t) {
    std::lock_guard lock(mu);
    seen[t.name].emplace_back(out);
    return Status{};
  });
  auto run = [&](const TableInfo& t) {
    for (int i = 0; i < 50; ++i) {
      std::string line = (i % 5 == 0 ? "s" : "f") + std::to_string(i) + "\n";
      ASSERT_TRUE(stage.submit(t, up, line, 1).ok());
    }
  };
  std::thread ta([&] { run(a); }), tb([&] { run(b); });
  ta.join();
  tb.join();
  ASSERT_TRUE(stage.flush().ok());
  for (const char* name : {"a", "b"}) {
    ASSERT_EQ(seen[name].size(), 50u) << name;
    for (int i = 0; i < 50; ++i)
      EXPECT_EQ(seen[name][i], (i % 5 == 0 ? "S" : "F") + std::to_string(i) + "\n");
  }
}

TEST(MaskStage, AFailedBatchNamesTheTableAndStopsLaterSubmissions) {
  Upper up;
  TableInfo t = table(0, "people");
  int emitted = 0;
  MaskStage stage(2, 4, [&](const TableInfo&, std::string_view, uint64_t, size_t) {
    ++emitted;
    return Status{};
  });
  ASSERT_TRUE(stage.submit(t, up, "ok\n", 1).ok());
  Status st = stage.submit(t, up, "xbad\n", 1);
  if (st.ok()) st = stage.flush();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("s.people"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("bad batch"), std::string::npos) << st.error().message;
  EXPECT_FALSE(stage.submit(t, up, "ok\n", 1).ok());
  EXPECT_FALSE(stage.flush().ok());
  EXPECT_EQ(emitted, 1);
}

TEST(MaskStage, AnEmitErrorIsReturnedAndSticks) {
  Upper up;
  TableInfo t = table(0, "t");
  MaskStage stage(1, 2, [&](const TableInfo&, std::string_view, uint64_t, size_t) {
    return Status(err(Errc::no_space, "disk full"));
  });
  Status st = stage.submit(t, up, "a\n", 1);
  if (st.ok()) st = stage.flush();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::no_space);
  EXPECT_FALSE(stage.submit(t, up, "b\n", 1).ok());
}

TEST(MaskStage, DestroyingWithBatchesInFlightJoinsCleanly) {
  Upper up;
  TableInfo t = table(0, "t");
  {
    MaskStage stage(2, 8,
                    [](const TableInfo&, std::string_view, uint64_t, size_t) { return Status{}; });
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(stage.submit(t, up, "slow\n", 1).ok());
  }
  SUCCEED();
}

}  // namespace
}  // namespace dbtwin::pipeline
