#include "engine/conn_url.h"

#include <algorithm>
#include <charconv>

#include "base/log.h"
#include "base/strings.h"

namespace dbtwin::engine {

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit_value(s[i + 1]) >= 0 &&
        hex_digit_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit_value(s[i + 1]) * 16 + hex_digit_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

Result<ConnUrl> parse_conn_url(std::string_view url,
                               std::initializer_list<std::string_view> schemes) {
  ConnUrl out;
  auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    return err(Errc::invalid_argument, "not a connection URL (no scheme): {}", log::redact(url));
  }
  out.scheme = std::string(url.substr(0, sep));
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (std::find(schemes.begin(), schemes.end(), out.scheme) == schemes.end()) {
    return err(Errc::invalid_argument, "unsupported URL scheme '{}'", out.scheme);
  }
  std::string_view rest = url.substr(sep + 3);
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    out.query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.size() < rest.size())
    out.database = percent_decode(rest.substr(authority.size() + 1));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    auto colon = userinfo.find(':');
    out.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) out.password = percent_decode(userinfo.substr(colon + 1));
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return err(Errc::invalid_argument, "unterminated IPv6 address in URL host");
    }
    out.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (!port.empty()) {
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
    if (ec != std::errc() || p != port.data() + port.size() || out.port <= 0 || out.port > 65535) {
      return err(Errc::invalid_argument, "invalid port '{}' in URL", port);
    }
  }
  if (out.host.empty()) out.host = "localhost";
  return out;
}

std::string format_conn_url(std::string_view scheme, const std::string& host, int port,
                            const std::string& user, const std::string& password,
                            const std::string& database) {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string userinfo = url_encode(user);
  if (!password.empty()) userinfo += ":" + url_encode(password);
  if (!userinfo.empty()) userinfo += "@";
  return fmt::format("{}://{}{}:{}/{}", scheme, userinfo, h, port, url_encode(database));
}

}  // namespace dbtwin::engine
