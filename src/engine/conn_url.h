// Connection URLs: postgres://user:pass@host:port/db and mysql://user:pass@host:port/db.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace dbtwin::engine {

struct ConnUrl {
  std::string scheme;    // as written, lower case
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded
  std::string host;      // without [] around an IPv6 address
  int port = 0;          // 0 when absent
  std::string database;  // percent-decoded; empty when absent
  std::string query;     // after '?', as written
};

// Parses a URL of one of `schemes` (e.g. {"postgres", "postgresql"}). Never echoes the
// password in an error.
Result<ConnUrl> parse_conn_url(std::string_view url,
                               std::initializer_list<std::string_view> schemes);

// Builds a URL with the user and password percent-encoded. An empty password is left out.
std::string format_conn_url(std::string_view scheme, const std::string& host, int port,
                            const std::string& user, const std::string& password,
                            const std::string& database);

std::string percent_decode(std::string_view s);

}  // namespace dbtwin::engine
