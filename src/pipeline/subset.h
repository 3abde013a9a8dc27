// Subsetting: which rows of each table a dump keeps, so that the result restores with every
// constraint enabled. Computed inside the source's snapshot session with temporary tables, so
// memory stays flat whatever the subset's size.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "pipeline/dump_model.h"

namespace dbtwin::pipeline {

struct SubsetStart {
  std::string table;    // schema.table (PostgreSQL) or database.table (MariaDB)
  double percent = -1;  // 0 < percent <= 100, or -1 when `where` is used
  std::string where;    // a SQL condition on the table's own columns
};

struct VirtualForeignKey {  // a relation the schema does not declare
  std::string child_table;
  std::vector<std::string> child_columns;
  std::string parent_table;
  std::vector<std::string> parent_columns;
};

struct SubsetSpec {
  std::vector<SubsetStart> starts;
  bool follow_children = false;  // also keep rows that reference kept rows (and their parents)
  std::vector<VirtualForeignKey> virtual_foreign_keys;
  std::vector<std::string> passthrough;  // tables copied whole
  bool empty() const { return starts.empty(); }
};

// "schema.table:10%" or "schema.table:<where condition>", as --subset takes it.
Result<SubsetStart> parse_subset_arg(std::string_view text);

// Plans the subset in src.session(): a WHERE condition per kept-but-filtered table id (tables
// absent from the map are copied whole). Errors name unknown tables and columns.
Result<std::map<uint32_t, std::string>> plan_subset(DumpSource& src, const SubsetSpec& spec);

}  // namespace dbtwin::pipeline
