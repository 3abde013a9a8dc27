#include "pipeline/pg_conn.h"

#include <libpq-fe.h>

#include <cstdlib>

#include "base/strings.h"
#include "engine/conn_url.h"
#include "engine/pg_client.h"

namespace dbtwin::pipeline {

namespace {

// SQLSTATE 53100 (disk_full: ENOSPC while extending a file or writing WAL) is the one server
// error with an Errc of its own, so a caller can say "no space" whatever language the server
// speaks.
Errc errc_of(const PGresult* r) {
  const char* state = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return state != nullptr && std::string_view(state) == "53100" ? Errc::no_space : Errc::engine;
}

struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultCloser>;

// Settings every dump and restore session runs with (the ones pg_dump and its restores set):
// dates, intervals and floats in a form any server reads back exactly, no row security
// silently hiding rows, and no server-side timeout ending a long dump.
constexpr const char* kSessionSettings =
    "SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits = 3; "
    "SET TimeZone = 'UTC'; SET row_security = off; SET statement_timeout = 0; "
    "SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0; "
    "SET standard_conforming_strings = on";

std::string query_param(std::string_view query, std::string_view key) {
  for (const auto& part : split(query, '&')) {
    auto eq = part.find('=');
    if (eq != std::string::npos && part.substr(0, eq) == key)
      return engine::percent_decode(part.substr(eq + 1));
  }
  return {};
}

}  // namespace

Result<PgParams> pg_params_from_url(const std::string& url) {
  auto u = TRY(engine::parse_conn_url(url, {"postgres", "postgresql"}));
  if (u.database.empty()) {
    return err(Errc::invalid_argument, "the PostgreSQL URL names no database");
  }
  PgParams p;
  p.host = u.host;
  p.port = u.port;
  p.user = u.user;
  p.password = u.password;
  p.database = u.database;
  p.sslmode = query_param(u.query, "sslmode");
  return p;
}

void PgSession::Closer::operator()(PGconn* c) const {
  PQfinish(c);
}

void PgSession::CancelFree::operator()(PGcancel* c) const {
  PQfreeCancel(c);
}

PgSession::~PgSession() = default;

Result<PgSession> PgSession::connect(const PgParams& p) {
  std::string port = p.port > 0 ? std::to_string(p.port) : "";
  std::vector<const char*> keys, values;
  auto add = [&](const char* k, const std::string& v) {
    if (v.empty()) return;
    keys.push_back(k);
    values.push_back(v.c_str());
  };
  add("host", p.host);
  add("port", port);
  add("user", p.user);
  add("password", p.password);
  add("dbname", p.database);
  add("sslmode", p.sslmode);
  add("application_name", p.application_name);
  static const std::string kTimeout = "10", kEncoding = "UTF8";
  add("connect_timeout", kTimeout);
  add("client_encoding", kEncoding);
  keys.push_back(nullptr);
  values.push_back(nullptr);

  PgSession s;
  s.where_ = fmt::format("{}:{}/{}", p.host.empty() ? "localhost" : p.host,
                         p.port > 0 ? p.port : 5432, p.database);
  // expand_dbname = 0: a database name is never parsed as a connection string.
  s.conn_.reset(PQconnectdbParams(keys.data(), values.data(), 0));
  if (!s.conn_) return err(Errc::system, "libpq could not allocate a connection");
  if (PQstatus(s.conn_.get()) != CONNECTION_OK) {
    return err(Errc::engine, "cannot log in to PostgreSQL at {} as {}: {}", s.where_, p.user,
               s.last_error());
  }
  s.cancel_.reset(PQgetCancel(s.conn_.get()));
  TRY_CTX(s.exec(kSessionSettings), "setting up the session");
  return s;
}

std::string PgSession::last_error() const {
  if (!conn_) return "connection closed";
  return std::string(trim(PQerrorMessage(conn_.get())));
}

Status PgSession::exec(const std::string& sql) {
  if (!conn_) return err(Errc::internal, "PostgreSQL session {} is closed", where_);
  PgResult res(PQexec(conn_.get(), sql.c_str()));
  auto status = PQresultStatus(res.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return err(errc_of(res.get()), "PostgreSQL {}: {}", where_, last_error());
  }
  affected_ = std::strtoull(PQcmdTuples(res.get()), nullptr, 10);
  return {};
}

Result<std::vector<engine::Row>> PgSession::query(const std::string& sql) {
  if (!conn_) return err(Errc::internal, "PostgreSQL session {} is closed", where_);
  PgResult res(PQexec(conn_.get(), sql.c_str()));
  auto status = PQresultStatus(res.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return err(errc_of(res.get()), "PostgreSQL {}: {}", where_, last_error());
  }
  return engine::rows_of(res.get());
}

Result<std::string> PgSession::scalar(const std::string& sql) {
  auto rows = TRY(query(sql));
  if (rows.size() != 1 || rows[0].size() != 1) {
    return err(Errc::internal, "expected one value from PostgreSQL {}, got {} rows", where_,
               rows.size());
  }
  return rows[0][0].value_or("");
}

Status PgSession::copy_out(const std::string& sql,
                           const std::function<Status(std::string_view)>& on_row) {
  if (!conn_) return err(Errc::internal, "PostgreSQL session {} is closed", where_);
  PgResult start(PQexec(conn_.get(), sql.c_str()));
  if (PQresultStatus(start.get()) != PGRES_COPY_OUT) {
    return err(Errc::engine, "PostgreSQL {}: {}", where_, last_error());
  }
  for (;;) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn_.get(), &buf, 0);
    if (n < 0) break;  // -1: done (the result follows); -2: broken
    Status st = on_row(std::string_view(buf, static_cast<size_t>(n)));
    PQfreemem(buf);
    if (!st.ok()) {
      cancel();
      (void)drain_copy_out();
      return st;
    }
  }
  return drain_copy_out();
}

