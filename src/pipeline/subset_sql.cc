#include "pipeline/subset_sql.h"

#include <algorithm>

#include "base/strings.h"

namespace dbtwin::pipeline {
namespace {

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::vector<std::string> prefixed(const std::string& alias, const std::vector<std::string>& cols) {
  std::vector<std::string> out;
  for (const auto& c : cols) out.push_back(alias + "." + c);
  return out;
}

// PostgreSQL: rows are identified by (tableoid, ctid). ctid alone repeats across partitions.
class PgSubsetSql final : public SubsetSql {
 public:
  PgSubsetSql(const SqlSession& s, std::string prefix) : SubsetSql(s, std::move(prefix)) {}

  Result<std::vector<std::string>> create_keep(const TableInfo& t) const override {
    return std::vector<std::string>{
        "CREATE TEMPORARY TABLE IF NOT EXISTS " + q(prefix_ + std::to_string(t.id)) +
            " (rel oid NOT NULL, id tid NOT NULL, gen bigint NOT NULL, PRIMARY KEY (rel, id))",
        "TRUNCATE " + keep(t)};
  }

  std::string seed_first(const TableInfo& t, uint64_t limit, uint64_t gen) const override {
    std::vector<std::string> order;
    for (const auto& c : t.primary_key) order.push_back(q(c));
    if (order.empty()) order = {"tableoid", "ctid"};  // stable within the snapshot only
    return insert(t) + "SELECT tableoid, ctid, " + std::to_string(gen) + " FROM " + table(t) +
           " ORDER BY " + join(order, ", ") + " LIMIT " + std::to_string(limit) + on_conflict();
  }

  std::string seed_where(const TableInfo& t, const std::string& where,
                         uint64_t gen) const override {
    return insert(t) + "SELECT tableoid, ctid, " + std::to_string(gen) + " FROM " + table(t) +
           " WHERE (" + where + ")" + on_conflict();
  }

  std::string keep_parents(const ForeignKey& fk, const TableInfo& child, const TableInfo& parent,
                           bool child_whole, uint64_t since, uint64_t gen) const override {
    std::string sql = insert(parent) + "SELECT p.tableoid, p.ctid, " + std::to_string(gen);
    if (child_whole) {
      sql += " FROM " + table(child) + " c";
    } else {
      sql += " FROM " + keep(child) + " k JOIN " + table(child) +
             " c ON c.tableoid = k.rel AND c.ctid = k.id";
    }
    sql +=
        " JOIN " + table(parent) + " p ON " + equal("p", fk.parent_columns, "c", fk.child_columns);
    if (!child_whole) sql += " WHERE k.gen >= " + std::to_string(since);
    return sql + on_conflict();
  }

  std::string keep_children(const ForeignKey& fk, const TableInfo& child, const TableInfo& parent,
                            uint64_t since, uint64_t gen) const override {
    return insert(child) + "SELECT c.tableoid, c.ctid, " + std::to_string(gen) + " FROM " +
           keep(parent) + " k JOIN " + table(parent) +
           " p ON p.tableoid = k.rel AND p.ctid = k.id JOIN " + table(child) + " c ON " +
           equal("c", fk.child_columns, "p", fk.parent_columns) +
           " WHERE k.gen >= " + std::to_string(since) + on_conflict();
  }

  std::string filter(const TableInfo& t) const override {
    return "(tableoid, ctid) IN (SELECT rel, id FROM " + keep(t) + ")";
  }

 private:
  std::string keep(const TableInfo& t) const {
    return "pg_temp." + q(prefix_ + std::to_string(t.id));
  }
  std::string insert(const TableInfo& t) const {
    return "INSERT INTO " + keep(t) + " (rel, id, gen) ";
  }
  static std::string on_conflict() { return " ON CONFLICT DO NOTHING"; }
};

// MariaDB: rows are identified by their primary key (or a non-null unique column). INSERT
// IGNORE skips identities already kept. create_keep() runs first for every table and reports a
// table without an identity, so the other builders may take identity() for granted.
class MariadbSubsetSql final : public SubsetSql {
 public:
  MariadbSubsetSql(const SqlSession& s, std::string prefix) : SubsetSql(s, std::move(prefix)) {}

  Result<std::vector<std::string>> create_keep(const TableInfo& t) const override {
    auto cols = TRY(identity(t));
    return std::vector<std::string>{"DROP TEMPORARY TABLE IF EXISTS " + keep(t),
                                    "CREATE TEMPORARY TABLE " + keep(t) +
                                        " (gen BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (" +
                                        join(cols, ", ") + "), KEY (gen)) SELECT " +
                                        join(cols, ", ") + " FROM " + table(t) + " LIMIT 0"};
  }

