// The MariaDB script splitter and the pre/post-data split of mariadb-dump's DDL.
#include <gtest/gtest.h>

#include <filesystem>

#include "os/files.h"
#include "pipeline/mariadb_schema.h"
#include "pipeline/mariadb_script.h"

namespace dbtwin::pipeline {
namespace {

std::vector<std::string> split_ok(std::string_view script) {
  auto r = split_sql_script(script);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : std::vector<std::string>{};
}

TEST(MariadbScript, SplitsOnSemicolonsOutsideQuotesAndComments) {
  auto s = split_ok(
      "SELECT 'a;b', \"c;d\", `e;f`;\n"
      "-- comment; here\n"
      "# another; one\n"
      "/* block; comment */ SELECT 'it''s', 'back\\';slash';\n"
      "SELECT 1 --not-a-comment\n;");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0], "SELECT 'a;b', \"c;d\", `e;f`");
  EXPECT_EQ(s[1], "SELECT 'it''s', 'back\\';slash'");
  EXPECT_EQ(s[2], "SELECT 1 --not-a-comment");
}

TEST(MariadbScript, HonoursDelimiterAndExecutableComments) {
  auto s = split_ok(
      "/*M!999999\\- enable the sandbox mode */ \n"
      "/*!40101 SET NAMES utf8mb4 */;\n"
      "DELIMITER ;;\n"
      "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER t BEFORE INSERT "
      "ON x FOR EACH ROW BEGIN SET NEW.a = 1; SET NEW.b = ';;'; END */;;\n"
      "delimiter $$\n"
      "CREATE PROCEDURE p() BEGIN SELECT 1; END$$\n"
      "DELIMITER ;\n"
      "SELECT 2;");
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0], "/*!40101 SET NAMES utf8mb4 */");
  EXPECT_NE(s[1].find("SET NEW.b = ';;'; END */"), std::string::npos) << s[1];
  EXPECT_EQ(s[2], "CREATE PROCEDURE p() BEGIN SELECT 1; END");
  EXPECT_EQ(s[3], "SELECT 2");
  EXPECT_EQ(sql_code(s[0]), "SET NAMES utf8mb4");
  EXPECT_EQ(sql_code(s[1]).substr(0, 50), "CREATE DEFINER=`root`@`localhost` TRIGGER t BEFORE");
}

TEST(MariadbScript, RefusesUnterminatedQuotesAndComments) {
  EXPECT_FALSE(split_sql_script("SELECT 'abc;").ok());
  EXPECT_FALSE(split_sql_script("SELECT 1 /* open;").ok());
  EXPECT_FALSE(split_sql_script("DELIMITER \nSELECT 1;").ok());
}

TEST(MariadbScript, JoinIsTheInverseOfSplit) {
  std::vector<std::string> stmts = {"SET NAMES utf8mb4",
                                    "CREATE PROCEDURE p() BEGIN SELECT ';;'; SELECT '$$'; END",
                                    "SELECT 1 -- trailing comment",
                                    "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1"};
  EXPECT_EQ(split_ok(join_sql_script(stmts)), stmts);
}

TEST(MariadbScript, RenamesDatabaseReferencesInCodeOnly) {
  EXPECT_EQ(rename_database_refs(
                "INSERT INTO `src`.`audit` SELECT 'src.x', src.t.a FROM src.t /* src.c */ JOIN "
                "srcx.t JOIN `src` ",
                "src", "dst"),
            "INSERT INTO `dst`.`audit` SELECT 'src.x', `dst`.t.a FROM `dst`.t /* src.c */ JOIN "
            "srcx.t JOIN `src` ");
  EXPECT_EQ(
      rename_database_refs("/*!50003 ALTER DATABASE `src` CHARACTER SET utf8 */", "src", "d`b"),
      "/*!50003 ALTER DATABASE `d``b` CHARACTER SET utf8 */");
  // Only the head of a dotted name: in shop.shop.id the second `shop` is a table.
  EXPECT_EQ(rename_database_refs("SELECT `shop`.`shop`.`id`, shop.shop.id", "shop", "copy"),
            "SELECT `copy`.`shop`.`id`, `copy`.shop.id");
}

constexpr std::string_view kCreate =
    "CREATE TABLE `t` (\n"
    "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
    "  `grp` int(11) NOT NULL,\n"
    "  `name` varchar(20) DEFAULT 'KEY x, CONSTRAINT',\n"
    "  `doc` text DEFAULT NULL,\n"
    "  PRIMARY KEY (`grp`,`id`),\n"
    "  UNIQUE KEY `u_name` (`name`),\n"
    "  KEY `by_id` (`id`),\n"
    "  KEY `by_name` (`name`,`grp`),\n"
    "  FULLTEXT KEY `ft` (`doc`),\n"
    "  CONSTRAINT `fk` FOREIGN KEY (`grp`) REFERENCES `g` (`id`) ON DELETE CASCADE,\n"
    "  CONSTRAINT `chk` CHECK (`grp` > 0)\n"
    ") ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4";

