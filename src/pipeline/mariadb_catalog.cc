// The catalog half of mariadb_schema.h: information_schema queries, run in the source's
// snapshot session. information_schema is not transactional, which is why the DDL comes from
// mariadb-dump and only names, types and keys come from here.
#include <algorithm>
#include <cctype>

#include "pipeline/mariadb_schema.h"

namespace dbtwin::pipeline {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// Columns whose value the server computes cannot be loaded: generated and system-versioning ones.
bool is_computed(const std::string& extra_lower) {
  return contains(extra_lower, "generated") || extra_lower == "virtual" ||
         extra_lower == "persistent" || contains(extra_lower, "row start") ||
         contains(extra_lower, "row end");
}

bool is_binary_type(const std::string& data_type) {
  static const std::set<std::string> kBinary = {
      "tinyblob",  "blob",       "mediumblob",      "longblob",     "binary",
      "varbinary", "bit",        "geometry",        "point",        "linestring",
      "polygon",   "multipoint", "multilinestring", "multipolygon", "geometrycollection"};
  return kBinary.count(data_type) != 0;
}

std::string text(const std::optional<std::string>& v) {
  return v.value_or("");
}

Status read_columns(MariadbSession& s, const std::string& db, MariadbCatalog& cat,
                    const std::map<std::string, size_t>& index) {
  auto rows =
      TRY(s.query("SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, EXTRA "
                  "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
                  mariadb_literal(db) + " ORDER BY TABLE_NAME, ORDINAL_POSITION"));
  for (const auto& r : rows) {
    auto it = index.find(text(r[0]));
    if (it == index.end()) continue;  // a view's columns
    std::string extra = lower(text(r[5]));
    if (contains(extra, "auto_increment")) cat.auto_increment[text(r[0])] = text(r[1]);
    if (is_computed(extra)) continue;
    ColumnInfo c;
    c.name = text(r[1]);
    c.type = text(r[2]);
    c.binary = is_binary_type(lower(text(r[3])));
    c.nullable = text(r[4]) == "YES";
    cat.tables[it->second].columns.push_back(std::move(c));
  }
  return {};
}

// Primary keys, and the `unique` flag of columns in the primary key or a one-column unique key.
Status read_keys(MariadbSession& s, const std::string& db, MariadbCatalog& cat,
                 const std::map<std::string, size_t>& index) {
  auto rows = TRY(s.query(
      "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
      "WHERE TABLE_SCHEMA = " +
      mariadb_literal(db) + " ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"));
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> unique_keys;
  for (const auto& r : rows) {
    auto it = index.find(text(r[0]));
    if (it == index.end() || text(r[2]) != "0") continue;
    unique_keys[{text(r[0]), text(r[1])}].push_back(text(r[3]));
  }
  for (const auto& [key, columns] : unique_keys) {
    auto& table = cat.tables[index.at(key.first)];
    bool primary = key.second == "PRIMARY";
    if (primary) table.primary_key = columns;
    if (!primary && columns.size() != 1) continue;
    for (auto& c : table.columns) {
      if (std::find(columns.begin(), columns.end(), c.name) != columns.end()) c.unique = true;
    }
  }
  return {};
}

Status read_foreign_keys(MariadbSession& s, const std::string& db, MariadbCatalog& cat,
                         const std::map<std::string, size_t>& index) {
  auto rows =
      TRY(s.query("SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, "
                  "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
                  "WHERE TABLE_SCHEMA = " +
                  mariadb_literal(db) + " AND REFERENCED_TABLE_SCHEMA = " + mariadb_literal(db) +
                  " AND REFERENCED_TABLE_NAME IS NOT NULL "
                  "ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"));
  for (const auto& r : rows) {
    auto child = index.find(text(r[0]));
    auto parent = index.find(text(r[3]));
    if (child == index.end() || parent == index.end()) continue;
    auto id_child = static_cast<uint32_t>(child->second);
    if (cat.foreign_keys.empty() || cat.foreign_keys.back().child != id_child ||
        cat.foreign_keys.back().name != text(r[1])) {
      ForeignKey fk;
      fk.child = id_child;
      fk.parent = static_cast<uint32_t>(parent->second);
      fk.name = text(r[1]);
      cat.foreign_keys.push_back(std::move(fk));
    }
    cat.foreign_keys.back().child_columns.push_back(text(r[2]));
    cat.foreign_keys.back().parent_columns.push_back(text(r[4]));
  }
  return {};
}

}  // namespace

Result<MariadbCatalog> read_mariadb_catalog(MariadbSession& s, const std::string& db) {
  MariadbCatalog cat;
  auto tables = TRY(s.query(
      "SELECT TABLE_NAME, DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
      mariadb_literal(db) + " AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"));
  std::map<std::string, size_t> index;
  for (const auto& r : tables) {
    TableInfo t;
    t.id = static_cast<uint32_t>(cat.tables.size());
    t.schema = db;
    t.name = text(r[0]);
    t.estimated_bytes = r[1] ? std::strtoull(r[1]->c_str(), nullptr, 10) : 0;
    index[t.name] = t.id;
    cat.auto_increment[t.name] = "";
    cat.tables.push_back(std::move(t));
  }
  TRY_CTX(read_columns(s, db, cat, index), "reading the columns of " + db);
  TRY_CTX(read_keys(s, db, cat, index), "reading the keys of " + db);
  TRY_CTX(read_foreign_keys(s, db, cat, index), "reading the foreign keys of " + db);
  return cat;
}

Result<std::vector<std::string>> mariadb_moveable_tables(MariadbSession& s, const std::string& db) {
  auto rows = TRY(s.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                          mariadb_literal(db) + " AND TABLE_TYPE <> 'VIEW' ORDER BY TABLE_NAME"));
  std::vector<std::string> names;
  for (const auto& r : rows) names.push_back(text(r[0]));
  return names;
}

}  // namespace dbtwin::pipeline
