// A libmariadb session for dumps and restores: statements, text rows, streamed result sets and
// LOAD DATA LOCAL fed from memory, which engine::MysqlConnection does not expose. One thread uses
// a session at a time; kill_query() opens its own connection and may run from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/engine.h"

typedef struct st_mysql MYSQL;

namespace dbtwin::pipeline {

struct MariadbParams {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user;
  std::string password;
  std::string database;  // the URL's database; sessions choose their own default database
};

// Login parameters from a mysql:// or mariadb:// URL; invalid_argument when it names no database.
Result<MariadbParams> mariadb_params_from_url(const std::string& url);

enum class MariadbCharset {
  binary,   // SET NAMES binary: rows travel as the column's own bytes, never converted
  utf8mb4,  // for DDL text, which mariadb-dump writes in utf8mb4
};

class MariadbSession {
 public:
  // Logs in with `database` as the default (empty: none), time_zone '+00:00' so TIMESTAMP values
  // read on one server load unchanged into another. `local_infile` allows load_local().
  static Result<MariadbSession> connect(const MariadbParams& params, const std::string& database,
                                        MariadbCharset charset, bool local_infile = false);

  MariadbSession(MariadbSession&&) noexcept = default;
  MariadbSession& operator=(MariadbSession&&) noexcept = default;
  ~MariadbSession() = default;

  // Runs one statement, consuming its results; Errc::engine with the server's message.
  Status exec(std::string_view sql);
  // Runs one query; rows as text, NULL as nullopt.
  Result<std::vector<engine::Row>> query(std::string_view sql);
  // The single value of a one-row, one-column query (NULL as "").
  Result<std::string> scalar(std::string_view sql);
  // Rows changed by the last exec() or load_local().
  uint64_t affected() const { return affected_; }

  // Runs `sql` and hands each row to `on_row` as it arrives (mysql_use_result: constant memory).
  // values[i] is null for NULL. An error from on_row stops the query (KILL QUERY) and is
  // returned; a lost connection is Errc::engine.
  using RowFn = std::function<Status(const char* const* values, const unsigned long* lengths,
                                     unsigned count)>;
  Status stream(const std::string& sql, const RowFn& on_row);

  // Runs a LOAD DATA LOCAL INFILE statement whose file content comes from `read` (bytes into
  // buf, 0 at the end; an error aborts the load and is returned).
  using ReadFn = std::function<Result<size_t>(char* buf, size_t size)>;
  Status load_local(const std::string& sql, const ReadFn& read);

  // The first warnings of the last statement ("" when none), for refusing lossy loads.
  Result<std::string> warnings();

  // Stops the statement this session runs, from a separate connection.
  Status kill_query() const;
  unsigned long thread_id() const;
  // "host:port", for messages.
  const std::string& where() const { return where_; }

 private:
  struct Closer {
    void operator()(MYSQL* m) const;
  };
  MariadbSession() = default;
  Error server_error(std::string_view what) const;

  std::unique_ptr<MYSQL, Closer> conn_;
  MariadbParams params_;
  std::string where_;
  uint64_t affected_ = 0;
};

// `name` quoted as an identifier, backticks doubled.
std::string mariadb_ident(std::string_view name);
// `name` as a string literal for SQL text in utf8mb4 or binary sessions ('…', escapes for
// backslash, quote, NUL and control bytes).
std::string mariadb_literal(std::string_view value);

}  // namespace dbtwin::pipeline
