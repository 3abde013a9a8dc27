#include <gtest/gtest.h>

#include <fstream>

#include "core/config.h"
#include "support/temp_dir.h"

namespace dbtwin::core {
namespace {

TEST(Config, EmbeddedDefaults) {
  auto c = load_config(std::nullopt, {{"HOME", "/home/ada"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->port_min, 6000);
  EXPECT_EQ(c->port_max, 6999);
  EXPECT_EQ(c->pool_driver, "auto");
  if (::geteuid() == 0)
    EXPECT_EQ(c->state_dir, "/var/lib/dbtwin");
  else
    EXPECT_EQ(c->state_dir, "/home/ada/.local/share/dbtwin");
  EXPECT_EQ(c->pool_root(), c->state_dir / "pool");
}

TEST(Config, FileThenEnvironment) {
  test::TempDir dir;
  std::ofstream(dir / "dbtwin.toml")
      << "state_dir = \"/srv/dbtwin\"\nport_range = \"7000-7010\"\n"
         "default_ttl = \"8h\"\n[pool]\ndriver = \"reflink\"\n"
         "[postgres]\nshared_buffers = \"64MB\"\nmax_connections = 20\n";
  auto c = load_config(dir / "dbtwin.toml", {{"DBTWIN_PORT_RANGE", "8000-8099"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->state_dir, "/srv/dbtwin");
  EXPECT_EQ(c->port_min, 8000);  // the environment wins over the file
  EXPECT_EQ(c->port_max, 8099);
  EXPECT_EQ(c->pool_driver, "reflink");
  EXPECT_EQ(c->default_ttl.count(), 8 * 3600);
  EXPECT_EQ(c->memory.pg_shared_buffers, "64MB");
  EXPECT_EQ(c->memory.pg_max_connections, 20);
  EXPECT_EQ(c->loaded_from, dir / "dbtwin.toml");
}

TEST(Config, DbtwinConfigVariableNamesTheFile) {
  test::TempDir dir;
  std::ofstream(dir / "x.toml") << "run_as = \"svc\"\n";
  auto c = load_config(std::nullopt, {{"DBTWIN_CONFIG", (dir / "x.toml").string()}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->run_as, "svc");
}

TEST(Config, BadInputIsACleanError) {
  test::TempDir dir;
  std::ofstream(dir / "unknown.toml") << "colour = \"blue\"\n";
  std::ofstream(dir / "broken.toml") << "port_range = \n";
  std::ofstream(dir / "range.toml") << "port_range = \"9-3\"\n";
  for (const char* f : {"unknown.toml", "broken.toml", "range.toml"}) {
    auto c = load_config(dir / f, {});
    ASSERT_FALSE(c.ok()) << f;
    EXPECT_EQ(c.error().code, Errc::invalid_argument) << f;
    EXPECT_NE(c.error().message.find(f), std::string::npos) << c.error().message;
  }
  auto missing = load_config(dir / "absent.toml", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  auto env = load_config(std::nullopt, {{"DBTWIN_DEFAULT_TTL", "soon"}});
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.error().message.find("DBTWIN_DEFAULT_TTL"), std::string::npos);
}

}  // namespace
}  // namespace dbtwin::core
