#include "pipeline/mariadb_session.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <cstring>
#include <mutex>
#include <optional>

#include "engine/conn_url.h"

namespace dbtwin::pipeline {
namespace {

struct ResultFree {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};
using ResultPtr = std::unique_ptr<MYSQL_RES, ResultFree>;

// mysql_init is not thread-safe until the library is initialized once.
void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

// What the infile callbacks share with load_local(): the reader and the error it gave, if any.
struct InfileState {
  const MariadbSession::ReadFn* read = nullptr;
  std::optional<Error> error;
};

int infile_init(void** ptr, const char*, void* userdata) {
  *ptr = userdata;
  return 0;
}

int infile_read(void* ptr, char* buf, unsigned int size) {
  auto* state = static_cast<InfileState*>(ptr);
  auto n = (*state->read)(buf, size);
  if (!n.ok()) {
    state->error = std::move(n).error();
    return -1;
  }
  return static_cast<int>(*n);
}

void infile_end(void*) {}

int infile_error(void* ptr, char* msg, unsigned int size) {
  auto* state = static_cast<InfileState*>(ptr);
  std::string text = state->error ? state->error->message : "the row stream stopped";
  std::snprintf(msg, size, "%s", text.c_str());
  return CR_UNKNOWN_ERROR;
}

}  // namespace

Result<MariadbParams> mariadb_params_from_url(const std::string& url) {
  auto u = TRY(engine::parse_conn_url(url, {"mysql", "mariadb"}));
  if (u.database.empty()) {
    return err(Errc::invalid_argument, "the MariaDB URL names no database");
  }
  MariadbParams p;
  if (!u.host.empty()) p.host = u.host;
  if (u.port != 0) p.port = u.port;
  p.user = u.user.empty() ? "root" : u.user;
  p.password = u.password;
  p.database = u.database;
  return p;
}

void MariadbSession::Closer::operator()(MYSQL* m) const {
  mysql_close(m);
}

Result<MariadbSession> MariadbSession::connect(const MariadbParams& p, const std::string& database,
                                               MariadbCharset charset, bool local_infile) {
  init_library();
  MariadbSession s;
  s.params_ = p;
  s.where_ = fmt::format("{}:{}", p.host, p.port);
  s.conn_.reset(mysql_init(nullptr));
  if (!s.conn_) return err(Errc::system, "libmariadb could not allocate a connection");
  MYSQL* m = s.conn_.get();
  unsigned timeout = 10;
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  unsigned protocol = MYSQL_PROTOCOL_TCP;
  mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
  unsigned infile = local_infile ? 1 : 0;
  mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &infile);
  const char* db = database.empty() ? nullptr : database.c_str();
  if (!mysql_real_connect(m, p.host.c_str(), p.user.c_str(), p.password.c_str(), db,
                          static_cast<unsigned>(p.port), nullptr, 0)) {
    return err(Errc::engine, "cannot log in to MariaDB at {} as {}{}: {}", s.where_, p.user,
               database.empty() ? "" : " to database " + database, mysql_error(m));
  }
  if (charset == MariadbCharset::binary) TRY(s.exec("SET NAMES binary"));
  TRY(s.exec("SET SESSION time_zone = '+00:00'"));
  return s;
}

Error MariadbSession::server_error(std::string_view what) const {
  // The server's disk is full: ER_DISK_FULL (1021), ER_RECORD_FILE_FULL (1114: InnoDB cannot
  // extend a tablespace) or ER_GET_ERRNO (1030) with errno 28, ENOSPC.
  unsigned code = mysql_errno(conn_.get());
  bool full =
      code == ER_DISK_FULL || code == ER_RECORD_FILE_FULL ||
      (code == ER_GET_ERRNO &&
       std::string_view(mysql_error(conn_.get())).find("error 28 ") != std::string_view::npos);
  return err(full ? Errc::no_space : Errc::engine, "MariaDB at {}{}{}: ERROR {}: {}", where_,
             what.empty() ? "" : ", ", what, mysql_errno(conn_.get()), mysql_error(conn_.get()));
}

