// Quotas with real clones: over max_clones, max_clones_per_template or the pool's free-space
// floor, creation is unavailable with a "quota: " reason and leaves nothing behind; creators
// racing past the first check never end up above the limit.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "core/quota.h"
#include "lifecycle_support.h"

namespace dbtwin {
namespace {

using test::lifecycle::World;

class QuotaTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { test::lifecycle::drop_shared_worlds(); }
  void SetUp() override {
    std::string why;
    world_ = test::lifecycle::shared_world("postgres", &why);
    if (!world_) GTEST_SKIP() << why;
  }
  void TearDown() override {
    if (world_) world_->destroy_clones();
  }
  core::Context& ctx() { return world_->ctx(); }

  std::unique_ptr<core::Context> with_quotas(int total, int per_template, uint64_t min_free) {
    return world_->open([&](core::Config& c) {
      c.quotas.max_clones = total;
      c.quotas.max_clones_per_template = per_template;
      c.quotas.min_free_bytes = min_free;
    });
  }

  Result<core::CloneView> create(core::Context& c, const std::string& name) {
    core::CloneRequest req;
    req.template_name = "shop";
    req.name = name;
    return core::create_clone(c, req);
  }

  // The clones the state folder holds, by every account: rows, port owners, volumes and run
  // folders must agree.
  std::set<std::string> clones_everywhere() {
    std::set<std::string> rows, ports, volumes;
    auto clone_rows = ctx().catalog().list_clones(std::nullopt);
    auto port_rows = ctx().catalog().list_ports();
    auto pool = ctx().pool();
    EXPECT_TRUE(clone_rows.ok() && port_rows.ok() && pool.ok());
    if (!clone_rows.ok() || !port_rows.ok() || !pool.ok()) return rows;
    auto volume_ids = (*pool)->list();
    EXPECT_TRUE(volume_ids.ok());
    if (!volume_ids.ok()) return rows;
    for (const auto& c : *clone_rows) rows.insert(c.name);
    for (const auto& [port, owner] : *port_rows) {
      if (owner.rfind("clone:", 0) == 0) ports.insert(owner.substr(6));
    }
    for (const auto& v : *volume_ids) {
      if (v.rfind("clone.", 0) == 0) volumes.insert(v.substr(6));
    }
    EXPECT_EQ(rows, ports);
    EXPECT_EQ(rows, volumes);
    size_t run_dirs = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(world_->config().state_dir / "run", ec);
         it != std::filesystem::directory_iterator(); ++it) {
      ++run_dirs;
    }
    EXPECT_EQ(run_dirs, rows.size());
    return rows;
  }

  World* world_ = nullptr;
};

void expect_quota_error(const Result<core::CloneView>& r, const std::string& text) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_EQ(r.error().message.rfind("quota: ", 0), 0u) << r.error().message;
  EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
}

TEST_F(QuotaTest, RefusesOverEachLimitAndLeavesNothing) {
  auto total = with_quotas(2, 0, 0);
  ASSERT_TRUE(create(*total, "q1").ok());
  ASSERT_TRUE(create(*total, "q2").ok());
  expect_quota_error(create(*total, "q3"), "max_clones is 2 and 2 clones exist already");
  EXPECT_EQ(clones_everywhere(), (std::set<std::string>{"q1", "q2"}));

  auto per_template = with_quotas(0, 2, 0);
  expect_quota_error(create(*per_template, "q3"),
                     "max_clones_per_template is 2 and template 'shop' has 2 clones already");
  auto floor = with_quotas(0, 0, uint64_t{1} << 50);
  expect_quota_error(create(*floor, "q3"), "free, below min_free 1024.0 TiB");
  EXPECT_EQ(clones_everywhere(), (std::set<std::string>{"q1", "q2"}));

  // Under the limits (or with none) creation works.
  auto roomy = with_quotas(3, 3, 1 << 20);
  EXPECT_TRUE(core::check_quotas(*roomy, "shop").ok());
  ASSERT_TRUE(create(*roomy, "q3").ok());
  expect_quota_error(create(*roomy, "q4"), "max_clones is 3");
  EXPECT_TRUE(create(ctx(), "q4").ok()) << "the world's own context has no quotas";
  EXPECT_EQ(clones_everywhere(), (std::set<std::string>{"q1", "q2", "q3", "q4"}));
}