TEST(MariadbSchema, CreateTableKeepsOnlyThePrimaryKeyAndTheAutoIncrementKey) {
  auto parts = split_create_table(kCreate, "id");
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  EXPECT_EQ(parts->table, "t");
  EXPECT_EQ(parts->create,
            "CREATE TABLE `t` (\n"
            "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
            "  `grp` int(11) NOT NULL,\n"
            "  `name` varchar(20) DEFAULT 'KEY x, CONSTRAINT',\n"
            "  `doc` text DEFAULT NULL,\n"
            "  PRIMARY KEY (`grp`,`id`),\n"
            "  KEY `by_id` (`id`)\n"
            ") ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4");
  EXPECT_EQ(parts->indexes, (std::vector<std::string>{"UNIQUE KEY `u_name` (`name`)",
                                                      "KEY `by_name` (`name`,`grp`)"}));
  EXPECT_EQ(parts->fulltext, (std::vector<std::string>{"FULLTEXT KEY `ft` (`doc`)"}));
  EXPECT_EQ(parts->constraints,
            (std::vector<std::string>{
                "CONSTRAINT `fk` FOREIGN KEY (`grp`) REFERENCES `g` (`id`) ON DELETE CASCADE",
                "CONSTRAINT `chk` CHECK (`grp` > 0)"}));
}

TEST(MariadbSchema, SplitsTheDumpIntoPreAndPostData) {
  std::string tables_dump =
      "/*M!999999\\- enable the sandbox mode */ \n"
      "/*!40101 SET NAMES utf8mb4 */;\n"
      "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
      "DROP TABLE IF EXISTS `a_view`;\n"
      "/*!50001 DROP VIEW IF EXISTS `a_view`*/;\n"
      "SET @saved_cs_client     = @@character_set_client;\n"
      "SET character_set_client = utf8mb4;\n"
      "/*!50001 CREATE VIEW `a_view` AS SELECT\n 1 AS `id` */;\n"
      "SET character_set_client = @saved_cs_client;\n"
      "DROP TABLE IF EXISTS `t`;\n"
      "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
      "/*!40101 SET character_set_client = utf8mb4 */;\n" +
      std::string(kCreate) +
      ";\n"
      "/*!40101 SET character_set_client = @saved_cs_client */;\n"
      "/*!50001 DROP VIEW IF EXISTS `a_view`*/;\n"
      "/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50001 VIEW `a_view` AS select `id` from `t` */;\n"
      "/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n";
  std::string objects_dump =
      "/*!40101 SET NAMES utf8mb4 */;\n"
      "DELIMITER ;;\n"
      "/*!50003 CREATE*/ /*!50003 TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.grp = 1 "
      "*/;;\nDELIMITER ;\n";
  auto ddl = split_mariadb_ddl(tables_dump, objects_dump, {{"t", "id"}});
  ASSERT_TRUE(ddl.ok()) << ddl.error().message;

  auto pre = split_ok(ddl->pre_data);
  ASSERT_EQ(pre.size(), 6u) << ddl->pre_data;
  EXPECT_EQ(sql_code(pre[0]), "SET NAMES utf8mb4");
  EXPECT_EQ(sql_code(pre[2]), "SET @saved_cs_client = @@character_set_client");
  EXPECT_EQ(pre[4].substr(0, 18), "CREATE TABLE `t` (");
  EXPECT_EQ(sql_code(pre[5]), "SET character_set_client = @saved_cs_client");

  auto post = split_post_data(ddl->post_data);
  auto tables = split_ok(post.tables);
  ASSERT_EQ(tables.size(), 7u) << post.tables;
  EXPECT_EQ(tables[2], "SET UNIQUE_CHECKS = 1");
  EXPECT_EQ(tables[3],
            "ALTER TABLE `t` ADD UNIQUE KEY `u_name` (`name`), ADD KEY `by_name` (`name`,`grp`)");
  EXPECT_EQ(tables[4], "ALTER TABLE `t` ADD FULLTEXT KEY `ft` (`doc`)");
  EXPECT_EQ(tables[5], "SET FOREIGN_KEY_CHECKS = 1");
  EXPECT_EQ(tables[6].substr(0, 36), "ALTER TABLE `t` ADD CONSTRAINT `fk` ");

  auto objects = split_ok(post.objects);
  std::string all;
  for (const auto& o : objects) all += sql_code(o) + "\n";
  EXPECT_NE(all.find("CREATE VIEW `a_view` AS SELECT 1 AS `id`\nSET character_set_client = "
                     "@saved_cs_client\nDROP VIEW IF EXISTS `a_view`\nCREATE ALGORITHM=UNDEFINED "
                     "VIEW `a_view`"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("CREATE TRIGGER tr BEFORE INSERT"), std::string::npos) << all;
  EXPECT_EQ(all.find("DROP TABLE"), std::string::npos) << all;
  EXPECT_EQ(all.find("CREATE TABLE"), std::string::npos) << all;
}

TEST(MariadbScript, SplitsSakilasSchemaFile) {
  std::filesystem::path file =
      std::filesystem::path(DBTWIN_FIXTURES_DIR) / "sakila" / "sakila-schema.sql";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "fixtures not present at " << file;
  auto text = os::read_file(file);
  ASSERT_TRUE(text.ok()) << text.error().message;
  auto stmts = split_ok(*text);
  int routines = 0;
  for (const auto& s : stmts) {
    auto code = sql_code(s);
    if (code.rfind("CREATE PROCEDURE", 0) == 0 || code.rfind("CREATE FUNCTION", 0) == 0) {
      ++routines;
      EXPECT_NE(code.find("END"), std::string::npos) << code;
    }
  }
  EXPECT_EQ(routines, 6);
}

}  // namespace
}  // namespace dbtwin::pipeline
