// ApiClient: JSON over HTTP to a `dbtwin serve` daemon, on TCP or a Unix socket. It turns
// every failure into the Error the same operation gives in process: the server's
// {"error":{"code","message"}} keeps its code and message, so exit codes match.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace httplib {
class ClientImpl;
}

namespace dbtwin::cli {

// Where the daemon listens: "http"/"https" with host and port, or "unix" with a socket path.
struct ServerAddress {
  std::string scheme;
  std::string host;
  int port = 0;
  std::string socket_path;
};

// Accepts http://host[:port][/], https://host[:port][/], host:port (http), [v6]:port,
// unix:///path and unix:/path.
Result<ServerAddress> parse_server_url(const std::string& url);

// The Errc an HTTP status stands for when the body names no code.
Errc errc_for_status(int status);

class ApiClient {
 public:
  static Result<std::unique_ptr<ApiClient>> connect(const std::string& url,
                                                    const std::string& token);
  ~ApiClient();

  // Sends one request (a JSON body if given) and returns the answer's JSON, null for an empty
  // body; a status outside 2xx is returned as the Error the server described.
  Result<nlohmann::json> call(const std::string& method, const std::string& path,
                              const std::optional<nlohmann::json>& body = std::nullopt);
  const std::string& url() const { return url_; }

 private:
  ApiClient(std::string url, std::unique_ptr<httplib::ClientImpl> http,
            std::shared_ptr<std::string> connect_error, bool has_token);
  // httplib's failure (its Error enum) as an Error naming the server.
  Error transport_error(int http_error) const;
  // A received answer: its JSON, or the Error its status and body describe.
  Result<nlohmann::json> answer(const std::string& method, const std::string& path, int status,
                                const std::string& body) const;

  std::string url_;
  std::unique_ptr<httplib::ClientImpl> http_;
  // Why the last Unix-socket connect failed (httplib's own error codes carry no errno).
  std::shared_ptr<std::string> connect_error_;
  bool has_token_ = false;
};

}  // namespace dbtwin::cli
