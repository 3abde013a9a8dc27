// A small RAII wrapper over libpq: one connection, simple-protocol statements, text rows.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/engine.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace dbtwin::engine {

struct PgTarget {
  std::string host;
  int port = 0;
  std::string user;
  std::string password;
  std::string database;
  int connect_timeout_s = 10;
};

// A result's rows as text (NULL as nullopt); the pipeline's sessions read results this way too.
std::vector<Row> rows_of(const PGresult* res);

class PgConnection {
 public:
  // Logs in over TCP; Errc::engine with libpq's message on failure.
  static Result<PgConnection> connect(const PgTarget& target);

  // Runs one or more statements; Errc::engine with the server's message on failure.
  Status exec(const std::string& sql);
  // Runs one query and returns its rows as text (NULL as nullopt).
  Result<std::vector<Row>> query(const std::string& sql);

  // Quoting for identifiers and literals, with the connection's encoding rules.
  Result<std::string> identifier(const std::string& name);
  Result<std::string> literal(const std::string& value);
  // The SCRAM verifier of a password, so the clear text never reaches the server's logs.
  Result<std::string> encrypt_password(const std::string& user, const std::string& password);

 private:
  struct Closer {
    void operator()(PGconn* c) const;
  };
  explicit PgConnection(PGconn* c) : conn_(c) {}
  std::string last_error() const;
  std::unique_ptr<PGconn, Closer> conn_;
};

}  // namespace dbtwin::engine