  std::string seed_first(const TableInfo& t, uint64_t limit, uint64_t gen) const override {
    auto cols = identity(t).value_or({});
    return insert(t, cols) + "SELECT " + join(cols, ", ") + ", " + std::to_string(gen) + " FROM " +
           table(t) + " ORDER BY " + join(cols, ", ") + " LIMIT " + std::to_string(limit);
  }

  std::string seed_where(const TableInfo& t, const std::string& where,
                         uint64_t gen) const override {
    auto cols = identity(t).value_or({});
    return insert(t, cols) + "SELECT " + join(cols, ", ") + ", " + std::to_string(gen) + " FROM " +
           table(t) + " WHERE (" + where + ")";
  }

  std::string keep_parents(const ForeignKey& fk, const TableInfo& child, const TableInfo& parent,
                           bool child_whole, uint64_t since, uint64_t gen) const override {
    auto pcols = identity(parent).value_or({});
    std::string sql = insert(parent, pcols) + "SELECT " + join(prefixed("p", pcols), ", ") + ", " +
                      std::to_string(gen);
    if (child_whole) {
      sql += " FROM " + table(child) + " c";
    } else {
      auto ccols = identity(child).value_or({});
      sql += " FROM " + keep(child) + " k JOIN " + table(child) + " c ON " +
             join_on("c", ccols, "k", ccols);
    }
    sql +=
        " JOIN " + table(parent) + " p ON " + equal("p", fk.parent_columns, "c", fk.child_columns);
    if (!child_whole) sql += " WHERE k.gen >= " + std::to_string(since);
    return sql;
  }

  std::string keep_children(const ForeignKey& fk, const TableInfo& child, const TableInfo& parent,
                            uint64_t since, uint64_t gen) const override {
    auto ccols = identity(child).value_or({});
    auto pcols = identity(parent).value_or({});
    return insert(child, ccols) + "SELECT " + join(prefixed("c", ccols), ", ") + ", " +
           std::to_string(gen) + " FROM " + keep(parent) + " k JOIN " + table(parent) + " p ON " +
           join_on("p", pcols, "k", pcols) + " JOIN " + table(child) + " c ON " +
           equal("c", fk.child_columns, "p", fk.parent_columns) +
           " WHERE k.gen >= " + std::to_string(since);
  }

  std::string filter(const TableInfo& t) const override {
    auto cols = join(identity(t).value_or({}), ", ");
    return "(" + cols + ") IN (SELECT " + cols + " FROM " + keep(t) + ")";
  }

 private:
  // Quoted identity columns: the primary key, else a non-null single-column unique key.
  Result<std::vector<std::string>> identity(const TableInfo& t) const {
    std::vector<std::string> cols;
    for (const auto& c : t.primary_key) cols.push_back(q(c));
    if (!cols.empty()) return cols;
    for (const auto& c : t.columns)
      if (c.unique && !c.nullable) return std::vector<std::string>{q(c.name)};
    return err(Errc::invalid_argument,
               "subset: table {} has no primary key or non-null unique column to identify its "
               "rows; list it as passthrough",
               t.qualified());
  }
  std::string keep(const TableInfo& t) const {
    return q(t.schema) + "." + q(prefix_ + std::to_string(t.id));
  }
  std::string insert(const TableInfo& t, const std::vector<std::string>& cols) const {
    return "INSERT IGNORE INTO " + keep(t) + " (" + join(cols, ", ") + ", gen) ";
  }
  static std::string join_on(const std::string& a, const std::vector<std::string>& cols,
                             const std::string& b, const std::vector<std::string>& same) {
    std::vector<std::string> parts;
    for (size_t i = 0; i < cols.size(); ++i)
      parts.push_back(a + "." + cols[i] + " = " + b + "." + same[i]);
    return join(parts, " AND ");
  }
};

}  // namespace

std::string SubsetSql::equal(const std::string& a, const std::vector<std::string>& a_cols,
                             const std::string& b, const std::vector<std::string>& b_cols) const {
  std::vector<std::string> parts;
  for (size_t i = 0; i < a_cols.size() && i < b_cols.size(); ++i)
    parts.push_back(a + "." + q(a_cols[i]) + " = " + b + "." + q(b_cols[i]));
  return join(parts, " AND ");
}

std::unique_ptr<SubsetSql> make_subset_sql(engine::Kind kind, const SqlSession& session,
                                           std::string keep_prefix) {
  if (kind == engine::Kind::postgres)
    return std::make_unique<PgSubsetSql>(session, std::move(keep_prefix));
  return std::make_unique<MariadbSubsetSql>(session, std::move(keep_prefix));
}

std::string keep_table_prefix(const SourcePlan& plan) {
  std::string prefix = "dbtwin_keep_";
  auto taken = [&] {
    return std::any_of(plan.tables.begin(), plan.tables.end(),
                       [&](const TableInfo& t) { return starts_with(t.name, prefix); });
  };
  while (taken()) prefix = "_" + prefix;  // a temporary table must not hide a real one
  return prefix;
}

}  // namespace dbtwin::pipeline
