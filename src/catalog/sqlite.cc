#include "catalog/sqlite.h"

#include <sqlite3.h>

#include <utility>

namespace dbtwin::catalog {

namespace {

Error sqlite_error(sqlite3* db, std::string_view what) {
  int code = sqlite3_errcode(db);
  Errc errc = Errc::internal;
  if (code == SQLITE_CONSTRAINT)
    errc = Errc::already_exists;
  else if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    errc = Errc::timeout;
  else if (code == SQLITE_FULL)
    errc = Errc::no_space;
  else if (code == SQLITE_CANTOPEN || code == SQLITE_IOERR || code == SQLITE_READONLY)
    errc = Errc::system;
  return make_error(errc, fmt::format("catalog: {}: {}", what, sqlite3_errmsg(db)));
}

}  // namespace

Statement::Statement(Statement&& o) noexcept : db_(o.db_), stmt_(std::exchange(o.stmt_, nullptr)) {}
Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Statement& Statement::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(
      db_, sqlite3_sql(stmt_) ? std::string_view(sqlite3_sql(stmt_)).substr(0, 60) : "step");
}

Status Statement::run() {
  while (TRY(step())) {
  }
  return {};
}

int64_t Statement::int_at(int c) const {
  return sqlite3_column_int64(stmt_, c);
}
std::string Statement::text_at(int c) const {
  const unsigned char* t = sqlite3_column_text(stmt_, c);
  return t == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(t),
                                    static_cast<size_t>(sqlite3_column_bytes(stmt_, c)));
}
bool Statement::null_at(int c) const {
  return sqlite3_column_type(stmt_, c) == SQLITE_NULL;
}

Result<std::unique_ptr<Connection>> Connection::open(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return err(Errc::system, "cannot open catalog {}: {}", path.string(), msg);
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_busy_timeout(db, 30000);
  TRY(conn->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
  return conn;
}

Connection::~Connection() {
  sqlite3_close_v2(db_);
}

Status Connection::exec(std::string_view sql) {
  std::string s(sql);
  char* msg = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    Error e = sqlite_error(db_, "exec");
    sqlite3_free(msg);
    return e;
  }
  return {};
}

Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return sqlite_error(db_, fmt::format("prepare '{}'", sql.substr(0, 60)));
  }
  return Statement(db_, stmt);
}

int64_t Connection::changes() const {
  return sqlite3_changes64(db_);
}

Result<Transaction> Transaction::begin(Connection& db) {
  TRY(db.exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}
Transaction::Transaction(Transaction&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}
Status Transaction::commit() {
  Connection* db = std::exchange(db_, nullptr);
  return db->exec("COMMIT");
}

}  // namespace dbtwin::catalog
