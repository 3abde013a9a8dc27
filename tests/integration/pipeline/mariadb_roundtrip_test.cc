// MariaDB dump source to restore target, through a real server: every awkward type byte for byte,
// generated columns, AUTO_INCREMENT that continues, views, triggers, routines and events renamed
// into the target database, and Sakila whole.
#include <filesystem>

#include "engine/engine.h"
#include "mariadb_pipeline_util.h"

namespace dbtwin::test {
namespace {

// Every byte value, as hex for UNHEX().
std::string all_bytes_hex() {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (int i = 0; i < 256; ++i) {
    out += digits[i >> 4];
    out += digits[i & 15];
  }
  return out;
}

std::string awkward_schema() {
  return R"sql(
CREATE TABLE `Mixed``Case` (
  `Id` int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `Back``tick Col` varchar(20) UNIQUE,
  note varchar(20)
);
CREATE TABLE everything (
  id int NOT NULL AUTO_INCREMENT,
  owner_id int,
  b blob, bin binary(4), vb varbinary(10), bits bit(10), b1 bit(1), j json,
  e enum('a','b','c'), s set('x','y','z'), g geometry, pt point NOT NULL,
  dt datetime(6), ts timestamp(3) NULL DEFAULT NULL, d date, tm time(2), y year,
  dec1 decimal(30,10), f float, dbl double, u bigint unsigned,
  t mediumtext CHARACTER SET utf8mb4, lat varchar(20) CHARACTER SET latin1,
  big longblob,
  t_len int AS (char_length(t)) VIRTUAL,
  id2 int AS (owner_id * 2) STORED,
  PRIMARY KEY (id), KEY owner (owner_id), SPATIAL KEY sp (pt), FULLTEXT KEY ft (t),
  UNIQUE KEY uq_vb (vb),
  CONSTRAINT fk_owner FOREIGN KEY (owner_id) REFERENCES `Mixed``Case` (`Id`) ON DELETE CASCADE
) ENGINE=InnoDB;
CREATE TABLE ai_second (grp int NOT NULL, id int NOT NULL AUTO_INCREMENT, v varchar(10),
  PRIMARY KEY (grp, id), KEY by_id (id)) ENGINE=InnoDB;
CREATE TABLE audit (id int AUTO_INCREMENT PRIMARY KEY, what varchar(40));
CREATE TABLE empty_one (k int);

INSERT INTO `Mixed``Case` (`Back``tick Col`, note) VALUES ('first', 'a'), ('', NULL), (NULL, ''),
  ('tab	here', 'x'), ('gone', 'deleted below');
DELETE FROM `Mixed``Case` WHERE `Id` = 5;
INSERT INTO everything (owner_id, b, bin, vb, bits, b1, j, e, s, g, pt, dt, ts, d, tm, y, dec1, f,
  dbl, u, t, lat, big) VALUES
  (1, UNHEX(')sql" +
         all_bytes_hex() + R"sql('), x'00090a5c', x'1a0d0a09005c4e', b'1010101010', b'1',
   '{"k": "v\\n\\u00e9\\"", "n": [1, 2.5, null]}', 'b', 'x,z',
   ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 4326), POINT(1, 2),
   '2023-05-06 07:08:09.123456', '2023-03-26 02:30:00.125', '1999-12-31', '-838:59:59.99', 2155,
   '12345678901234567890.0123456789', 0.1, 1e308, 18446744073709551615,
   'tab\tnewline\nbackslash\\quote''dq"cr\rnul\0end', _latin1 x'636166E9', NULL),
  (2, '', '', '', b'0', b'0', '{}', 'a', '', ST_GeomFromText('POINT(3 4)', 3857), POINT(0, 0),
   '1000-01-01 00:00:00', '1970-01-01 00:00:01', '0000-00-00', '00:00:00', 1901, '-0.0000000001',
   -0.0, -1e-308, 0, '', '', ''),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, POINT(-1.5, 2.25), NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, x'f09f9880', NULL, 'x', NULL, NULL, '"Ünïcödé ✓ 日本語 😀"', 'c', 'x,y,z', NULL, POINT(5, 5),
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   'Ünïcödé ✓ 日本語 😀 Ελληνικά עברית', 'naïve', NULL),
  (4, NULL, NULL, 'big', NULL, NULL, NULL, NULL, NULL, NULL, POINT(9, 9), NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, REPEAT('x\\y\tz\n', 50000), NULL,
   REPEAT(x'00ff5c0a091a0d4e', 131072));
INSERT INTO ai_second (grp, v) VALUES (1, 'a'), (1, 'b'), (2, 'c');
CREATE VIEW `happy view` AS SELECT id, t FROM everything WHERE e = 'b';
CREATE VIEW happy_count AS SELECT COUNT(*) AS n FROM `happy view`;
CREATE TRIGGER everything_audit AFTER INSERT ON everything FOR EACH ROW
  INSERT INTO src.audit (what) VALUES (CONCAT('insert ', NEW.id));
CREATE FUNCTION count_everything() RETURNS int READS SQL DATA
BEGIN
  DECLARE n int;
  SELECT COUNT(*) INTO n FROM src.everything;
  RETURN n;
END;
CREATE PROCEDURE touch_audit(IN w varchar(40)) MODIFIES SQL DATA
BEGIN
  INSERT INTO audit (what) VALUES (w); -- a comment; with a semicolon
  INSERT INTO audit (what) VALUES ('done;');
END;
CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2035-01-01 00:00:00' DISABLE
  DO DELETE FROM audit WHERE what = 'never';
)sql";
}

