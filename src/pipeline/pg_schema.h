// What a PostgreSQL dump reads besides rows: the tables, columns and foreign keys from the
// catalog, the DDL from pg_dump (pre-data and post-data), and the sequence values, all under
// the dump's exported snapshot.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pipeline/dump_model.h"
#include "pipeline/pg_conn.h"

namespace dbtwin::pipeline {

struct PgCatalog {
  // Ordinary tables that are not partitions, and partitioned parents (whose rows are those of
  // all their partitions); ids are their indexes. System schemas, temporary tables, foreign
  // tables and extension members are left out.
  std::vector<TableInfo> tables;
  std::vector<bool> partitioned;         // per table: read through the parent without ONLY
  std::vector<ForeignKey> foreign_keys;  // between listed tables, partitions mapped to parents
};

// Reads the catalog in `s` (inside the snapshot's transaction).
Result<PgCatalog> read_pg_catalog(PgSession& s);

// How many tables, views and sequences of the user the database of `s` holds (0: empty).
Result<uint64_t> pg_user_relation_count(PgSession& s);

// `SELECT pg_catalog.setval(...)` for every user sequence, with the values `s` sees now, which
// pg_dump would have put in its data section.
Result<std::string> pg_sequence_values(PgSession& s);

// pg_dump's plain-SQL `section` ("pre-data" or "post-data") of the database in `p`, under
// `snapshot`, without owners, privileges, tablespaces, subscriptions or security labels (a
// restore target has other roles and disks). The password goes through the child's env.
Result<std::string> run_pg_dump(const PgParams& p, const std::string& snapshot,
                                std::string_view section);

// The script without psql meta-commands that pg_dump emits (`\restrict KEY`,
// `\unrestrict KEY`, `\connect`), so that it runs through libpq.
std::string strip_psql_meta(std::string_view script);

}  // namespace dbtwin::pipeline
