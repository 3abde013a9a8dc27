// A MariaDB database's schema for dumps: the catalog read under the source's snapshot, and the
// DDL written by mariadb-dump, split into pre-data (tables with their primary keys only) and
// post-data (indexes, then constraints checked against the rows, then views, triggers, routines
// and events).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pipeline/dump_model.h"
#include "pipeline/mariadb_session.h"

namespace dbtwin::pipeline {

struct MariadbCatalog {
  std::vector<TableInfo> tables;  // base tables by name, ids in that order
  std::vector<ForeignKey> foreign_keys;
  // Every base table, with its AUTO_INCREMENT column ("" when it has none).
  std::map<std::string, std::string> auto_increment;
};

// Reads base tables, their stored (not generated) columns, keys and foreign keys of `database`.
Result<MariadbCatalog> read_mariadb_catalog(MariadbSession& session, const std::string& database);

// Names of the base tables and sequences of `database` (what RENAME TABLE moves).
Result<std::vector<std::string>> mariadb_moveable_tables(MariadbSession& session,
                                                         const std::string& database);

struct MariadbDdl {
  std::string pre_data;
  std::string post_data;  // tables part, then kObjectsMarker, then objects part
};

// The line that separates post-data's table part (run where the rows were loaded) from its
// objects part (run in the final database: views, triggers, routines and events cannot be moved
// there by RENAME TABLE).
inline constexpr std::string_view kObjectsMarker =
    "-- dbtwin: views, triggers, routines and events follow; they run in the final database";

// Runs mariadb-dump twice on `database` (tables, then triggers/routines/events) and splits its
// output. The password goes to the child in MYSQL_PWD, never in argv.
Result<MariadbDdl> dump_mariadb_ddl(const MariadbParams& params, const std::string& database,
                                    const std::map<std::string, std::string>& auto_increment);

// The split itself: `tables_dump` from --no-data --skip-triggers, `objects_dump` from
// --no-create-info --triggers --routines --events; `auto_increment` names the base tables.
Result<MariadbDdl> split_mariadb_ddl(std::string_view tables_dump, std::string_view objects_dump,
                                     const std::map<std::string, std::string>& auto_increment);

// One CREATE TABLE statement as mariadb-dump writes it (a line per column and key), split into
// the statement with only its primary key (and the key InnoDB needs for the AUTO_INCREMENT
// column) and the definitions moved out, each ready to follow "ADD ".
struct CreateTableParts {
  std::string table;
  std::string create;
  std::vector<std::string> indexes;      // KEY, UNIQUE KEY, SPATIAL KEY
  std::vector<std::string> fulltext;     // FULLTEXT KEY: InnoDB adds one per ALTER TABLE
  std::vector<std::string> constraints;  // CONSTRAINT … FOREIGN KEY / CHECK
};
Result<CreateTableParts> split_create_table(std::string_view statement,
                                            std::string_view auto_increment_column);

struct PostData {
  std::string tables;
  std::string objects;
};
PostData split_post_data(std::string_view post_data);

}  // namespace dbtwin::pipeline
