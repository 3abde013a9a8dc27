// The MariaDB restore target. MariaDB cannot rename a database, so the swap moves tables: rows
// load into a work database "<D>__dbtwin_<rand>" where post-data's indexes and constraints are
// added too (a foreign key violation fails there, never in D). finish() then moves every table
// into D in one RENAME TABLE, which is atomic, and creates views, triggers, routines and events
// in D, because RENAME TABLE cannot move a view or a table that has triggers to another database.
// With replace, the same RENAME TABLE moves D's old tables to a backup database; a later failure
// moves them back and re-creates D's old objects from a dump taken just before.
#include <optional>

#include "base/log.h"
#include "base/strings.h"
#include "pipeline/dump_model.h"
#include "pipeline/mariadb_loader.h"
#include "pipeline/mariadb_schema.h"
#include "pipeline/mariadb_script.h"
#include "pipeline/mariadb_session.h"

namespace dbtwin::pipeline {
namespace {

// "<database><suffix><8 random characters>", cut to MariaDB's 64-character limit on a UTF-8
// character boundary.
std::string scratch_name(const std::string& database, std::string_view suffix) {
  std::string token = random_token(8);
  for (auto& c : token) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t room = 64 - suffix.size() - token.size();
  size_t bytes = 0, chars = 0;
  while (bytes < database.size() && chars < room) {
    bytes++;
    while (bytes < database.size() && (static_cast<unsigned char>(database[bytes]) & 0xc0) == 0x80)
      bytes++;
    chars++;
  }
  return database.substr(0, bytes) + std::string(suffix) + token;
}

std::string qualified(const std::string& db, const std::string& name) {
  return mariadb_ident(db) + "." + mariadb_ident(name);
}

// CREATE … VIEW: SHOW CREATE VIEW already leaves out the view's own database, and its column
// references (`table`.`column`) could be mistaken for database references.
bool is_view_definition(std::string_view code) {
  if (code.substr(0, 7) != "CREATE ") return false;
  size_t as = code.find(" AS ");
  return code.substr(0, as).find(" VIEW ") != std::string_view::npos;
}

// Runs each statement of `script`, rewriting references to database `from` into `to` in
// triggers, routines and events (whose bodies keep what their authors wrote).
Status run_script(MariadbSession& s, const std::string& script, const std::string& from,
                  const std::string& to) {
  for (const auto& stmt : TRY(split_sql_script(script))) {
    bool rename = !from.empty() && from != to && !is_view_definition(sql_code(stmt));
    std::string sql = rename ? rename_database_refs(stmt, from, to) : stmt;
    auto st = s.exec(sql);
    if (!st.ok())
      return std::move(st).error().context(fmt::format("running {:.100}", sql_code(sql)));
  }
  return {};
}

// Whether `db` exists, and whether it holds anything a restore would replace.
struct DatabaseState {
  bool exists = false;
  bool empty = true;
};

Result<DatabaseState> database_state(MariadbSession& s, const std::string& db) {
  DatabaseState state;
  auto lit = mariadb_literal(db);
  state.exists =
      TRY(s.scalar("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
                   lit)) != "0";
  if (!state.exists) return state;
  auto count = TRY(s.scalar(
      "SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + lit +
      ") + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = " + lit +
      ") + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = " + lit + ")"));
  state.empty = count == "0";
  return state;
}

// Drops the views, triggers, routines and events of `db`, which RENAME TABLE cannot move.
Status drop_objects(MariadbSession& s, const std::string& db) {
  auto lit = mariadb_literal(db);
  std::vector<std::string> drops;
  for (const auto& r : TRY(s.query(
           "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = " + lit))) {
    drops.push_back("DROP TRIGGER " + qualified(db, r[0].value_or("")));
  }
  for (const auto& r : TRY(s.query(
           "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = " + lit))) {
    drops.push_back("DROP VIEW IF EXISTS " + qualified(db, r[0].value_or("")));
  }
  for (const auto& r : TRY(s.query("SELECT ROUTINE_TYPE, ROUTINE_NAME FROM "
                                   "information_schema.ROUTINES WHERE ROUTINE_SCHEMA = " +
                                   lit))) {
    drops.push_back("DROP " + r[0].value_or("PROCEDURE") + " IF EXISTS " +
                    qualified(db, r[1].value_or("")));
  }
  for (const auto& r : TRY(s.query(
           "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = " + lit))) {
    drops.push_back("DROP EVENT IF EXISTS " + qualified(db, r[0].value_or("")));
  }
  for (const auto& sql : drops) TRY(s.exec(sql));
  return {};
}

// One RENAME TABLE for every move, so that they all happen or none does.
Status move_tables(MariadbSession& s,
                   const std::vector<std::pair<std::string, std::string>>& from_to_dbs,
                   const std::vector<std::vector<std::string>>& tables) {
  std::string sql;
  for (size_t i = 0; i < from_to_dbs.size(); ++i) {
    for (const auto& t : tables[i]) {
      sql += sql.empty() ? "RENAME TABLE " : ", ";
      sql += qualified(from_to_dbs[i].first, t) + " TO " + qualified(from_to_dbs[i].second, t);
    }
  }
  if (sql.empty()) return {};
  return s.exec(sql);
}

class MariadbTarget final : public RestoreTarget {
 public:
  MariadbTarget(RestoreOptions options, MariadbParams params)
      : options_(std::move(options)), params_(std::move(params)) {}
  ~MariadbTarget() override {
    if (!finished_) abort();
  }

