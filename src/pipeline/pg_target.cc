// The PostgreSQL restore target. Rows go into a temporary database "<D>__dbtwin_<rand>" with
// the schema's pre-data; post-data (indexes, constraints, triggers, sequence values) runs after
// the rows, and only then is the temporary database renamed to D, so D is never half-restored.
// Owners and privileges are not in the schema: objects belong to the restoring login.
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "base/log.h"
#include "base/strings.h"
#include "engine/server_util.h"
#include "pipeline/dump_model.h"
#include "pipeline/pg_conn.h"
#include "pipeline/pg_schema.h"

namespace dbtwin::pipeline {

namespace {

using engine::with_context;

constexpr size_t kMaxIdentifier = 63;  // NAMEDATALEN - 1

// `base` cut to leave room for `suffix` within PostgreSQL's name limit, at a UTF-8 boundary.
std::string bounded_name(const std::string& base, const std::string& suffix) {
  size_t keep = std::min(base.size(), kMaxIdentifier - suffix.size());
  while (keep > 0 && keep < base.size() && (static_cast<unsigned char>(base[keep]) & 0xC0) == 0x80)
    --keep;
  return base.substr(0, keep) + suffix;
}

std::string random_suffix() {
  std::string s = random_token(6);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string copy_in_sql(const TableInfo& t) {
  std::string cols;
  for (const auto& c : t.columns) cols += (cols.empty() ? "" : ", ") + pg_quote_ident(c.name);
  return "COPY " + pg_qualified(t.schema, t.name) + (cols.empty() ? "" : " (" + cols + ")") +
         " FROM STDIN";
}

class PgRestoreTarget final : public RestoreTarget {
 public:
  PgRestoreTarget(RestoreOptions options, PgParams params)
      : options_(std::move(options)), params_(std::move(params)), target_(params_.database) {}
  ~PgRestoreTarget() override {
    if (!finished_) abort();
  }

  Status begin(const DumpHeader& header, const std::string& pre_data) override;
  Status rows(const TableInfo& table, std::string_view lines) override;
  Status table_done(const TableInfo& table, uint64_t rows) override;
  Status finish(const std::string& post_data) override;
  void abort() override;

 private:
  PgParams params_for(const std::string& database) const {
    PgParams p = params_;
    p.database = database;
    p.application_name = "dbtwin-restore";
    return p;
  }
  Status begin_locked(const std::string& pre_data);
  Status finish_locked(const std::string& post_data);
  Result<PgSession*> admin();
  Result<bool> database_exists(const std::string& name);
  Result<bool> database_has_tables(const std::string& name);
  Status run_script(const std::string& script, std::string_view what);
  Status swap();
  // What a load's errors say they were doing.
  std::string loading(const TableInfo& table) const {
    return fmt::format("restoring rows of table {} into database {}", table.qualified(), target_);
  }
  void free_loaded_tables();
  void abort_locked();

  std::mutex mu_;
  RestoreOptions options_;
  PgParams params_;
  std::string target_;  // D
  std::string work_;    // where rows go: the temporary database, or D when direct
  std::optional<PgSession> admin_;
  std::map<uint32_t, PgSession> copying_;  // tables receiving rows now
  std::vector<PgSession> idle_;
  std::vector<std::string> loaded_;  // tables that received rows, quoted and qualified
  bool created_ = false;             // work_ was created here and is dropped on abort
  bool finished_ = false;            // finish() succeeded, or abort() ran
};

// A session on a maintenance database, for CREATE, ALTER and DROP DATABASE.
Result<PgSession*> PgRestoreTarget::admin() {
  if (admin_ && admin_->alive()) return &*admin_;
  admin_.reset();
  admin_ = TRY(PgSession::connect(params_for(target_ == "postgres" ? "template1" : "postgres")));
  return &*admin_;
}

Result<bool> PgRestoreTarget::database_exists(const std::string& name) {
  auto* a = TRY(admin());
  auto n =
      TRY(a->scalar("SELECT count(*) FROM pg_database WHERE datname = " + pg_quote_literal(name)));
  return n != "0";
}

Result<bool> PgRestoreTarget::database_has_tables(const std::string& name) {
  auto s = TRY(PgSession::connect(params_for(name)));
  return TRY(pg_user_relation_count(s)) > 0;
}

Status PgRestoreTarget::run_script(const std::string& script, std::string_view what) {
  auto s = TRY(PgSession::connect(params_for(work_)));
  return with_context(say_target_disk_full(s.exec(strip_psql_meta(script))), what);
}

Status PgRestoreTarget::begin(const DumpHeader& header, const std::string& pre_data) {
  if (header.kind != engine::Kind::postgres) {
    return err(Errc::invalid_argument, "a {} dump cannot be restored into PostgreSQL",
               engine::kind_name(header.kind));
  }
  std::lock_guard lock(mu_);
  auto st = begin_locked(pre_data);
  if (!st.ok()) abort_locked();
  return with_context(std::move(st), fmt::format("restoring into PostgreSQL database {}", target_));
}

Status PgRestoreTarget::begin_locked(const std::string& pre_data) {
  bool exists = TRY(database_exists(target_));
  if (options_.direct) {
    work_ = target_;
  } else {
    if (exists && !options_.replace && TRY(database_has_tables(target_))) {
      return err(Errc::already_exists,
                 "database {} already holds tables (restore with replace to swap it out)", target_);
    }
    work_ = bounded_name(target_, "__dbtwin_" + random_suffix());
  }
  if (!options_.direct || !exists) {
    auto* a = TRY(admin());
    TRY_CTX(say_target_disk_full(
                a->exec("CREATE DATABASE " + pg_quote_ident(work_) + " TEMPLATE template0")),
            "creating database " + work_);
    created_ = true;
  }
  return run_script(pre_data, "running the schema's pre-data");
}

Status PgRestoreTarget::rows(const TableInfo& table, std::string_view lines) {
  std::lock_guard lock(mu_);
  auto it = copying_.find(table.id);
  if (it == copying_.end()) {
    std::optional<PgSession> s;
    if (!idle_.empty()) {
      s = std::move(idle_.back());
      idle_.pop_back();
    } else {
      s = TRY(PgSession::connect(params_for(work_)));
    }
    TRY_CTX(say_target_disk_full(s->copy_in_begin(copy_in_sql(table))), loading(table));
    loaded_.push_back(pg_qualified(table.schema, table.name));
    it = copying_.emplace(table.id, std::move(*s)).first;
  }
  return with_context(say_target_disk_full(it->second.copy_in_send(lines)), loading(table));
}

Status PgRestoreTarget::table_done(const TableInfo& table, uint64_t rows) {
  std::lock_guard lock(mu_);
  auto it = copying_.find(table.id);
  if (it == copying_.end()) {
    if (rows == 0) return {};
    return err(Errc::invalid_argument, "table {} ended with {} rows but none arrived",
               table.qualified(), rows);
  }
  PgSession s = std::move(it->second);
  copying_.erase(it);
  TRY_CTX(say_target_disk_full(s.copy_in_end()), loading(table));
  if (s.affected() != rows) {
    return err(Errc::invalid_argument, "table {}: the dump announced {} rows, {} were loaded",
               table.qualified(), rows, s.affected());
  }
  idle_.push_back(std::move(s));
  return {};
}

Status PgRestoreTarget::finish(const std::string& post_data) {
  std::lock_guard lock(mu_);
  auto st = finish_locked(post_data);
  if (!st.ok()) abort_locked();
  return with_context(std::move(st), fmt::format("restoring into PostgreSQL database {}", target_));
}

Status PgRestoreTarget::finish_locked(const std::string& post_data) {
  if (work_.empty()) return err(Errc::internal, "finish() before begin()");
  if (!copying_.empty()) {
    return err(Errc::invalid_argument, "the rows of table id {} never ended",
               copying_.begin()->first);
  }
  idle_.clear();
  TRY(run_script(post_data, "running the schema's post-data"));
  if (!options_.direct) TRY(swap());
  finished_ = true;
  created_ = false;
  admin_.reset();
  return {};
}

// Puts the restored database in D's place. D, if it exists, is renamed aside and dropped only
// once the new one holds its name; until then a failure leaves it as it was.
Status PgRestoreTarget::swap() {
  auto* a = TRY(admin());
  if (!TRY(database_exists(target_))) {
    return a->exec("ALTER DATABASE " + pg_quote_ident(work_) + " RENAME TO " +
                   pg_quote_ident(target_));
  }
  if (!options_.replace && TRY(database_has_tables(target_))) {
    return err(Errc::already_exists, "database {} was filled during the restore", target_);
  }
  // Our own sessions (the emptiness check) may still be exiting; RENAME waits a few seconds
  // for those, but another client's session is a conflict.
  auto sessions =
      TRY(a->scalar("SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                    "AND application_name <> 'dbtwin-restore' AND datname = " +
                    pg_quote_literal(target_)));
  if (sessions != "0") {
    return err(Errc::conflict, "database {} has {} other sessions; close them and retry", target_,
               sessions);
  }
  std::string old = bounded_name(target_, "__dbtwin_old_" + random_suffix());
  TRY(a->exec("ALTER DATABASE " + pg_quote_ident(target_) + " RENAME TO " + pg_quote_ident(old)));
  auto st =
      a->exec("ALTER DATABASE " + pg_quote_ident(work_) + " RENAME TO " + pg_quote_ident(target_));
  if (!st.ok()) {
    auto back =
        a->exec("ALTER DATABASE " + pg_quote_ident(old) + " RENAME TO " + pg_quote_ident(target_));
    if (!back.ok())
      log::error("could not rename {} back to {}: {}", old, target_, back.error().message);
    return st;
  }
  if (auto drop = a->exec("DROP DATABASE " + pg_quote_ident(old) + " WITH (FORCE)"); !drop.ok()) {
    log::warn("restored {}, but the replaced database {} could not be dropped: {}", target_, old,
              drop.error().message);
  }
  return {};
}

void PgRestoreTarget::abort() {
  std::lock_guard lock(mu_);
  abort_locked();
}

// Gives back the space the rows took before DROP DATABASE runs. PostgreSQL truncates a dropped
// table's files at once, but DROP DATABASE first forces a checkpoint, and a checkpoint that
// cannot write its small files (pg_logical/replorigin_checkpoint) on a full disk PANICs the
// whole server. Best effort: DROP DATABASE follows anyway.
void PgRestoreTarget::free_loaded_tables() {
  if (loaded_.empty()) return;
  std::string sql = "DROP TABLE IF EXISTS ";
  for (size_t i = 0; i < loaded_.size(); ++i) sql += (i ? ", " : "") + loaded_[i];
  auto s = PgSession::connect(params_for(work_));
  auto st = s.ok() ? s->exec(sql + " CASCADE") : Status(s.error());
  if (!st.ok()) log::warn("could not drop the tables of {} first: {}", work_, st.error().message);
  loaded_.clear();
}

void PgRestoreTarget::abort_locked() {
  copying_.clear();  // closing a session mid-COPY makes the server discard it
  idle_.clear();
  if (created_) {
    free_loaded_tables();
    auto a = admin();
    auto st = a.ok()
                  ? (*a)->exec("DROP DATABASE IF EXISTS " + pg_quote_ident(work_) + " WITH (FORCE)")
                  : Status(a.error());
    if (!st.ok())
      log::warn("could not drop the unfinished database {}: {}", work_, st.error().message);
    created_ = false;
  }
  admin_.reset();
  finished_ = true;
}

}  // namespace

Result<std::unique_ptr<RestoreTarget>> open_pg_target(const RestoreOptions& options) {
  auto params = TRY(pg_params_from_url(options.url));
  if (params.database.size() > kMaxIdentifier) {
    return err(Errc::invalid_argument, "database name longer than {} bytes: {}", kMaxIdentifier,
               params.database);
  }
  return std::unique_ptr<RestoreTarget>(std::make_unique<PgRestoreTarget>(options, params));
}

}  // namespace dbtwin::pipeline
