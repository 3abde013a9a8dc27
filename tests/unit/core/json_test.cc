#include <gtest/gtest.h>

#include "core/json.h"

namespace dbtwin::core {
namespace {

using nlohmann::json;

CloneView sample_clone() {
  CloneView v;
  auto& r = v.row;
  r.name = "dev1";
  r.template_name = "shop";
  r.snapshot_id = 7;
  r.engine = "postgres";
  r.port = 6012;
  r.user = "dbtwin";
  r.password = "s3cret";
  r.database = "shop";
  r.owner = "ada";
  r.is_protected = true;
  r.created_at = 1'700'000'000;
  r.expires_at = 1'700'003'600;
  r.restarts = 2;
  r.state = v.state = "running";
  v.host = "127.0.0.1";
  v.url = "postgres://dbtwin:s3cret@127.0.0.1:6012/shop";
  v.used_bytes = 123'456;
  v.seconds = 0.25;
  return v;
}

catalog::SnapshotRow sample_snapshot(int64_t id) {
  catalog::SnapshotRow s;
  s.id = id;
  s.template_name = "shop";
  s.state = "ready";
  s.origin = id == 1 ? "import" : "refresh";
  s.size_bytes = 40'000'000 + id;
  s.created_at = 1'690'000'000 + id;
  return s;
}

TemplateView sample_template() {
  TemplateView v;
  v.row.name = "shop";
  v.row.engine = "mariadb";
  v.row.database = "shop";
  v.row.state = "ready";
  v.row.source_kind = "dump";
  v.row.created_at = 1'690'000'000;
  v.row.schedule = "0 3 * * *";
  v.row.keep_snapshots = 4;
  v.snapshots = {sample_snapshot(2), sample_snapshot(1)};
  v.clones = 3;
  v.source = "/dumps/shop.sql.zst";
  v.seconds = 12.5;
  return v;
}

// to_json(from_json(to_json(x))) == to_json(x): reading back loses nothing the JSON shows.
template <typename T>
void expect_round_trip(const T& value) {
  json once = to_json(value);
  auto back = from_json<T>(json::parse(once.dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(to_json(*back), once);
}

TEST(Json, CloneRoundTrip) {
  auto v = sample_clone();
  expect_round_trip(v);
  auto back = *from_json<CloneView>(to_json(v));
  EXPECT_EQ(back.row.created_at, v.row.created_at);
  EXPECT_EQ(back.row.expires_at, v.row.expires_at);
  EXPECT_TRUE(back.row.is_protected);
  EXPECT_EQ(back.used_bytes, v.used_bytes);
  EXPECT_DOUBLE_EQ(back.seconds, 0.25);
}

TEST(Json, CloneWithoutSpaceOrExpiry) {
  auto v = sample_clone();
  v.used_bytes.reset();
  v.row.expires_at = 0;
  v.seconds = 0;
  v.state = "crashed";
  expect_round_trip(v);
  auto j = to_json(v);
  EXPECT_TRUE(j["expires_at"].is_null());
  EXPECT_TRUE(j["used_bytes"].is_null());
  EXPECT_FALSE(j.contains("seconds"));
  auto back = *from_json<CloneView>(j);
  EXPECT_FALSE(back.used_bytes.has_value());
  EXPECT_EQ(back.state, "crashed");
}

TEST(Json, TemplateAndSnapshotRoundTrip) {
  expect_round_trip(sample_template());
  expect_round_trip(sample_snapshot(5));
  auto back = *from_json<TemplateView>(to_json(sample_template()));
  ASSERT_EQ(back.snapshots.size(), 2u);
  EXPECT_EQ(back.snapshots[0].id, 2);
  EXPECT_EQ(back.row.schedule, "0 3 * * *");
  EXPECT_EQ(back.row.keep_snapshots, 4);
  TemplateView empty;
  empty.row.name = "bare";
  expect_round_trip(empty);
}

TEST(Json, PoolStatusRoundTrip) {
  PoolStatus s{"reflink",      "/var/lib/dbtwin/pool", "/var/lib/dbtwin/pool.img",
               20'000'000'000, 9'000'000'000,          12};
  expect_round_trip(s);
  s.image.reset();
  expect_round_trip(s);
}

TEST(Json, ArraysAndMalformedInput) {
  json arr = json::array({to_json(sample_clone()), to_json(sample_clone())});
  auto views = vector_from_json<CloneView>(arr);
  ASSERT_TRUE(views.ok()) << views.error().message;
  EXPECT_EQ(views->size(), 2u);

  EXPECT_EQ(vector_from_json<CloneView>(json::object()).error().code, Errc::internal);
  EXPECT_EQ(from_json<CloneView>(json("dev1")).error().code, Errc::internal);
  auto bad = from_json<CloneView>(json{{"name", "dev1"}, {"port", "not a number"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::internal);
  auto bad_snap = from_json<TemplateView>(json{{"name", "t"}, {"snapshots", json::array({1})}});
  EXPECT_FALSE(bad_snap.ok());
}

}  // namespace
}  // namespace dbtwin::core