  Status begin(const DumpHeader& header, const std::string& pre_data) override {
    if (header.kind != engine::Kind::mariadb || header.row_format != RowFormat::mysql_load_text) {
      return err(Errc::invalid_argument, "a {} dump cannot be restored into MariaDB",
                 engine::kind_name(header.kind));
    }
    header_ = header;
    ddl_.emplace(TRY(MariadbSession::connect(params_, "", MariadbCharset::utf8mb4)));
    const std::string& db = params_.database;
    auto state = TRY(database_state(*ddl_, db));
    if (!state.empty && (options_.direct || !options_.replace)) {
      return err(
          Errc::already_exists,
          "database {} on {} already exists and is not empty (restore with replace to swap it out)",
          db, ddl_->where());
    }
    if (options_.direct) {
      work_db_ = db;
      TRY(ddl_->exec("CREATE DATABASE IF NOT EXISTS " + mariadb_ident(db)));
    } else {
      work_db_ = scratch_name(db, "__dbtwin_");
      TRY(ddl_->exec("CREATE DATABASE " + mariadb_ident(work_db_)));
      work_created_ = true;
    }
    TRY(ddl_->exec("USE " + mariadb_ident(work_db_)));
    TRY_CTX(say_target_disk_full(run_script(*ddl_, pre_data, header_.database, work_db_)),
            "creating the tables of " + db);
    return {};
  }

  Status rows(const TableInfo& table, std::string_view lines) override {
    auto it = loaders_.find(table.id);
    if (it == loaders_.end()) {
      auto loader = TRY_CTX(TableLoader::start(params_, work_db_, table), "loading " + table.name);
      it = loaders_.emplace(table.id, std::move(loader)).first;
    }
    TRY_CTX(say_target_disk_full(it->second->push(lines)), loading(table));
    return {};
  }

  Status table_done(const TableInfo& table, uint64_t rows) override {
    auto it = loaders_.find(table.id);
    if (it == loaders_.end()) return {};  // no rows came
    auto loader = std::move(it->second);
    loaders_.erase(it);
    auto finished = loader->finish();
    if (!finished.ok()) {
      Status st = say_target_disk_full(std::move(finished).error());
      return std::move(st).error().context(loading(table));
    }
    uint64_t loaded = *finished;
    if (loaded != rows) {
      return err(Errc::engine, "loading table {}: the server kept {} of {} rows", table.name,
                 loaded, rows);
    }
    return {};
  }

  Status finish(const std::string& post_data) override {
    if (!loaders_.empty()) {
      return err(Errc::internal, "finish() while table {} is still loading",
                 loaders_.begin()->first);
    }
    auto parts = split_post_data(post_data);
    TRY_CTX(say_target_disk_full(run_script(*ddl_, parts.tables, header_.database, work_db_)),
            "adding indexes and constraints");
    if (options_.direct) {
      TRY_CTX(run_script(*ddl_, parts.objects, header_.database, work_db_),
              "creating views, triggers and routines");
      finished_ = true;
      return {};
    }
    TRY(swap_in(parts.objects));
    finished_ = true;
    return {};
  }

  void abort() override {
    for (auto& [id, loader] : loaders_) loader->cancel();
    loaders_.clear();
    if (!work_created_) return;
    auto st = drop_database(work_db_);
    if (!st.ok()) log::warn("could not drop work database {}: {}", work_db_, st.error().message);
    work_created_ = false;
  }

