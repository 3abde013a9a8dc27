#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "base/unique_fd.h"
#include "catalog/catalog.h"
#include "support/temp_dir.h"

namespace dbtwin::catalog {
namespace {

std::unique_ptr<Catalog> open_in(const test::TempDir& dir) {
  auto cat = Catalog::open(dir / "catalog.db");
  EXPECT_TRUE(cat.ok()) << cat.error().message;
  return std::move(*cat);
}

TemplateRow shop() {
  TemplateRow t;
  t.name = "shop";
  t.engine = "postgres";
  t.database = "shop";
  t.source_kind = "empty";
  t.admin_user = "postgres";
  t.admin_password = "pw";
  t.state = "ready";
  return t;
}

TEST(Catalog, MigratesOnceAndReopens) {
  test::TempDir dir;
  EXPECT_EQ(open_in(dir)->schema_version(), 2);
  auto again = open_in(dir);
  EXPECT_EQ(again->schema_version(), 2);
  ASSERT_TRUE(again->set_setting("pool.driver", "btrfs").ok());
  EXPECT_EQ(*open_in(dir)->setting("pool.driver").value(), "btrfs");
}

TEST(Catalog, TemplatesAreUniqueAndMissingOnesNotFound) {
  test::TempDir dir;
  auto cat = open_in(dir);
  ASSERT_TRUE(cat->insert_template(shop()).ok());
  auto dup = cat->insert_template(shop());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Errc::already_exists);
  auto missing = cat->get_template("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(cat->list_templates()->size(), 1u);
}

TEST(Catalog, SnapshotIdsAreNeverReused) {
  test::TempDir dir;
  auto cat = open_in(dir);
  ASSERT_TRUE(cat->insert_template(shop()).ok());
  std::set<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    SnapshotRow s;
    s.id = *cat->next_snapshot_id();
    s.template_name = "shop";
    s.volume = "snap.shop." + std::to_string(s.id);
    s.state = "ready";
    s.origin = "import";
    ASSERT_TRUE(cat->insert_snapshot(s).ok());
    ids.insert(s.id);
    ASSERT_TRUE(cat->delete_snapshot(s.id).ok());
  }
  EXPECT_EQ(ids.size(), 3u);
}

TEST(Catalog, ClonesRoundTripAndPortsAreUnique) {
  test::TempDir dir;
  auto cat = open_in(dir);
  ASSERT_TRUE(cat->insert_template(shop()).ok());
  SnapshotRow s;
  s.id = *cat->next_snapshot_id();
  s.template_name = "shop";
  s.volume = "snap.shop.1";
  s.state = "ready";
  s.origin = "import";
  ASSERT_TRUE(cat->insert_snapshot(s).ok());
  CloneRow c;
  c.name = "dev1";
  c.template_name = "shop";
  c.snapshot_id = s.id;
  c.engine = "postgres";
  c.volume = "clone.dev1";
  c.port = 6000;
  c.user = "dbtwin";
  c.password = "secret";
  c.database = "shop";
  c.owner = "ada";
  c.state = "creating";
  c.op = {123, 456};
  ASSERT_TRUE(cat->insert_clone(c).ok());
  c.state = "running";
  c.is_protected = true;
  c.expires_at = 99;
  ASSERT_TRUE(cat->update_clone(c).ok());
  auto back = *cat->get_clone("dev1");
  EXPECT_EQ(back.state, "running");
  EXPECT_TRUE(back.is_protected);
  EXPECT_EQ(back.expires_at, 99);
  EXPECT_EQ(back.op.pid, 123);
  EXPECT_EQ(*cat->clones_using_snapshot(s.id), 1);

  CloneRow other = c;
  other.name = "dev2";
  other.volume = "clone.dev2";
  EXPECT_FALSE(cat->insert_clone(other).ok());  // same port
  other.port = 6001;
  other.name = "dev1";
  auto dup = cat->insert_clone(other);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Errc::already_exists);
  ASSERT_TRUE(cat->delete_clone("dev1").ok());
  EXPECT_FALSE(cat->find_clone("dev1")->has_value());
}

TEST(Catalog, PortsSkipBoundOnesAndRunOut) {
  test::TempDir dir;
  auto cat = open_in(dir);
  // Something outside dbtwin listens on the first port of the range.
  UniqueFd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int base = 0;
  for (base = 31000; base < 32000; base += 3) {
    addr.sin_port = htons(static_cast<uint16_t>(base));
    if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) break;
  }
  ASSERT_EQ(::listen(sock.get(), 1), 0);
  auto p1 = cat->take_port(base, base + 2, "clone:a", "127.0.0.1");
  ASSERT_TRUE(p1.ok()) << p1.error().message;
  EXPECT_EQ(*p1, base + 1);
  EXPECT_EQ(*cat->take_port(base, base + 2, "clone:b", "127.0.0.1"), base + 2);
  auto full = cat->take_port(base, base + 2, "clone:c", "127.0.0.1");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Errc::unavailable);
  ASSERT_TRUE(cat->release_ports_of("clone:a").ok());
  EXPECT_EQ(*cat->take_port(base, base + 2, "clone:c", "127.0.0.1"), base + 1);
}

TEST(Catalog, ConcurrentWritersNeverShareAPort) {
  test::TempDir dir;
  open_in(dir);  // migrate once
  constexpr int kWriters = 8;
  std::vector<int> got(kWriters, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      // Each writer has its own connection, as separate processes would.
      auto cat = Catalog::open(dir / "catalog.db");
      if (!cat) return;
      auto p = (*cat)->take_port(33000, 33099, "clone:w" + std::to_string(i), "127.0.0.1");
      if (p) got[static_cast<size_t>(i)] = *p;
    });
  }
  for (auto& t : threads) t.join();
  std::set<int> distinct(got.begin(), got.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kWriters));
  EXPECT_EQ(distinct.count(0), 0u);
}

}  // namespace
}  // namespace dbtwin::catalog
