#include "cli/api_client.h"

#include <httplib.h>

#include <charconv>

#include "base/strings.h"
#include "os/socket.h"

namespace dbtwin::cli {

namespace {

// httplib 0.11 has no Unix-socket client: this one connects its socket through os/ and
// leaves HTTP itself to httplib.
class UnixClient final : public httplib::ClientImpl {
 public:
  UnixClient(std::string path, std::shared_ptr<std::string> connect_error)
      : ClientImpl("localhost"), path_(std::move(path)), connect_error_(std::move(connect_error)) {}

 protected:
  bool create_and_connect_socket(Socket& socket, httplib::Error& error) override {
    auto fd = os::connect_unix(path_);
    if (!fd) {
      *connect_error_ = fd.error().message;
      error = httplib::Error::Connection;
      return false;
    }
    socket.sock = fd->release();
    return true;
  }

 private:
  std::string path_;
  std::shared_ptr<std::string> connect_error_;
};

Result<int> parse_port(std::string_view text, const std::string& url) {
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535)
    return err(Errc::invalid_argument, "bad port '{}' in server URL '{}'", text, url);
  return port;
}

// "host", "host:port", "[v6]" or "[v6]:port" into a.host and a.port.
Status split_host_port(std::string_view rest, const std::string& url, ServerAddress& a) {
  std::string_view port_text;
  if (starts_with(rest, "[")) {
    auto close = rest.find(']');
    if (close == std::string_view::npos)
      return err(Errc::invalid_argument, "unclosed '[' in server URL '{}'", url);
    a.host = std::string(rest.substr(1, close - 1));
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':')
        return err(Errc::invalid_argument, "bad server URL '{}': expected ':' after ']'", url);
      port_text = rest.substr(close + 2);
    }
  } else {
    auto colon = rest.rfind(':');
    a.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (a.host.empty()) return err(Errc::invalid_argument, "no host in server URL '{}'", url);
  a.port = port_text.empty() ? (a.scheme == "https" ? 443 : 80) : TRY(parse_port(port_text, url));
  return {};
}

}  // namespace

Result<ServerAddress> parse_server_url(const std::string& url) {
  ServerAddress a;
  std::string_view rest = url;
  if (starts_with(rest, "unix:")) {
    rest.remove_prefix(5);
    // unix:///path is the URL form of unix:/path.
    if (starts_with(rest, "//")) rest.remove_prefix(2);
    if (!starts_with(rest, "/"))
      return err(Errc::invalid_argument, "unix socket URL '{}' needs an absolute path", url);
    a.scheme = "unix";
    a.socket_path = std::string(rest);
    return a;
  }
  auto sep = rest.find("://");
  a.scheme = sep == std::string_view::npos ? "http" : std::string(rest.substr(0, sep));
  if (sep != std::string_view::npos) rest.remove_prefix(sep + 3);
  if (a.scheme != "http" && a.scheme != "https")
    return err(Errc::invalid_argument, "server URL '{}': use http://, https:// or unix://", url);
  if (ends_with(rest, "/")) rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos)
    return err(Errc::invalid_argument, "server URL '{}' must not have a path", url);
  TRY(split_host_port(rest, url, a));
  return a;
}

Errc errc_for_status(int status) {
  switch (status) {
    case 400:
    case 401:
      return Errc::invalid_argument;
    case 404:
      return Errc::not_found;
    case 409:
      return Errc::conflict;
    case 503:
      return Errc::unavailable;
    case 504:
      return Errc::timeout;
    default:
      return Errc::internal;
  }
}

ApiClient::ApiClient(std::string url, std::unique_ptr<httplib::ClientImpl> http,
                     std::shared_ptr<std::string> connect_error, bool has_token)
    : url_(std::move(url)),
      http_(std::move(http)),
      connect_error_(std::move(connect_error)),
      has_token_(has_token) {}

ApiClient::~ApiClient() = default;

Result<std::unique_ptr<ApiClient>> ApiClient::connect(const std::string& url,
                                                      const std::string& token) {
  auto a = TRY(parse_server_url(url));
  auto connect_error = std::make_shared<std::string>();
  std::unique_ptr<httplib::ClientImpl> http;
  if (a.scheme == "unix")
    http = std::make_unique<UnixClient>(a.socket_path, connect_error);
  else if (a.scheme == "https")
    http = std::make_unique<httplib::SSLClient>(a.host, a.port);
  else
    http = std::make_unique<httplib::ClientImpl>(a.host, a.port);
  http->set_connection_timeout(5);
  // The daemon answers a clone creation once logins work and a forced delete once its clones
  // are gone: minutes on a slow host, so only a dead connection should end the wait.
  http->set_read_timeout(3600);
  http->set_keep_alive(true);
  if (!token.empty()) http->set_bearer_token_auth(token);
  return std::unique_ptr<ApiClient>(
      new ApiClient(url, std::move(http), std::move(connect_error), !token.empty()));
}

Error ApiClient::transport_error(int http_error) const {
  using E = httplib::Error;
  switch (static_cast<E>(http_error)) {
    case E::Connection:
      return err(Errc::unavailable, "cannot reach the dbtwin server at {}: {}", url_,
                 connect_error_->empty() ? "could not connect (is `dbtwin serve` running there?)"
                                         : *connect_error_);
    case E::ConnectionTimeout:
      return err(Errc::unavailable, "cannot reach the dbtwin server at {}: connection timed out",
                 url_);
    case E::Read:
    case E::Write:
      return err(Errc::unavailable,
                 "lost the connection to the dbtwin server at {} before its answer", url_);
    default:
      return err(Errc::unavailable, "cannot reach the dbtwin server at {}: {}", url_,
                 httplib::to_string(static_cast<E>(http_error)));
  }
}

Result<nlohmann::json> ApiClient::call(const std::string& method, const std::string& path,
                                       const std::optional<nlohmann::json>& body) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  if (body) {
    req.body = body->dump();
    req.set_header("Content-Type", "application/json");
  }
  connect_error_->clear();
  auto res = http_->send(req);
  if (!res) return transport_error(static_cast<int>(res.error()));
  return answer(method, path, res->status, res->body);
}

Result<nlohmann::json> ApiClient::answer(const std::string& method, const std::string& path,
                                         int status, const std::string& body) const {
  auto j = body.empty() ? nlohmann::json() : nlohmann::json::parse(body, nullptr, false);
  if (status >= 200 && status < 300) {
    if (j.is_discarded())
      return err(Errc::internal,
                 "the dbtwin server at {} answered {} {} with text that is not JSON", url_, method,
                 path);
    return j;
  }
  if (status == 401) {
    return err(Errc::invalid_argument, "the dbtwin server at {} {}", url_,
               has_token_ ? "refused the API token (--token or DBTWIN_TOKEN)"
                          : "needs an API token: give --token or set DBTWIN_TOKEN");
  }
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const auto& e = j["error"];
    auto code = parse_errc(e.value("code", "")).value_or(errc_for_status(status));
    return make_error(code, e.value("message", fmt::format("HTTP {}", status)));
  }
  return err(errc_for_status(status), "the dbtwin server at {} answered {} {} with HTTP {}", url_,
             method, path, status);
}

}  // namespace dbtwin::cli