Status MariadbSession::exec(std::string_view sql) {
  MYSQL* m = conn_.get();
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) return server_error("");
  affected_ = 0;
  for (;;) {
    ResultPtr res(mysql_store_result(m));
    if (!res && mysql_field_count(m) != 0) return server_error("");
    if (!res) affected_ = mysql_affected_rows(m);
    int next = mysql_next_result(m);
    if (next > 0) return server_error("");
    if (next < 0) return {};
  }
}

Result<std::vector<engine::Row>> MariadbSession::query(std::string_view sql) {
  std::vector<engine::Row> rows;
  TRY(stream(std::string(sql), [&](const char* const* v, const unsigned long* len, unsigned n) {
    engine::Row row;
    row.reserve(n);
    for (unsigned c = 0; c < n; ++c) {
      if (v[c] == nullptr) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(v[c], len[c]));
      }
    }
    rows.push_back(std::move(row));
    return Status{};
  }));
  return rows;
}

Result<std::string> MariadbSession::scalar(std::string_view sql) {
  auto rows = TRY(query(sql));
  if (rows.empty() || rows[0].empty()) {
    return err(Errc::engine, "MariaDB at {}: no value from {}", where_, sql);
  }
  return rows[0][0].value_or("");
}

Status MariadbSession::stream(const std::string& sql, const RowFn& on_row) {
  MYSQL* m = conn_.get();
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) return server_error("");
  ResultPtr res(mysql_use_result(m));
  if (!res) {
    if (mysql_field_count(m) != 0) return server_error("");
    affected_ = mysql_affected_rows(m);
    return {};
  }
  unsigned n = mysql_num_fields(res.get());
  while (MYSQL_ROW row = mysql_fetch_row(res.get())) {
    auto st = on_row(row, mysql_fetch_lengths(res.get()), n);
    if (!st.ok()) {
      // Freeing an unfinished result reads it to its end: stop the server sending it first.
      (void)kill_query();
      res.reset();
      return st;
    }
  }
  if (mysql_errno(m) != 0) return server_error("while reading rows");
  return {};
}

Status MariadbSession::load_local(const std::string& sql, const ReadFn& read) {
  MYSQL* m = conn_.get();
  InfileState state;
  state.read = &read;
  mysql_set_local_infile_handler(m, infile_init, infile_read, infile_end, infile_error, &state);
  int rc = mysql_real_query(m, sql.data(), sql.size());
  mysql_set_local_infile_default(m);
  if (state.error) return std::move(*state.error);
  unsigned code = mysql_errno(m);
  if (rc != 0 && (code == ER_NOT_ALLOWED_COMMAND || code == ER_LOAD_INFILE_CAPABILITY_DISABLED)) {
    return err(Errc::unavailable,
               "MariaDB at {} refuses LOAD DATA LOCAL INFILE ({}); restores need the server's "
               "local_infile=ON",
               where_, mysql_error(m));
  }
  if (rc != 0) return server_error("");
  affected_ = mysql_affected_rows(m);
  return {};
}

Result<std::string> MariadbSession::warnings() {
  if (mysql_warning_count(conn_.get()) == 0) return std::string();
  auto rows = TRY(query("SHOW WARNINGS LIMIT 3"));
  std::string text;
  for (const auto& r : rows) {
    if (r.size() < 3) continue;
    if (!text.empty()) text += "; ";
    text += r[0].value_or("") + " " + r[1].value_or("") + ": " + r[2].value_or("");
  }
  return text;
}

Status MariadbSession::kill_query() const {
  auto side = TRY(connect(params_, "", MariadbCharset::utf8mb4));
  return side.exec(fmt::format("KILL QUERY {}", thread_id()));
}

unsigned long MariadbSession::thread_id() const {
  return mysql_thread_id(conn_.get());
}

std::string mariadb_ident(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string mariadb_literal(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\0':
        out += "\\0";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\x1a':
        out += "\\Z";
        break;
      default:
        out += c;
    }
  }
  return out + "'";
}

}  // namespace dbtwin::pipeline
