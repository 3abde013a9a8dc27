#include "engine/conn_url.h"

#include <gtest/gtest.h>

#include "engine/engine.h"

namespace dbtwin::engine {
namespace {

TEST(ConnUrl, ParsesEveryPart) {
  auto u = parse_conn_url("postgres://al%40ice:p%3Aw%2Fd@db.example:6543/my%20db?sslmode=require",
                          {"postgres", "postgresql"});
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->scheme, "postgres");
  EXPECT_EQ(u->user, "al@ice");
  EXPECT_EQ(u->password, "p:w/d");
  EXPECT_EQ(u->host, "db.example");
  EXPECT_EQ(u->port, 6543);
  EXPECT_EQ(u->database, "my db");
  EXPECT_EQ(u->query, "sslmode=require");
}

TEST(ConnUrl, ParsesIpv6AndMissingParts) {
  auto u = parse_conn_url("mysql://root@[::1]:3307/shop", {"mysql", "mariadb"});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 3307);
  EXPECT_EQ(u->password, "");
  auto bare = parse_conn_url("MySQL://host", {"mysql"});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->port, 0);
  EXPECT_EQ(bare->database, "");
}

TEST(ConnUrl, RefusesBadInputWithoutEchoingThePassword) {
  auto scheme = parse_conn_url("http://u:topsecret@h/db", {"postgres"});
  ASSERT_FALSE(scheme.ok());
  EXPECT_EQ(scheme.error().code, Errc::invalid_argument);
  EXPECT_EQ(scheme.error().message.find("topsecret"), std::string::npos);
  auto port = parse_conn_url("postgres://u:topsecret@h:99999/db", {"postgres"});
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.error().message.find("topsecret"), std::string::npos);
  EXPECT_FALSE(parse_conn_url("no scheme", {"postgres"}).ok());
}

TEST(ConnUrl, FormatsAndRoundTrips) {
  std::string url = format_conn_url("postgres", "127.0.0.1", 6900, "dev user", "p@ss:w/rd", "app");
  EXPECT_EQ(url, "postgres://dev%20user:p%40ss%3Aw%2Frd@127.0.0.1:6900/app");
  auto back = parse_conn_url(url, {"postgres"});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->user, "dev user");
  EXPECT_EQ(back->password, "p@ss:w/rd");
  EXPECT_EQ(format_conn_url("mysql", "::1", 3306, "root", "", "db"), "mysql://root@[::1]:3306/db");
}

TEST(EngineKind, ParsesNamesAndAliases) {
  EXPECT_EQ(*parse_kind("postgres"), Kind::postgres);
  EXPECT_EQ(*parse_kind("postgresql"), Kind::postgres);
  EXPECT_EQ(*parse_kind("mariadb"), Kind::mariadb);
  EXPECT_EQ(*parse_kind("mysql"), Kind::mariadb);
  EXPECT_EQ(parse_kind("oracle").error().code, Errc::invalid_argument);
  EXPECT_EQ(kind_name(Kind::postgres), "postgres");
  EXPECT_EQ(kind_name(Kind::mariadb), "mariadb");
}

TEST(EngineUrl, EachEngineUsesItsScheme) {
  auto pg = make_engine(Kind::postgres, {});
  auto my = make_engine(Kind::mariadb, {});
  ASSERT_TRUE(pg.ok() && my.ok());
  EXPECT_EQ((*pg)->url("h", 1, {"u", "p"}, "d"), "postgres://u:p@h:1/d");
  EXPECT_EQ((*my)->url("h", 2, {"u", "p"}, "d"), "mysql://u:p@h:2/d");
  EXPECT_EQ((*pg)->admin_user(), "postgres");
  EXPECT_EQ((*my)->admin_user(), "root");
}

}  // namespace
}  // namespace dbtwin::engine
