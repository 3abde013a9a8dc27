// A small RAII wrapper over libmariadb: one TCP (or socket) connection, statements, text rows.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/engine.h"

typedef struct st_mysql MYSQL;

namespace dbtwin::engine {

struct MysqlTarget {
  std::string host;  // TCP unless `socket` is set
  int port = 0;
  std::string socket;  // a unix socket path (used only while initializing)
  std::string user;
  std::string password;
  std::string database;  // may be empty
  unsigned connect_timeout_s = 10;
};

class MysqlConnection {
 public:
  // Logs in; Errc::engine with the client library's message on failure.
  static Result<MysqlConnection> connect(const MysqlTarget& target);

  // Runs one or more statements (multi-statement mode), consuming every result.
  Status exec(const std::string& sql);
  // Runs one query and returns its rows as text (NULL as nullopt).
  Result<std::vector<Row>> query(const std::string& sql);

  // A quoted string literal ('...'), escaped for the connection's character set.
  std::string literal(const std::string& value);

 private:
  struct Closer {
    void operator()(MYSQL* m) const;
  };
  explicit MysqlConnection(MYSQL* m) : conn_(m) {}
  Error server_error() const;
  std::unique_ptr<MYSQL, Closer> conn_;
};

// A quoted identifier (`...`), with backticks doubled.
std::string mysql_identifier(const std::string& name);

}  // namespace dbtwin::engine
