// The HTTP layer: where the daemon listens, JSON answers, errors as HTTP statuses, and a route
// table that the OpenAPI document is checked against.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace dbtwin::api {

// HOST:PORT (port 0: any free port) or unix:/path.
struct ListenSpec {
  std::string host;
  int port = 0;
  std::string unix_path;
  std::string text() const;
};
Result<ListenSpec> parse_listen(const std::string& text);
// Loopback addresses and Unix sockets are local: no token is required there.
bool is_local(const ListenSpec& spec);

int http_status(Errc code);
void send_json(httplib::Response& res, int status, const nlohmann::json& body);
void send_error(httplib::Response& res, const Error& e);
// The request's JSON body; an empty body is an empty object. Bad JSON is invalid_argument.
Result<nlohmann::json> json_body(const httplib::Request& req);

struct Route {
  std::string method;
  std::string path;  // as documented, e.g. /v1/clones/{name}
};

// An httplib server that can also serve on a Unix socket, and that records its routes.
class HttpServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  explicit HttpServer(int threads);
  ~HttpServer();

  // Registers METHOD PATH; {name} segments match one path segment, passed as req.matches[i].
  void route(const std::string& method, const std::string& path, Handler handler);
  const std::vector<Route>& routes() const { return routes_; }
  httplib::Server& raw();

  Status bind(const ListenSpec& spec);
  int bound_port() const { return port_; }
  // Serves until stop(); false if the listener failed.
  bool run();
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<Route> routes_;
  int port_ = 0;
};

}  // namespace dbtwin::api
