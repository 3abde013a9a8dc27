#include "pipeline/pg_schema.h"

#include <fcntl.h>

#include <map>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "engine/postgres.h"
#include "engine/server_util.h"
#include "os/files.h"
#include "os/process.h"

namespace dbtwin::pipeline {

namespace {

// Relations of the user: not in system schemas, not temporary, not created by an extension.
constexpr const char* kUserRelation =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
    "AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND c.relpersistence <> 't' "
    "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
    "AND d.objid = c.oid AND d.deptype = 'e')";

std::string oid_array(const std::vector<std::string>& oids) {
  std::string out = "'{";
  for (size_t i = 0; i < oids.size(); ++i) out += (i ? "," : "") + oids[i];
  return out + "}'::oid[]";
}

const std::string& text(const engine::Row& row, size_t i) {
  static const std::string empty;
  return row.at(i) ? *row.at(i) : empty;
}

// Columns in attnum order, without dropped or generated ones (COPY FROM computes those).
// Unique: a key column of the primary key or of a plain single-column unique index.
Status read_columns(PgSession& s, const std::map<std::string, uint32_t>& by_oid,
                    const std::string& oids, PgCatalog& cat) {
  auto rows = TRY(s.query(
      "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
      "(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END) = 'bytea'::regtype, "
      "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisunique "
      "  AND (i.indisprimary OR (i.indnkeyatts = 1 AND i.indpred IS NULL "
      "       AND i.indexprs IS NULL)) "
      "  AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])) "
      "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
      "WHERE a.attrelid = ANY (" +
      oids +
      ") AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
      "ORDER BY a.attrelid, a.attnum"));
  for (const auto& r : rows) {
    ColumnInfo col;
    col.name = text(r, 1);
    col.type = text(r, 2);
    col.nullable = text(r, 3) != "t";
    col.binary = text(r, 4) == "t";
    col.unique = text(r, 5) == "t";
    cat.tables[by_oid.at(text(r, 0))].columns.push_back(std::move(col));
  }
  auto pk =
      TRY(s.query("SELECT i.indrelid, a.attname FROM pg_index i "
                  "CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord) "
                  "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                  "WHERE i.indisprimary AND k.ord <= i.indnkeyatts AND i.indrelid = ANY (" +
                  oids + ") ORDER BY i.indrelid, k.ord"));
  for (const auto& r : pk) cat.tables[by_oid.at(text(r, 0))].primary_key.push_back(text(r, 1));
  return {};
}

// Foreign keys as declared (conparentid = 0: not the copies PostgreSQL makes per partition),
// with partitions mapped to their root (pg_partition_root gives a regclass, so as ::oid) so that
// both ends are dumped tables.
Status read_foreign_keys(PgSession& s, const std::map<std::string, uint32_t>& by_oid,
                         PgCatalog& cat) {
  auto rows = TRY(
      s.query("SELECT c.conname, coalesce(pg_partition_root(c.conrelid)::oid, c.conrelid), "
              "coalesce(pg_partition_root(c.confrelid)::oid, c.confrelid), "
              "array_to_json(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o) "
              "  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o)), "
              "array_to_json(ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o) "
              "  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o)) "
              "FROM pg_constraint c WHERE c.contype = 'f' AND c.conparentid = 0 "
              "ORDER BY c.conrelid, c.conname"));
  for (const auto& r : rows) {
    auto child = by_oid.find(text(r, 1)), parent = by_oid.find(text(r, 2));
    if (child == by_oid.end() || parent == by_oid.end()) continue;
    ForeignKey fk;
    fk.name = text(r, 0);
    fk.child = child->second;
    fk.parent = parent->second;
    fk.child_columns = nlohmann::json::parse(text(r, 3)).get<std::vector<std::string>>();
    fk.parent_columns = nlohmann::json::parse(text(r, 4)).get<std::vector<std::string>>();
    cat.foreign_keys.push_back(std::move(fk));
  }
  return {};
}

}  // namespace

Result<PgCatalog> read_pg_catalog(PgSession& s) {
  auto rows = TRY(s.query(
      std::string("SELECT c.oid, n.nspname, c.relname, c.relkind, "
                  "CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_table_size(relid)), 0) "
                  "  FROM pg_partition_tree(c.oid)) ELSE pg_table_size(c.oid) END "
                  "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ") +
      kUserRelation + " ORDER BY n.nspname, c.relname"));
  PgCatalog cat;
  std::map<std::string, uint32_t> by_oid;
  std::vector<std::string> oids;
  for (const auto& r : rows) {
    TableInfo t;
    t.id = static_cast<uint32_t>(cat.tables.size());
    t.schema = text(r, 1);
    t.name = text(r, 2);
    t.estimated_bytes = std::strtoull(text(r, 4).c_str(), nullptr, 10);
    by_oid[text(r, 0)] = t.id;
    oids.push_back(text(r, 0));
    cat.partitioned.push_back(text(r, 3) == "p");
    cat.tables.push_back(std::move(t));
  }
  if (cat.tables.empty()) return cat;
  TRY(read_columns(s, by_oid, oid_array(oids), cat));
  TRY(read_foreign_keys(s, by_oid, cat));
  return cat;
}

Result<uint64_t> pg_user_relation_count(PgSession& s) {
  auto n = TRY(s.scalar(std::string("SELECT count(*) FROM pg_class c "
                                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ") +
                        kUserRelation));
  return std::strtoull(n.c_str(), nullptr, 10);
}

Result<std::string> pg_sequence_values(PgSession& s) {
  auto seqs = TRY(s.query(std::string("SELECT n.nspname, c.relname FROM pg_class c "
                                      "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                      "WHERE c.relkind = 'S' AND ") +
                          kUserRelation + " ORDER BY 1, 2"));
  std::string out;
  // Sequences hold no MVCC rows: this is the value now, as pg_dump reads it too.
  for (const auto& r : seqs) {
    std::string name = pg_qualified(text(r, 0), text(r, 1));
    auto v = TRY(s.query("SELECT last_value, is_called FROM " + name));
    if (v.size() != 1) continue;
    out += fmt::format("SELECT pg_catalog.setval({}, {}, {});\n", pg_quote_literal(name),
                       text(v[0], 0), text(v[0], 1) == "t" ? "true" : "false");
  }
  return out;
}

Result<std::string> run_pg_dump(const PgParams& p, const std::string& snapshot,
                                std::string_view section) {
  auto bindir = engine::resolve_pg_bindir({});
  auto pg_dump = TRY(engine::find_program(bindir, {"pg_dump"}, {}));
  os::SpawnOptions opts;
  opts.argv = {pg_dump.string(),
               "--format=plain",
               "--snapshot=" + snapshot,
               fmt::format("--section={}", section),
               "--no-owner",
               "--no-privileges",
               "--no-tablespaces",
               "--no-subscriptions",
               "--no-security-labels",
               "--no-password"};
  // Everything about the login goes through the env: no password (nor odd database name) in argv.
  auto setenv = [&](const char* key, const std::string& value) {
    if (!value.empty()) opts.env.push_back(std::string(key) + "=" + value);
  };
  setenv("PGHOST", p.host);
  setenv("PGPORT", p.port > 0 ? std::to_string(p.port) : "");
  setenv("PGUSER", p.user);
  setenv("PGPASSWORD", p.password);
  setenv("PGDATABASE", p.database);
  setenv("PGSSLMODE", p.sslmode);
  setenv("PGAPPNAME", "dbtwin-pg_dump");
  // The schema may be larger than run()'s capture limit: stdout goes to an unnamed file.
  auto out = TRY(os::open_fd(std::filesystem::temp_directory_path(), O_TMPFILE | O_RDWR, 0600));
  opts.stdout_fd = out.get();
  TRY_CTX(os::run_checked(opts, Errc::engine),
          fmt::format("dumping the {} schema of {}", section, p.database));
  auto script = TRY(os::read_file(fmt::format("/proc/self/fd/{}", out.get())));
  return strip_psql_meta(script);
}

std::string strip_psql_meta(std::string_view script) {
  std::string out;
  out.reserve(script.size());
  size_t pos = 0;
  while (pos < script.size()) {
    size_t end = script.find('\n', pos);
    end = end == std::string_view::npos ? script.size() : end + 1;
    std::string_view line = script.substr(pos, end - pos);
    bool meta = starts_with(line, "\\restrict ") || starts_with(line, "\\unrestrict ") ||
                starts_with(line, "\\connect ");
    if (!meta) out += line;
    pos = end;
  }
  return out;
}

}  // namespace dbtwin::pipeline
