// Template data of a chosen size, as a SQL file for `template create --from-dump`. The import
// runs with durability off and the server generates the rows itself, so this is the cheapest
// way to a template of N gigabytes: no client round trips, no WAL (PostgreSQL creates and fills
// each table in one transaction at wal_level=minimal), one flush at the end.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/result.h"

namespace dbtwin::bench {

struct Dataset {
  std::filesystem::path sql;
  std::string recipe;  // what it holds, for the report, e.g. "pgbench scale 64"
};

// Writes <dir>/<engine>-<target>.sql (once; reused by every pool) aiming at a template whose
// snapshot takes about `target_bytes`:
//  - postgres: exactly what `pgbench -i -I dtGvp -s SCALE` does (server-side generation), so a
//    clone can run pgbench right away;
//  - mariadb: an InnoDB table of 800 random bytes per row, filled by INSERT ... SELECT from the
//    built-in Sequence engine in batches of 100,000 rows.
// The per-row constants were measured on PostgreSQL 15 and MariaDB 10.11; the report prints
// the real snapshot size next to each figure.
Result<Dataset> write_dataset(const std::filesystem::path& dir, const std::string& engine,
                              uint64_t target_bytes);

}  // namespace dbtwin::bench
