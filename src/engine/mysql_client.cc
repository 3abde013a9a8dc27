#include "engine/mysql_client.h"

#include <mysql.h>

#include <mutex>

namespace dbtwin::engine {

namespace {

struct ResultCloser {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};
using MysqlResult = std::unique_ptr<MYSQL_RES, ResultCloser>;

// mysql_init is not thread-safe until the library is initialized once.
void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

}  // namespace

void MysqlConnection::Closer::operator()(MYSQL* m) const {
  mysql_close(m);
}

Result<MysqlConnection> MysqlConnection::connect(const MysqlTarget& t) {
  init_library();
  MysqlConnection conn(mysql_init(nullptr));
  if (!conn.conn_) return err(Errc::system, "libmariadb could not allocate a connection");
  MYSQL* m = conn.conn_.get();
  unsigned timeout = t.connect_timeout_s;
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // Never read the machine's option files: our servers are configured by us only.
  unsigned protocol = t.socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
  const char* db = t.database.empty() ? nullptr : t.database.c_str();
  const char* sock = t.socket.empty() ? nullptr : t.socket.c_str();
  const char* host = t.socket.empty() ? t.host.c_str() : "localhost";
  if (!mysql_real_connect(m, host, t.user.c_str(), t.password.c_str(), db,
                          static_cast<unsigned>(t.port), sock, CLIENT_MULTI_STATEMENTS)) {
    return err(Errc::engine, "cannot log in to MariaDB at {} as {}: {}",
               sock ? t.socket : fmt::format("{}:{}", t.host, t.port), t.user, mysql_error(m));
  }
  return conn;
}

Error MysqlConnection::server_error() const {
  return err(Errc::engine, "MariaDB: ERROR {}: {}", mysql_errno(conn_.get()),
             mysql_error(conn_.get()));
}

Status MysqlConnection::exec(const std::string& sql) {
  MYSQL* m = conn_.get();
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) return server_error();
  for (;;) {
    MysqlResult res(mysql_store_result(m));
    if (!res && mysql_field_count(m) != 0) return server_error();
    int next = mysql_next_result(m);
    if (next > 0) return server_error();
    if (next < 0) return {};
  }
}

Result<std::vector<Row>> MysqlConnection::query(const std::string& sql) {
  MYSQL* m = conn_.get();
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) return server_error();
  MysqlResult res(mysql_store_result(m));
  if (!res && mysql_field_count(m) != 0) return server_error();
  std::vector<Row> rows;
  if (res) {
    unsigned ncols = mysql_num_fields(res.get());
    while (MYSQL_ROW r = mysql_fetch_row(res.get())) {
      unsigned long* lengths = mysql_fetch_lengths(res.get());
      Row row;
      row.reserve(ncols);
      for (unsigned c = 0; c < ncols; ++c) {
        if (r[c] == nullptr) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(r[c], lengths[c]));
        }
      }
      rows.push_back(std::move(row));
    }
  }
  // Drain any further results so the connection stays usable.
  while (mysql_next_result(m) == 0) MysqlResult(mysql_store_result(m));
  return rows;
}

std::string MysqlConnection::literal(const std::string& value) {
  std::string out(value.size() * 2 + 1, '\0');
  unsigned long n = mysql_real_escape_string(conn_.get(), out.data(), value.data(),
                                             static_cast<unsigned long>(value.size()));
  out.resize(n);
  return "'" + out + "'";
}

std::string mysql_identifier(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

}  // namespace dbtwin::engine
