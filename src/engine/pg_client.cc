#include "engine/pg_client.h"

#include <libpq-fe.h>

#include "base/strings.h"

namespace dbtwin::engine {

namespace {

struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultCloser>;

struct FreeMem {
  void operator()(char* p) const { PQfreemem(p); }
};
using PgString = std::unique_ptr<char, FreeMem>;

}  // namespace

void PgConnection::Closer::operator()(PGconn* c) const {
  PQfinish(c);
}

Result<PgConnection> PgConnection::connect(const PgTarget& t) {
  std::string port = std::to_string(t.port);
  std::string timeout = std::to_string(std::max(2, t.connect_timeout_s));
  // Local servers speak neither SSL nor GSS: skipping the negotiation saves round trips.
  const char* keys[] = {"host",     "port",       "user",
                        "password", "dbname",     "connect_timeout",
                        "sslmode",  "gssencmode", "application_name",
                        nullptr};
  const char* values[] = {t.host.c_str(),     port.c_str(),    t.user.c_str(), t.password.c_str(),
                          t.database.c_str(), timeout.c_str(), "disable",      "disable",
                          "dbtwin",           nullptr};
  PgConnection conn(PQconnectdbParams(keys, values, 0));
  if (!conn.conn_) return err(Errc::system, "libpq could not allocate a connection");
  if (PQstatus(conn.conn_.get()) != CONNECTION_OK) {
    return err(Errc::engine, "cannot log in to PostgreSQL at {}:{} as {}: {}", t.host, t.port,
               t.user, conn.last_error());
  }
  return conn;
}

std::string PgConnection::last_error() const {
  std::string msg = PQerrorMessage(conn_.get());
  return std::string(trim(msg));
}

Status PgConnection::exec(const std::string& sql) {
  PgResult res(PQexec(conn_.get(), sql.c_str()));
  auto status = PQresultStatus(res.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return err(Errc::engine, "PostgreSQL: {}", last_error());
  }
  return {};
}

Result<std::vector<Row>> PgConnection::query(const std::string& sql) {
  PgResult res(PQexec(conn_.get(), sql.c_str()));
  auto status = PQresultStatus(res.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return err(Errc::engine, "PostgreSQL: {}", last_error());
  }
  return rows_of(res.get());
}

std::vector<Row> rows_of(const PGresult* res) {
  std::vector<Row> rows;
  int nrows = PQntuples(res);
  int ncols = PQnfields(res);
  rows.reserve(static_cast<size_t>(nrows));
  for (int r = 0; r < nrows; ++r) {
    Row row;
    row.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(res, r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(
            std::string(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c))));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::string> PgConnection::identifier(const std::string& name) {
  PgString s(PQescapeIdentifier(conn_.get(), name.data(), name.size()));
  if (!s) return err(Errc::invalid_argument, "cannot quote identifier: {}", last_error());
  return std::string(s.get());
}

Result<std::string> PgConnection::literal(const std::string& value) {
  PgString s(PQescapeLiteral(conn_.get(), value.data(), value.size()));
  if (!s) return err(Errc::invalid_argument, "cannot quote literal: {}", last_error());
  return std::string(s.get());
}

Result<std::string> PgConnection::encrypt_password(const std::string& user,
                                                   const std::string& password) {
  PgString s(PQencryptPasswordConn(conn_.get(), password.c_str(), user.c_str(), "scram-sha-256"));
  if (!s) return err(Errc::engine, "cannot hash the password of {}: {}", user, last_error());
  return std::string(s.get());
}

}  // namespace dbtwin::engine