 private:
  Status drop_database(const std::string& db) {
    if (!ddl_) ddl_.emplace(TRY(MariadbSession::connect(params_, "", MariadbCharset::utf8mb4)));
    return ddl_->exec("DROP DATABASE IF EXISTS " + mariadb_ident(db));
  }

  Status swap_in(const std::string& objects);
  // What a load's errors say they were doing: "loading table T into database D".
  std::string loading(const TableInfo& table) const {
    return fmt::format("loading table {} into database {}", table.name, params_.database);
  }

  RestoreOptions options_;
  MariadbParams params_;
  DumpHeader header_;
  std::optional<MariadbSession> ddl_;  // DDL and the swap, in utf8mb4
  std::string work_db_;
  bool work_created_ = false;
  bool finished_ = false;
  std::map<uint32_t, std::unique_ptr<TableLoader>> loaders_;
};

Status MariadbTarget::swap_in(const std::string& objects) {
  const std::string& db = params_.database;
  auto& s = *ddl_;
  auto state = TRY(database_state(s, db));
  if (!state.empty && !options_.replace) {
    return err(
        Errc::already_exists,
        "database {} on {} already exists and is not empty (restore with replace to swap it out)",
        db, s.where());
  }
  auto new_tables = TRY(mariadb_moveable_tables(s, work_db_));
  std::vector<std::string> old_tables;
  std::string saved_objects, backup_db;
  if (!state.empty) {
    old_tables = TRY(mariadb_moveable_tables(s, db));
    std::map<std::string, std::string> base;
    for (const auto& t : old_tables) base[t] = "";
    auto saved = TRY_CTX(dump_mariadb_ddl(params_, db, base), "saving the objects of " + db);
    saved_objects = split_post_data(saved.post_data).objects;
    backup_db = scratch_name(db, "__dbtwin_old_");
    TRY(s.exec("CREATE DATABASE " + mariadb_ident(backup_db)));
  } else if (!state.exists) {
    TRY(s.exec("CREATE DATABASE " + mariadb_ident(db)));
  }
  // From here on, a failure puts D back as it was. `moved`: the RENAME TABLE happened.
  auto restore_old = [&](bool moved) -> Status {
    if (moved || !saved_objects.empty()) TRY(drop_objects(s, db));
    if (moved) {
      std::vector<std::pair<std::string, std::string>> back = {{db, work_db_}};
      std::vector<std::vector<std::string>> lists = {new_tables};
      if (!backup_db.empty()) {
        back.push_back({backup_db, db});
        lists.push_back(old_tables);
      }
      TRY(move_tables(s, back, lists));
    }
    if (!saved_objects.empty()) {
      TRY(s.exec("USE " + mariadb_ident(db)));
      TRY(run_script(s, saved_objects, "", ""));
    }
    if (!backup_db.empty()) TRY(drop_database(backup_db));
    if (!state.exists) TRY(drop_database(db));
    return {};
  };
  auto rollback = [&](Error e, bool moved) -> Status {
    auto st = restore_old(moved);
    if (!st.ok()) {
      e.message += fmt::format("; and putting {} back failed too: {}", db, st.error().message);
    }
    return e;
  };
  std::vector<std::pair<std::string, std::string>> moves = {{work_db_, db}};
  std::vector<std::vector<std::string>> lists = {new_tables};
  if (!backup_db.empty()) {
    moves.insert(moves.begin(), {db, backup_db});
    lists.insert(lists.begin(), old_tables);
  }
  // Triggers would stop their tables from leaving D, and views cannot leave it at all.
  auto st = backup_db.empty() ? Status{} : drop_objects(s, db);
  if (st.ok()) st = move_tables(s, moves, lists);
  if (!st.ok()) {
    return rollback(std::move(st).error().context("moving the restored tables into " + db), false);
  }
  st = s.exec("USE " + mariadb_ident(db));
  if (st.ok()) st = run_script(s, objects, header_.database, db);
  if (!st.ok()) {
    return rollback(std::move(st).error().context("creating views, triggers and routines in " + db),
                    true);
  }
  if (!backup_db.empty()) TRY(drop_database(backup_db));
  TRY(drop_database(work_db_));
  work_created_ = false;
  return {};
}

}  // namespace

Result<std::unique_ptr<RestoreTarget>> open_mariadb_target(const RestoreOptions& options) {
  auto params = TRY(mariadb_params_from_url(options.url));
  return std::unique_ptr<RestoreTarget>(
      std::make_unique<MariadbTarget>(options, std::move(params)));
}

}  // namespace dbtwin::pipeline