TEST_F(QuotaTest, RecheckLetsTheEarlierRowsWin) {
  // Rows as racing creators insert them (no servers needed to decide who stays).
  auto snaps = ctx().catalog().list_snapshots("shop", false);
  ASSERT_TRUE(snaps.ok() && !snaps->empty());
  std::vector<catalog::CloneRow> rows;
  for (int i = 1; i <= 4; ++i) {
    catalog::CloneRow r;
    r.name = "race" + std::to_string(i);
    r.template_name = "shop";
    r.snapshot_id = snaps->front().id;
    r.engine = "postgres";
    r.volume = "clone." + r.name;
    r.port = 1 + i;  // never bound: only the row's uniqueness matters
    r.state = "creating";
    r.created_at = 2000 - i;  // the clock says nothing about who came first
    ASSERT_TRUE(ctx().catalog().insert_clone(r).ok());
    rows.push_back(r);
  }
  auto two = with_quotas(2, 0, 0);
  EXPECT_TRUE(core::recheck_quotas(*two, rows[0]).ok());
  EXPECT_TRUE(core::recheck_quotas(*two, rows[1]).ok());
  auto lost = core::recheck_quotas(*two, rows[2]);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, Errc::unavailable);
  EXPECT_EQ(lost.error().message, "quota: max_clones is 2 and 2 clones exist already");
  EXPECT_FALSE(core::recheck_quotas(*two, rows[3]).ok());
  // An earlier creator that undid its row makes room for the next one.
  ASSERT_TRUE(ctx().catalog().delete_clone("race1").ok());
  EXPECT_TRUE(core::recheck_quotas(*two, rows[2]).ok());
  EXPECT_FALSE(core::recheck_quotas(*two, rows[3]).ok());
  auto one_each = with_quotas(0, 1, 0);
  EXPECT_TRUE(core::recheck_quotas(*one_each, rows[1]).ok());
  auto per = core::recheck_quotas(*one_each, rows[2]);
  ASSERT_FALSE(per.ok());
  EXPECT_EQ(per.error().message,
            "quota: max_clones_per_template is 1 and template 'shop' has 1 clone already");
  for (int i = 2; i <= 4; ++i) {
    ASSERT_TRUE(ctx().catalog().delete_clone("race" + std::to_string(i)).ok());
  }
}

TEST_F(QuotaTest, ParallelCreatorsNeverExceedTheLimit) {
  constexpr int kCreators = 6;
  constexpr int kLimit = 3;
  std::vector<std::unique_ptr<core::Context>> contexts;
  for (int i = 0; i < kCreators; ++i) contexts.push_back(with_quotas(kLimit, 0, 0));
  std::atomic<int> made{0}, refused{0};
  std::vector<std::string> other_errors(kCreators);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCreators; ++i) {
    threads.emplace_back([&, i] {
      auto r = create(*contexts[static_cast<size_t>(i)], "par" + std::to_string(i));
      if (r) {
        ++made;
      } else if (r.error().code == Errc::unavailable &&
                 r.error().message.rfind("quota: max_clones is 3", 0) == 0) {
        ++refused;
      } else {
        other_errors[static_cast<size_t>(i)] = r.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : other_errors) EXPECT_EQ(e, "");
  EXPECT_EQ(made.load(), kLimit);
  EXPECT_EQ(refused.load(), kCreators - kLimit);
  EXPECT_EQ(clones_everywhere().size(), static_cast<size_t>(kLimit));
}

}  // namespace
}  // namespace dbtwin
