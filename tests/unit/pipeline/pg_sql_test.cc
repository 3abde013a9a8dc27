// Quoting and script clean-up of the PostgreSQL dump source and restore target.
#include <gtest/gtest.h>

#include "pipeline/pg_conn.h"
#include "pipeline/pg_schema.h"

namespace dbtwin::pipeline {
namespace {

TEST(PgSql, QuotesIdentifiersAndLiterals) {
  EXPECT_EQ(pg_quote_ident("Track"), "\"Track\"");
  EXPECT_EQ(pg_quote_ident("a \"b\""), "\"a \"\"b\"\"\"");
  EXPECT_EQ(pg_qualified("Other Schema", "t"), "\"Other Schema\".\"t\"");
  EXPECT_EQ(pg_quote_literal("it's"), "'it''s'");
  EXPECT_EQ(pg_quote_literal("back\\slash"), "'back\\slash'");
}

TEST(PgSql, StripsPsqlMetaCommandsOnly) {
  std::string script =
      "--\n\\restrict AbC123\n\nSET x = 1;\nCREATE FUNCTION f() RETURNS text AS $$\n"
      "SELECT '\\restrictive';\n$$ LANGUAGE sql;\n\\unrestrict AbC123\n";
  EXPECT_EQ(strip_psql_meta(script),
            "--\n\nSET x = 1;\nCREATE FUNCTION f() RETURNS text AS $$\n"
            "SELECT '\\restrictive';\n$$ LANGUAGE sql;\n");
  EXPECT_EQ(strip_psql_meta("SELECT 1;"), "SELECT 1;");
}

TEST(PgSql, ParamsComeFromTheUrl) {
  auto p =
      pg_params_from_url("postgresql://us%40er:p%3Ass@db.example:6543/My%20DB?sslmode=require");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->user, "us@er");
  EXPECT_EQ(p->password, "p:ss");
  EXPECT_EQ(p->host, "db.example");
  EXPECT_EQ(p->port, 6543);
  EXPECT_EQ(p->database, "My DB");
  EXPECT_EQ(p->sslmode, "require");
  EXPECT_FALSE(pg_params_from_url("postgres://h:5432").ok());
  EXPECT_FALSE(pg_params_from_url("mysql://h/db").ok());
}

}  // namespace
}  // namespace dbtwin::pipeline