// Reads what is left of a COPY OUT and its final result: the server's error, if any.
Status PgSession::drain_copy_out() {
  char* buf = nullptr;
  int n;
  while ((n = PQgetCopyData(conn_.get(), &buf, 0)) >= 0) PQfreemem(buf);
  Status status;
  while (PGresult* r = PQgetResult(conn_.get())) {
    PgResult res(r);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && status.ok()) {
      status = err(errc_of(r), "PostgreSQL {}: {}", where_, last_error());
    }
  }
  if (status.ok() && PQstatus(conn_.get()) != CONNECTION_OK) {
    status = err(Errc::engine, "PostgreSQL {}: connection lost: {}", where_, last_error());
  }
  return status;
}

Status PgSession::copy_in_begin(const std::string& sql) {
  if (!conn_) return err(Errc::internal, "PostgreSQL session {} is closed", where_);
  PgResult start(PQexec(conn_.get(), sql.c_str()));
  if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
    return err(errc_of(start.get()), "PostgreSQL {}: {}", where_, last_error());
  }
  return {};
}

Status PgSession::copy_in_send(std::string_view data) {
  if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1) {
    return err(Errc::engine, "PostgreSQL {}: {}", where_, last_error());
  }
  return {};
}

Status PgSession::copy_in_end() {
  if (PQputCopyEnd(conn_.get(), nullptr) != 1) {
    return err(Errc::engine, "PostgreSQL {}: {}", where_, last_error());
  }
  Status status;
  while (PGresult* r = PQgetResult(conn_.get())) {
    PgResult res(r);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && status.ok()) {
      status = err(errc_of(r), "PostgreSQL {}: {}", where_, last_error());
    } else if (status.ok()) {
      affected_ = std::strtoull(PQcmdTuples(r), nullptr, 10);
    }
  }
  return status;
}

void PgSession::cancel() {
  if (!cancel_) return;
  char errbuf[256];
  (void)PQcancel(cancel_.get(), errbuf, sizeof errbuf);
}

bool PgSession::alive() const {
  return conn_ && PQstatus(conn_.get()) == CONNECTION_OK;
}

void PgSession::close() {
  cancel_.reset();
  conn_.reset();
}

std::string pg_quote_ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string pg_quote_literal(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + '\'';
}

std::string pg_qualified(std::string_view schema, std::string_view name) {
  return pg_quote_ident(schema) + "." + pg_quote_ident(name);
}

}  // namespace dbtwin::pipeline
