// The SQL half of subsetting: statements that keep row identities of each table of S in a
// temporary "keep" table, for PostgreSQL and MariaDB.
//
// A keep table holds one row per kept source row: its identity plus `gen`, the number of the
// statement that added it, so that each fixpoint step only revisits rows added since that edge
// last ran. Identities: PostgreSQL (tableoid, ctid), stable under the snapshot and unique across
// the partitions of a partitioned table; MariaDB the primary key columns (or a non-null unique
// column), copied with their exact types.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "pipeline/dump_model.h"

namespace dbtwin::pipeline {

class SubsetSql {
 public:
  virtual ~SubsetSql() = default;

  // Statements (run one by one) that leave t's keep table empty (created, or emptied when a
  // session plans twice). PostgreSQL avoids DROP IF EXISTS: its NOTICE reaches stderr.
  virtual Result<std::vector<std::string>> create_keep(const TableInfo& t) const = 0;
  // Keeps the first `limit` rows of t in primary-key order.
  virtual std::string seed_first(const TableInfo& t, uint64_t limit, uint64_t gen) const = 0;
  // Keeps the rows of t matching the user's condition.
  virtual std::string seed_where(const TableInfo& t, const std::string& where,
                                 uint64_t gen) const = 0;
  // Keeps the parent rows referenced by child rows kept with gen >= since; every child row when
  // child_whole (a passthrough child has no keep table).
  virtual std::string keep_parents(const ForeignKey& fk, const TableInfo& child,
                                   const TableInfo& parent, bool child_whole, uint64_t since,
                                   uint64_t gen) const = 0;
  // Keeps the child rows referencing parent rows kept with gen >= since.
  virtual std::string keep_children(const ForeignKey& fk, const TableInfo& child,
                                    const TableInfo& parent, uint64_t since,
                                    uint64_t gen) const = 0;
  // The WHERE condition, on t's own rows, selecting the kept ones.
  virtual std::string filter(const TableInfo& t) const = 0;

  std::string count_rows(const TableInfo& t) const { return "SELECT count(*) FROM " + table(t); }

 protected:
  SubsetSql(const SqlSession& session, std::string keep_prefix)
      : session_(session), prefix_(std::move(keep_prefix)) {}
  std::string q(std::string_view name) const { return session_.quote_identifier(name); }
  std::string table(const TableInfo& t) const { return q(t.schema) + "." + q(t.name); }
  // `alias.col1 = other.col1 AND ...` for two column lists of equal length.
  std::string equal(const std::string& a, const std::vector<std::string>& a_cols,
                    const std::string& b, const std::vector<std::string>& b_cols) const;

  const SqlSession& session_;
  std::string prefix_;
};

// `keep_prefix` names the keep tables (prefix + table id); it must not begin any table's name.
std::unique_ptr<SubsetSql> make_subset_sql(engine::Kind kind, const SqlSession& session,
                                           std::string keep_prefix);

// A prefix for keep tables that no table of the plan starts with.
std::string keep_table_prefix(const SourcePlan& plan);

}  // namespace dbtwin::pipeline