class MariadbRoundTripTest : public MariadbPipelineTest {};

TEST_F(MariadbRoundTripTest, AwkwardTypesSurviveByteForByte) {
  MDB_ASSERT_OK(create_db("src"));
  MDB_ASSERT_OK(exec("src", awkward_schema()));
  MDB_ASSERT_OK(exec("src", "INSERT INTO audit (what) VALUES ('before the dump')"));

  MDB_ASSERT_OK(copy_database("src", "dst"));

  auto want = checksums("src");
  EXPECT_EQ(want.size(), 5u);
  EXPECT_EQ(checksums("dst"), want);
  EXPECT_EQ(schema_objects("dst"), schema_objects("src"));
  EXPECT_EQ(leftover_databases(), "0");

  // Byte-level spot checks on top of the checksums.
  EXPECT_EQ(scalar("dst", "SELECT HEX(b) FROM everything WHERE id = 1"), all_bytes_hex());
  EXPECT_EQ(scalar("dst", "SELECT HEX(lat) FROM everything WHERE id = 1"), "636166E9");
  EXPECT_EQ(scalar("dst", "SELECT BIN(bits) FROM everything WHERE id = 1"), "1010101010");
  EXPECT_EQ(scalar("dst",
                   "SELECT CONCAT(ST_AsText(g), ' ', ST_SRID(g)) FROM everything "
                   "WHERE id = 1"),
            "POLYGON((0 0,1 0,1 1,0 0)) 4326");
  EXPECT_EQ(scalar("dst", "SELECT LENGTH(big) FROM everything WHERE id = 5"), "1048576");
  EXPECT_EQ(scalar("dst", "SELECT COUNT(*) FROM everything WHERE t = '' AND lat = ''"), "1");
  EXPECT_EQ(scalar("dst", "SELECT COUNT(*) FROM everything WHERE t IS NULL"), "1");
  EXPECT_EQ(scalar("dst", "SELECT SUM(t_len) + SUM(id2) FROM everything"),
            scalar("src", "SELECT SUM(t_len) + SUM(id2) FROM everything"));

  // AUTO_INCREMENT continues where the source's counter was, not after the highest row.
  MDB_ASSERT_OK(exec("dst", "INSERT INTO `Mixed``Case` (note) VALUES ('next')"));
  EXPECT_EQ(scalar("dst", "SELECT MAX(`Id`) FROM `Mixed``Case`"), "6");
  MDB_ASSERT_OK(exec("dst", "INSERT INTO ai_second (grp, v) VALUES (2, 'd')"));
  EXPECT_EQ(scalar("dst", "SELECT MAX(id) FROM ai_second"), "4");

  // Views, triggers and routines work in the target, against the target's own tables.
  EXPECT_EQ(scalar("dst", "SELECT n FROM happy_count"), "1");
  EXPECT_EQ(scalar("dst", "SELECT count_everything()"), "5");
  MDB_ASSERT_OK(exec("dst", "INSERT INTO everything (pt) VALUES (POINT(7, 7))"));
  EXPECT_EQ(scalar("dst", "SELECT what FROM audit ORDER BY id DESC LIMIT 1"), "insert 6");
  EXPECT_EQ(scalar("src", "SELECT COUNT(*) FROM audit"), "1") << "the trigger wrote to src";
  MDB_ASSERT_OK(exec("dst", "CALL touch_audit('called')"));
  EXPECT_EQ(scalar("dst", "SELECT COUNT(*) FROM audit WHERE what IN ('called', 'done;')"), "2");
  EXPECT_EQ(scalar("dst", "SELECT COUNT(*) FROM everything"), "6");
  EXPECT_EQ(scalar("dst", "SELECT count_everything()"), "6") << "the function read src";
  // Foreign keys were added with their actions.
  MDB_ASSERT_OK(exec("dst", "DELETE FROM `Mixed``Case` WHERE `Id` = 1"));
  EXPECT_EQ(scalar("dst", "SELECT COUNT(*) FROM everything WHERE owner_id = 1"), "0");
}

