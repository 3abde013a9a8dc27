#include "dump_world.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/strings.h"

namespace dbtwin::test {

namespace fs = std::filesystem;

std::unique_ptr<DumpWorld> DumpWorld::make(const std::string& engine, std::string* why) {
  fs::path fixtures = fixtures_dir();
  if (fixtures.empty()) {
    *why = "no fixtures folder (../shared/fixtures beside the project)";
    return nullptr;
  }
  bool pg = engine == "postgres";
  fs::path dir = fixtures / (pg ? "pagila" : "sakila");
  fs::path schema = dir / (pg ? "pagila-schema.sql" : "sakila-schema.sql");
  fs::path data = dir / (pg ? "pagila-data.sql" : "sakila-data.sql");
  if (!fs::is_regular_file(schema) || !fs::is_regular_file(data)) {
    *why = (pg ? "Pagila" : "Sakila") + std::string(" is not in ") + fixtures.string();
    return nullptr;
  }
  std::unique_ptr<DumpWorld> w(new DumpWorld());
  w->engine_ = engine;
  w->world_ = CliWorld::make(pool_case("xfs"), why);
  if (!w->world_) return nullptr;
  std::string name = pg ? "pagila" : "sakila";
  std::vector<std::string> source = {"--from-dump", schema.string(), "--from-dump", data.string()};
  if (!pg) source.insert(source.end(), {"--database", "sakila"});
  auto t = w->world_->create_template(name, engine, source);
  if (!t.is_object()) {
    *why = "";  // a failure, already reported
    return nullptr;
  }
  auto c = w->world_->create_clone(name, "src");
  w->source_url_ = url_of(c);
  if (w->source_url_.empty()) return nullptr;
  fs::create_directories(w->bridge_dir());
  return w;
}

DumpWorld::~DumpWorld() {
  if (world_) world_->tear_down();
}

CliResult DumpWorld::run(const std::vector<std::string>& args,
                         const std::vector<std::string>& env) const {
  // The first of two equal names wins in a child's environment: a test's own secret goes first.
  std::vector<std::string> e = env;
  e.push_back("DBTWIN_MASK_SECRET=test-secret-0123456789");
  return cli().run(args, e);
}

fs::path DumpWorld::keygen(const std::string& name) const {
  fs::path p = scratch() / name;
  auto r = run({"dump", "keygen", p.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return p;
}

std::string DumpWorld::url_for(const std::string& database) const {
  return source_url_.substr(0, source_url_.rfind('/') + 1) + database;
}

std::map<std::string, std::string> DumpWorld::checksums(const std::string& url) const {
  std::map<std::string, std::string> out;
  if (engine_ == "postgres") {
    auto tables = sql(url,
                      "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE "
                      "schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
    for (const auto& t : split(tables, '\n')) {
      if (t.empty()) continue;
      out[t] = sql(url,
                   "SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY "
                   "t::text), '')) FROM " +
                       t + " t");
    }
  } else {
    auto tables = sql(url,
                      "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                      "DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1");
    for (const auto& t : split(tables, '\n')) {
      if (t.empty()) continue;
      auto sum = sql(url, "CHECKSUM TABLE `" + t + "`");
      out[t] = sql(url, "SELECT COUNT(*) FROM `" + t + "`") + ":" +
               sum.substr(sum.find_last_of('\t') + 1);
    }
  }
  return out;
}

std::string DumpWorld::schema_objects(const std::string& url) const {
  if (engine_ == "postgres") {
    return sql(url,
               "SELECT (SELECT string_agg(contype || '=' || n, ',' ORDER BY contype) FROM (SELECT "
               "contype, count(*) n FROM pg_constraint c JOIN pg_namespace s ON s.oid = "
               "c.connamespace WHERE s.nspname = 'public' AND c.convalidated GROUP BY contype) x) "
               "|| ' triggers=' || (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal) || "
               "' views=' || (SELECT count(*) FROM pg_views WHERE schemaname = 'public') || "
               "' matviews=' || (SELECT count(*) FROM pg_matviews) || ' functions=' || (SELECT "
               "count(*) FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace WHERE "
               "s.nspname = 'public') || ' indexes=' || (SELECT count(*) FROM pg_indexes WHERE "
               "schemaname = 'public')");
  }
  return sql(url,
             "SELECT CONCAT((SELECT GROUP_CONCAT(CONCAT(constraint_type, '=', n) ORDER BY "
             "constraint_type) FROM (SELECT constraint_type, COUNT(*) n FROM "
             "information_schema.table_constraints WHERE constraint_schema = DATABASE() GROUP BY "
             "constraint_type) x), ' triggers=', (SELECT COUNT(*) FROM information_schema.triggers "
             "WHERE trigger_schema = DATABASE()), ' views=', (SELECT COUNT(*) FROM "
             "information_schema.views WHERE table_schema = DATABASE()), ' routines=', (SELECT "
             "COUNT(*) FROM information_schema.routines WHERE routine_schema = DATABASE()), "
             "' indexes=', (SELECT COUNT(DISTINCT table_name, index_name) FROM "
             "information_schema.statistics WHERE table_schema = DATABASE()))");
}

std::vector<std::string> DumpWorld::databases_like(const std::string& part) const {
  std::string q =
      engine_ == "postgres"
          ? "SELECT datname FROM pg_database WHERE strpos(datname, '" + part + "') > 0 ORDER BY 1"
          : "SELECT schema_name FROM information_schema.schemata WHERE "
            "LOCATE('" +
                part + "', schema_name) > 0 ORDER BY 1";
  std::vector<std::string> out;
  for (const auto& d : split(sql(source_url_, q), '\n'))
    if (!d.empty()) out.push_back(d);
  return out;
}

std::set<std::string> DumpWorld::column(const std::string& url, const std::string& table,
                                        const std::string& col) const {
  std::set<std::string> out;
  for (const auto& v : split(sql(url, "SELECT " + col + " FROM " + table), '\n'))
    if (!v.empty()) out.insert(v);
  return out;
}

void DumpTest::SetUp() {
  std::string why;
  w_ = DumpWorld::make(GetParam(), &why);
  if (!w_ && !why.empty()) GTEST_SKIP() << why;
  ASSERT_TRUE(w_);
}

std::vector<fs::path> chunk_files(const fs::path& dump_dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dump_dir, ec))
    if (starts_with(e.path().filename().string(), "chunk-")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dbtwin::test
