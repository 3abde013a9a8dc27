#include "datagen.h"

#include <algorithm>

#include <fmt/format.h>

#include "os/files.h"

namespace dbtwin::bench {

namespace {

// An empty template's snapshot, and what one more unit of data adds to it (measured).
constexpr uint64_t kPgBase = 48'000'000;
constexpr uint64_t kPgPerScale = 16'000'000;  // 100,000 pgbench_accounts rows and their index
constexpr uint64_t kMariaBase = 35'000'000;
// 800 random bytes, key and InnoDB overhead: 943 to 1,085 bytes a row was measured between
// 65,000 and 5 million rows (pages split unevenly, the system tablespace grows).
constexpr uint64_t kMariaPerRow = 960;
constexpr uint64_t kMariaBatch = 100'000;

uint64_t units(uint64_t target, uint64_t base, uint64_t per_unit) {
  return std::max<uint64_t>(1, (target > base ? target - base : 0) / per_unit);
}

std::string pgbench_sql(uint64_t scale) {
  // pgbench.c, initCreateTables + initGenerateDataServerSide + initVacuum + initCreatePKeys.
  // Creating and filling each table in one transaction lets wal_level=minimal skip its WAL.
  return fmt::format(
      "BEGIN;\n"
      "CREATE TABLE pgbench_history(tid int, bid int, aid int, delta int, mtime timestamp, "
      "filler char(22));\n"
      "CREATE TABLE pgbench_tellers(tid int not null, bid int, tbalance int, filler char(84)) "
      "WITH (fillfactor=100);\n"
      "CREATE TABLE pgbench_accounts(aid int not null, bid int, abalance int, filler char(84)) "
      "WITH (fillfactor=100);\n"
      "CREATE TABLE pgbench_branches(bid int not null, bbalance int, filler char(88)) "
      "WITH (fillfactor=100);\n"
      "INSERT INTO pgbench_branches(bid, bbalance) SELECT bid, 0 FROM generate_series(1, {0}) "
      "AS bid;\n"
      "INSERT INTO pgbench_tellers(tid, bid, tbalance) SELECT tid, (tid - 1) / 10 + 1, 0 "
      "FROM generate_series(1, {1}) AS tid;\n"
      "INSERT INTO pgbench_accounts(aid, bid, abalance, filler) SELECT aid, "
      "(aid - 1) / 100000 + 1, 0, '' FROM generate_series(1, {2}) AS aid;\n"
      "COMMIT;\n"
      "VACUUM ANALYZE pgbench_branches, pgbench_tellers, pgbench_accounts, pgbench_history;\n"
      "ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid);\n"
      "ALTER TABLE pgbench_tellers ADD PRIMARY KEY (tid);\n"
      "ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid);\n",
      scale, scale * 10, scale * 100'000);
}

std::string mariadb_sql(uint64_t rows) {
  // Random bytes: nothing for a file system or a storage engine to compress or deduplicate.
  std::string sql =
      "CREATE TABLE filler (id BIGINT NOT NULL PRIMARY KEY, pad VARBINARY(1000) NOT NULL) "
      "ENGINE=InnoDB;\n";
  for (uint64_t first = 1; first <= rows; first += kMariaBatch) {
    uint64_t last = std::min(rows, first + kMariaBatch - 1);
    sql += fmt::format("INSERT INTO filler SELECT seq, RANDOM_BYTES(800) FROM seq_{}_to_{};\n",
                       first, last);
  }
  return sql;
}

}  // namespace

Result<Dataset> write_dataset(const std::filesystem::path& dir, const std::string& engine,
                              uint64_t target_bytes) {
  Dataset d;
  d.sql = dir / fmt::format("{}-{}.sql", engine, target_bytes);
  std::string sql;
  if (engine == "postgres") {
    uint64_t scale = units(target_bytes, kPgBase, kPgPerScale);
    sql = pgbench_sql(scale);
    d.recipe = fmt::format("pgbench scale {}", scale);
  } else if (engine == "mariadb") {
    uint64_t rows = units(target_bytes, kMariaBase, kMariaPerRow);
    sql = mariadb_sql(rows);
    d.recipe = fmt::format("{} rows x 800 random bytes", rows);
  } else {
    return err(Errc::invalid_argument, "unknown engine '{}'", engine);
  }
  TRY(os::make_dirs(dir, 0755));
  TRY(os::write_file_atomic(d.sql, sql, 0644));
  return d;
}

}  // namespace dbtwin::bench