TEST_F(MariadbRoundTripTest, DirectRestoreLoadsInPlace) {
  MDB_ASSERT_OK(create_db("src"));
  MDB_ASSERT_OK(exec("src", awkward_schema()));
  pipeline::RestoreOptions options;
  options.direct = true;
  MDB_ASSERT_OK(copy_database("src", "fresh", options));
  EXPECT_EQ(checksums("fresh"), checksums("src"));
  EXPECT_EQ(schema_objects("fresh"), schema_objects("src"));
  EXPECT_EQ(leftover_databases(), "0");
}

TEST_F(MariadbRoundTripTest, DatabaseNamedLikeItsTable) {
  // `shop`.`id` in the view is a column of table shop, not database shop: it must stay as is.
  MDB_ASSERT_OK(create_db("shop"));
  MDB_ASSERT_OK(exec("shop",
                     "CREATE TABLE shop (id int PRIMARY KEY, n int); "
                     "CREATE TABLE log (id int); INSERT INTO shop VALUES (1, 10), (2, 20); "
                     "CREATE VIEW shop_view AS SELECT shop.id, shop.n FROM shop.shop; "
                     "CREATE TRIGGER shop_log AFTER INSERT ON shop.shop FOR EACH ROW "
                     "INSERT INTO shop.log VALUES (NEW.id)"));
  MDB_ASSERT_OK(copy_database("shop", "shop_copy"));
  EXPECT_EQ(scalar("shop_copy", "SELECT SUM(n) FROM shop_view"), "30");
  MDB_ASSERT_OK(exec("shop_copy", "INSERT INTO shop VALUES (3, 30)"));
  EXPECT_EQ(scalar("shop_copy", "SELECT COUNT(*) FROM log"), "1");
  EXPECT_EQ(scalar("shop", "SELECT COUNT(*) FROM log"), "0");
  EXPECT_EQ(scalar("shop_copy", "SELECT SUM(n) FROM shop_view"), "60");
}

TEST_F(MariadbRoundTripTest, Sakila) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(DBTWIN_FIXTURES_DIR) / "sakila";
  if (!fs::exists(dir)) GTEST_SKIP() << "fixtures not present at " << dir;
  for (auto part : {"sakila-schema.sql", "sakila-data.sql"}) {
    engine::ImportSource src;
    src.path = dir / part;
    MDB_ASSERT_OK(engine_->import(server_->spec(), server_->admin(), "sakila", src, nullptr));
  }

  MDB_ASSERT_OK(copy_database("sakila", "sakila_copy"));

  auto want = checksums("sakila");
  EXPECT_EQ(want.size(), 16u);
  EXPECT_EQ(checksums("sakila_copy"), want);
  EXPECT_EQ(schema_objects("sakila_copy"), schema_objects("sakila"));
  EXPECT_EQ(leftover_databases(), "0");
  const std::string fks =
      "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
      "DATABASE()";
  EXPECT_EQ(scalar("sakila_copy", fks), scalar("sakila", fks));
  EXPECT_EQ(scalar("sakila_copy", fks), "22");
  EXPECT_EQ(scalar("sakila_copy", "SELECT COUNT(*) FROM sales_by_store"), "2");
  EXPECT_EQ(scalar("sakila_copy", "SELECT ST_AsText(location) FROM address WHERE address_id = 1"),
            scalar("sakila", "SELECT ST_AsText(location) FROM address WHERE address_id = 1"));
  // The film triggers keep film_text in step, in the copy.
  MDB_ASSERT_OK(
      exec("sakila_copy", "INSERT INTO film (title, language_id) VALUES ('NEW FILM', 1)"));
  EXPECT_EQ(scalar("sakila_copy", "SELECT COUNT(*) FROM film_text WHERE title = 'NEW FILM'"), "1");
  EXPECT_EQ(scalar("sakila", "SELECT COUNT(*) FROM film_text WHERE title = 'NEW FILM'"), "0");
}

}  // namespace
}  // namespace dbtwin::test
