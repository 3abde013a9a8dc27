// Scheduled refresh with a real template: setting and clearing a schedule, which templates are
// due in a window, and pruning the snapshots refreshes leave (the newest and the used ones
// stay, then the newest unused ones up to `keep`).
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>

#include "core/refresh_schedule.h"
#include "core/templates.h"
#include "lifecycle_support.h"

namespace dbtwin {
namespace {

using test::lifecycle::World;

int64_t utc(int y, int mo, int d, int h, int mi) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return static_cast<int64_t>(timegm(&tm));
}

class ScheduleTest : public ::testing::Test {
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

  std::vector<int64_t> snapshot_ids(const std::string& tmpl) {
    std::vector<int64_t> ids;
    auto snaps = ctx().catalog().list_snapshots(tmpl, false);
    EXPECT_TRUE(snaps.ok());
    if (snaps) {
      for (const auto& s : *snaps) ids.push_back(s.id);
    }
    std::sort(ids.rbegin(), ids.rend());
    return ids;
  }
  std::vector<std::string> due(int64_t after, int64_t upto) {
    auto d = core::due_refreshes(ctx(), after, upto);
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d ? *d : std::vector<std::string>{};
  }

  World* world_ = nullptr;
};

TEST_F(ScheduleTest, SetClearAndDue) {
  auto set = core::set_schedule(ctx(), "shop", " 0 3 * * * ", 2);
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->row.schedule, "0 3 * * *");
  EXPECT_EQ(set->row.keep_snapshots, 2);
  EXPECT_EQ(ctx().catalog().get_template("shop")->schedule, "0 3 * * *");

  using V = std::vector<std::string>;
  EXPECT_EQ(due(utc(2024, 5, 10, 2, 59), utc(2024, 5, 10, 3, 0)), V{"shop"});
  EXPECT_EQ(due(utc(2024, 5, 10, 3, 0), utc(2024, 5, 10, 4, 0)), V{});  // (after, upto]
  EXPECT_EQ(due(utc(2024, 5, 9, 4, 0), utc(2024, 5, 10, 2, 0)), V{});
  EXPECT_EQ(due(utc(2024, 5, 9, 4, 0), utc(2024, 5, 12, 2, 0)), V{"shop"});  // once, not twice

  ASSERT_TRUE(core::set_schedule(ctx(), "shop", "@every 30s", 0).ok());
  EXPECT_EQ(due(100, 119), V{});
  EXPECT_EQ(due(100, 120), V{"shop"});

  // Refused: bad text (naming the field), a negative keep, an unknown template. The schedule
  // stays as it was.
  auto bad = core::set_schedule(ctx(), "shop", "0 25 * * *", 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_NE(bad.error().message.find("hour field"), std::string::npos) << bad.error().message;
  auto negative = core::set_schedule(ctx(), "shop", "@daily", -1);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, Errc::invalid_argument);
  auto unknown = core::set_schedule(ctx(), "nope", "@daily", 0);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::not_found);
  auto bad_name = core::set_schedule(ctx(), "../x", "@daily", 0);
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.error().code, Errc::invalid_argument);
  EXPECT_EQ(ctx().catalog().get_template("shop")->schedule, "@every 30s");

  auto cleared = core::set_schedule(ctx(), "shop", "", 0);
  ASSERT_TRUE(cleared.ok()) << cleared.error().message;
  EXPECT_EQ(cleared->row.schedule, "");
  EXPECT_EQ(cleared->row.keep_snapshots, 0);
  EXPECT_EQ(due(0, utc(2030, 1, 1, 0, 0)), V{});
}

TEST_F(ScheduleTest, EmptyTemplateRefusesASchedule) {
  core::TemplateRequest req;
  req.name = "blank";
  req.engine = "postgres";
  req.source = core::TemplateRequest::Source::empty;
  ASSERT_TRUE(core::create_template(ctx(), req, {}).ok());
  auto set = core::set_schedule(ctx(), "blank", "@daily", 0);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, Errc::invalid_argument);
  EXPECT_TRUE(core::set_schedule(ctx(), "blank", "", 0).ok()) << "clearing is always fine";
  EXPECT_TRUE(core::delete_template(ctx(), "blank", true).ok());
}

TEST_F(ScheduleTest, PruneKeepsTheNewestAndUsedSnapshots) {
  world_->make_template("pr", 5);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(core::refresh_template(ctx(), "pr", {}).ok());
  auto ids = snapshot_ids("pr");  // newest first: s5 s4 s3 s2 s1
  ASSERT_EQ(ids.size(), 5u);
  int64_t s5 = ids[0], s4 = ids[1], s3 = ids[2], s2 = ids[3], s1 = ids[4];
  core::CloneRequest req;
  req.template_name = "pr";
  req.name = "on-s3";
  req.snapshot_id = s3;
  ASSERT_TRUE(core::create_clone(ctx(), req).ok());
  req.name = "on-s1";
  req.snapshot_id = s1;
  ASSERT_TRUE(core::create_clone(ctx(), req).ok());

  // keep 1: s5 (newest), s3 and s1 (used), s4 (the newest unused); s2 goes.
  auto removed = core::prune_snapshots(ctx(), "pr", 1);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, std::vector<int64_t>{s2});
  EXPECT_EQ(snapshot_ids("pr"), (std::vector<int64_t>{s5, s4, s3, s1}));
  auto pool = ctx().pool();
  ASSERT_TRUE(pool.ok());
  EXPECT_FALSE((*pool)->exists("snap.pr." + std::to_string(s2)));
  EXPECT_TRUE((*pool)->exists("snap.pr." + std::to_string(s4)));

  // keep 0: the configured default (3) keeps everything left.
  removed = core::prune_snapshots(ctx(), "pr", 0);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(removed->empty());

  // keep 0 with the template's own keep (1): once s1 is unused, it goes and s4 stays.
  ASSERT_TRUE(core::set_schedule(ctx(), "pr", "@daily", 1).ok());
  ASSERT_TRUE(core::destroy_clone(ctx(), "on-s1", true).ok());
  removed = core::prune_snapshots(ctx(), "pr", 0);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, std::vector<int64_t>{s1});
  EXPECT_EQ(snapshot_ids("pr"), (std::vector<int64_t>{s5, s4, s3}));
  // The clones still work on their snapshots.
  EXPECT_EQ(world_->scalar("on-s3", "SELECT count(*) FROM items"), "5");

  auto negative = core::prune_snapshots(ctx(), "pr", -1);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, Errc::invalid_argument);
  world_->destroy_clones();
  EXPECT_TRUE(core::delete_template(ctx(), "pr", true).ok());
}

}  // namespace
}  // namespace dbtwin
