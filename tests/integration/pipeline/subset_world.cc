#include "subset_world.h"

#include <filesystem>

#include "support/engine_server.h"
#include "support/temp_dir.h"

namespace dbtwin::test {
namespace {

namespace fs = std::filesystem;

// One loaded server per engine, kept for the whole test process.
struct Loaded {
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<EngineServer> server;
  SampleDb db;
};

const char* kNoteSql =
    "CREATE TABLE note (id int PRIMARY KEY, film_ref int NOT NULL, body varchar(40));"
    "INSERT INTO note (id, film_ref, body) SELECT film_id, film_id, 'about a film' FROM film "
    "WHERE film_id <= 20;";

Result<Loaded> load(engine::Kind kind) {
  bool pg = kind == engine::Kind::postgres;
  std::string name = pg ? "pagila" : "sakila";
  fs::path dir = fs::path(DBTWIN_FIXTURES_DIR) / name;
  if (!fs::exists(dir)) return err(Errc::not_found, "fixtures not present at {}", dir.string());
  auto installed = installed_engine(kind);
  if (!installed.ok())
    return err(Errc::not_found, "engine not installed: {}", installed.error().message);
  Loaded l;
  l.engine = std::move(installed).value();
  l.dir = std::make_unique<TempDir>("dbtwin-subset");
  l.server = TRY(EngineServer::from_golden(*l.engine, l.dir->path(), name, /*durable=*/false));
  TRY(l.server->start_and_wait());
  for (auto part : {"-schema.sql", "-data.sql"}) {
    engine::ImportSource src;
    src.path = dir / (name + part);
    TRY_CTX(l.engine->import(l.server->spec(), l.server->admin(), name, src, nullptr), name);
  }
  TRY(l.engine->exec(l.server->spec(), l.server->admin(), name, kNoteSql));
  l.db.engine = l.engine.get();
  l.db.schema = pg ? "public" : "sakila";
  l.db.database = name;
  l.db.port = l.server->spec().port;
  l.db.admin = l.server->admin();
  return l;
}

std::string join_equal(pipeline::SqlSession& s, const std::vector<std::string>& a,
                       const std::vector<std::string>& b) {
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i) out += " AND ";
    out += "p." + s.quote_identifier(a[i]) + " = c." + s.quote_identifier(b[i]);
  }
  return out;
}

std::string kept_query(pipeline::SqlSession& s, const pipeline::TableInfo& t,
                       const std::map<uint32_t, std::string>& filters) {
  std::string sql =
      "SELECT * FROM " + s.quote_identifier(t.schema) + "." + s.quote_identifier(t.name);
  auto f = filters.find(t.id);
  if (f != filters.end()) sql += " WHERE " + f->second;
  return sql;
}

Result<uint64_t> count(pipeline::SqlSession& s, const std::string& sql) {
  auto rows = TRY(s.query(sql));
  if (rows.size() != 1 || rows[0].empty() || !rows[0][0])
    return err(Errc::internal, "no count from {}", sql);
  return std::stoull(*rows[0][0]);
}

}  // namespace

std::string SampleDb::url() const {
  return url_of(database);
}
std::string SampleDb::url_of(const std::string& db) const {
  return engine->url("127.0.0.1", port, admin, db);
}

Result<SampleDb*> sample_db(engine::Kind kind) {
  static std::map<engine::Kind, Result<Loaded>> loaded;
  auto it = loaded.find(kind);
  if (it == loaded.end()) it = loaded.emplace(kind, load(kind)).first;
  if (!it->second.ok()) return it->second.error();
  return &it->second->db;
}

Result<uint64_t> kept_rows(pipeline::SqlSession& s, const pipeline::TableInfo& t,
                           const std::map<uint32_t, std::string>& filters) {
  return count(s, "SELECT count(*) FROM (" + kept_query(s, t, filters) + ") k");
}

uint64_t total_rows(pipeline::SqlSession& s, const pipeline::TableInfo& t) {
  return count(s, "SELECT count(*) FROM " + s.quote_identifier(t.schema) + "." +
                      s.quote_identifier(t.name))
      .value_or(0);
}

Result<std::vector<std::string>> orphans(pipeline::SqlSession& s, const pipeline::SourcePlan& plan,
                                         const std::map<uint32_t, std::string>& filters,
                                         const std::vector<pipeline::ForeignKey>& extra) {
  std::vector<pipeline::ForeignKey> keys = plan.foreign_keys;
  keys.insert(keys.end(), extra.begin(), extra.end());
  std::vector<std::string> out;
  for (const auto& fk : keys) {
    const auto& child = plan.tables[fk.child];
    const auto& parent = plan.tables[fk.parent];
    std::string sql = "SELECT count(*) FROM (" + kept_query(s, child, filters) + ") c WHERE ";
    for (const auto& col : fk.child_columns)
      sql += "c." + s.quote_identifier(col) + " IS NOT NULL AND ";
    sql += "NOT EXISTS (SELECT 1 FROM (" + kept_query(s, parent, filters) + ") p WHERE " +
           join_equal(s, fk.parent_columns, fk.child_columns) + ")";
    uint64_t n = TRY(count(s, sql));
    if (n)
      out.push_back(fmt::format("{} ({} -> {}): {} orphans", fk.name, child.qualified(),
                                parent.qualified(), n));
  }
  return out;
}

uint32_t table_id(const pipeline::SourcePlan& plan, const std::string& qualified) {
  for (const auto& t : plan.tables)
    if (t.qualified() == qualified) return t.id;
  ADD_FAILURE() << "no table " << qualified << " in the plan";
  return 0;
}

}  // namespace dbtwin::test
