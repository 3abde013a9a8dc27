// A libpq session for dumps and restores: statements, text rows, and the COPY protocol in both
// directions, which engine::PgConnection does not expose. One thread uses a session at a time;
// cancel() may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/engine.h"

typedef struct pg_conn PGconn;
typedef struct pg_cancel PGcancel;

namespace dbtwin::pipeline {

// Where to log in. Sessions always speak UTF-8 and ISO dates, so that rows read from one server
// load unchanged into another whatever either server's defaults are.
struct PgParams {
  std::string host;  // empty: libpq's default socket
  int port = 0;      // 0: libpq's default
  std::string user;
  std::string password;
  std::string database;
  std::string sslmode;  // empty: libpq's default
  std::string application_name = "dbtwin";
};

// Login parameters from a postgres:// URL (its ?sslmode= is honoured).
Result<PgParams> pg_params_from_url(const std::string& url);

class PgSession {
 public:
  // Logs in and applies the session settings; Errc::engine naming the server and database.
  static Result<PgSession> connect(const PgParams& params);

  PgSession(PgSession&&) noexcept = default;
  PgSession& operator=(PgSession&&) noexcept = default;
  ~PgSession();

  // Runs one or more statements; Errc::engine with the server's message.
  Status exec(const std::string& sql);
  // Runs one query; rows as text, NULL as nullopt.
  Result<std::vector<engine::Row>> query(const std::string& sql);
  // The single value of a one-row, one-column query (NULL as "").
  Result<std::string> scalar(const std::string& sql);
  // Rows changed by the last exec(), or loaded by the last copy_in_end().
  uint64_t affected() const { return affected_; }

  // Runs `COPY ... TO STDOUT` and hands each row (with its '\n') to `on_row`. An error from
  // on_row stops the copy (cancelled on the server) and is returned.
  Status copy_out(const std::string& sql, const std::function<Status(std::string_view)>& on_row);

  // `COPY ... FROM STDIN`: start, send data (any split), end; the error, if any, comes from
  // copy_in_end() or the first send that notices it.
  Status copy_in_begin(const std::string& sql);
  Status copy_in_send(std::string_view data);
  Status copy_in_end();

  // Asks the server to cancel the statement running now; harmless when idle. Thread-safe.
  void cancel();
  // False once the connection is broken (e.g. its backend was terminated).
  bool alive() const;
  // Closes the connection now (the destructor does it too).
  void close();

 private:
  struct Closer {
    void operator()(PGconn* c) const;
  };
  struct CancelFree {
    void operator()(PGcancel* c) const;
  };
  PgSession() = default;
  std::string last_error() const;
  Status drain_copy_out();

  std::unique_ptr<PGconn, Closer> conn_;
  std::unique_ptr<PGcancel, CancelFree> cancel_;
  std::string where_;  // "host:port/db", for messages
  uint64_t affected_ = 0;
};

// Identifier and literal quoting for UTF-8 text (standard_conforming_strings on).
std::string pg_quote_ident(std::string_view name);
std::string pg_quote_literal(std::string_view value);
// "schema"."name"
std::string pg_qualified(std::string_view schema, std::string_view name);

}  // namespace dbtwin::pipeline
