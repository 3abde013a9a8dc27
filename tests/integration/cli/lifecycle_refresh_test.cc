// Template refresh and delete through the real CLI, on every pool driver and both engines:
// running clones keep their snapshot and their connections, new clones get the new snapshot,
// and a template is deleted only when nothing depends on it, leaving nothing behind.
#include <gtest/gtest.h>

#include "base/strings.h"
#include "support/cli_matrix.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::sql;
using test::url_of;

class TemplateRefresh : public test::MatrixTest {};

TEST_P(TemplateRefresh, RunningClonesKeepTheirSnapshotAndDeleteCleansUp) {
  auto t = world_->items_template("shop", engine(), 200);
  ASSERT_TRUE(t.is_object());
  const int64_t old_snap = t["snapshots"][0]["id"].get<int64_t>();
  auto old1 = world_->create_clone("shop", "old1");
  ASSERT_TRUE(old1.is_object());
  const std::string old_url = old1["url"].get<std::string>();
  auto held = std::make_unique<test::HeldConnection>(old_url);
  ASSERT_TRUE(held->ok()) << held->error();
  ASSERT_EQ(held->scalar("SELECT COUNT(*) FROM items"), "200");
  const std::string server_before = test::server_identity(old_url);
  ASSERT_FALSE(starts_with(server_before, "ERROR")) << server_before;

  // The source changes; a refresh re-imports it into a new snapshot.
  test::write_text(world_->scratch() / "shop.sql", test::items_sql(300));
  auto refreshed = cli().ok_json({"template", "refresh", "shop"});
  ASSERT_TRUE(refreshed.is_object());
  ASSERT_EQ(refreshed["snapshots"].size(), 2u) << refreshed.dump();
  const int64_t new_snap = refreshed["snapshots"][0]["id"].get<int64_t>();
  EXPECT_NE(new_snap, old_snap);
  EXPECT_EQ(refreshed["snapshots"][1]["id"], old_snap);

  // The running clone was not interrupted: same connection, same server, same data.
  EXPECT_EQ(held->scalar("SELECT COUNT(*) FROM items"), "200");
  EXPECT_EQ(test::server_identity(old_url), server_before);
  auto shown = cli().ok_json({"clone", "show", "old1"});
  EXPECT_EQ(shown["snapshot"], old_snap);
  EXPECT_EQ(shown["state"], "running");

  // New clones get the new snapshot; --snapshot picks the old one.
  auto new1 = world_->create_clone("shop", "new1");
  EXPECT_EQ(new1["snapshot"], new_snap);
  EXPECT_EQ(sql(url_of(new1), "SELECT COUNT(*) FROM items"), "300");
  auto old2 = world_->create_clone("shop", "old2", {"--snapshot", std::to_string(old_snap)});
  EXPECT_EQ(old2["snapshot"], old_snap);
  EXPECT_EQ(sql(url_of(old2), "SELECT COUNT(*) FROM items"), "200");
  auto missing = cli().run({"clone", "create", "shop", "nosnap", "--snapshot", "999"});
  EXPECT_EQ(missing.exit_code, 3) << missing.err;

  // Delete refuses while clones depend on the template, and changes nothing.
  auto refused = cli().run({"template", "delete", "shop"});
  EXPECT_EQ(refused.exit_code, 4) << refused.err;
  EXPECT_NE(refused.err.find("old1"), std::string::npos) << refused.err;
  EXPECT_EQ(held->scalar("SELECT COUNT(*) FROM items"), "200");
  EXPECT_EQ(cli().ok_json({"template", "show", "shop"})["clones"], 3);

  // Forced, it destroys the clones and snapshots: no volume, mount or server is left.
  held.reset();
  auto forced = cli().run({"template", "delete", "shop", "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_TRUE(cli().ok_json({"template", "list"}).empty());
  EXPECT_TRUE(cli().ok_json({"clone", "list"}).empty());
  EXPECT_EQ(world_->volumes(), 0);
  EXPECT_TRUE(test::mounts_below(world_->pool_root()).empty());
  EXPECT_TRUE(test::processes_mentioning(world_->pool_root().string()).empty());
  EXPECT_TRUE(test::processes_mentioning(cli().state_dir().string()).empty());
  for (const auto& c : {old1, new1, old2}) {
    EXPECT_TRUE(starts_with(sql(url_of(c), "SELECT 1"), "ERROR")) << c["name"];
  }
  if (fs::exists(cli().state_dir() / "run")) {
    EXPECT_TRUE(fs::is_empty(cli().state_dir() / "run"));
  }
}

INSTANTIATE_TEST_SUITE_P(Drivers, TemplateRefresh, ::testing::ValuesIn(test::matrix()),
                         test::matrix_name);

}  // namespace
}  // namespace dbtwin
