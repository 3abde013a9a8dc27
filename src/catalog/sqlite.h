// A thin RAII layer over SQLite: a connection, prepared statements, and transactions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace dbtwin::catalog {

class Statement {
 public:
  Statement(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Binds by 1-based position.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind_null(int index);

  // Steps once: true if a row is available, false when done.
  Result<bool> step();
  // Steps until done (for statements that return no rows).
  Status run();

  int64_t int_at(int col) const;
  std::string text_at(int col) const;
  bool null_at(int col) const;

 private:
  friend class Connection;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating) a database file in WAL mode with a busy timeout, so several CLI processes
  // and the daemon can share it.
  static Result<std::unique_ptr<Connection>> open(const std::filesystem::path& path);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  int64_t changes() const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// A transaction: BEGIN IMMEDIATE (takes the write lock up front, so two processes never both
// read-then-write the same rows), rolled back on destruction unless committed.
class Transaction {
 public:
  static Result<Transaction> begin(Connection& db);
  Transaction(Transaction&& o) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Connection* db) : db_(db) {}
  Connection* db_;
};

}  // namespace dbtwin::catalog
