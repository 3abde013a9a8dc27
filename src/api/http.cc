#include "api/http.h"

#include <sys/socket.h>

#include <regex>

#include "base/strings.h"
#include "os/listen.h"

namespace dbtwin::api {

namespace {

// httplib cannot listen on a Unix socket itself, but it serves whatever listening socket sits
// in its (protected) svr_sock_: adopting one is enough.
class Server final : public httplib::Server {
 public:
  void adopt_listener(int fd) { svr_sock_ = fd; }
  int listener() const { return svr_sock_; }
};

std::string to_regex(const std::string& path) {
  static const std::regex param(R"(\{[a-z_]+\})");
  return std::regex_replace(path, param, "([^/]+)");
}

}  // namespace

class HttpServer::Impl {
 public:
  Server server;
};

std::string ListenSpec::text() const {
  return unix_path.empty() ? fmt::format("{}:{}", host, port) : "unix:" + unix_path;
}

Result<ListenSpec> parse_listen(const std::string& text) {
  ListenSpec spec;
  if (text.rfind("unix:", 0) == 0) {
    spec.unix_path = text.substr(5);
    if (spec.unix_path.rfind("//", 0) == 0) spec.unix_path = spec.unix_path.substr(2);
    if (spec.unix_path.empty() || spec.unix_path[0] != '/')
      return err(Errc::invalid_argument,
                 "listen address '{}': a unix socket needs an absolute path", text);
    return spec;
  }
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return err(Errc::invalid_argument, "listen address '{}' must be HOST:PORT or unix:/path", text);
  spec.host = text.substr(0, colon);
  if (spec.host.size() > 2 && spec.host.front() == '[' && spec.host.back() == ']')
    spec.host = spec.host.substr(1, spec.host.size() - 2);
  try {
    size_t used = 0;
    spec.port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || spec.port < 0 || spec.port > 65535) throw 0;
  } catch (...) {
    return err(Errc::invalid_argument, "listen address '{}' has a bad port", text);
  }
  return spec;
}

bool is_local(const ListenSpec& spec) {
  if (!spec.unix_path.empty()) return true;
  return spec.host == "localhost" || spec.host == "::1" || spec.host.rfind("127.", 0) == 0;
}

int http_status(Errc code) {
  switch (code) {
    case Errc::invalid_argument:
      return 400;
    case Errc::not_found:
      return 404;
    case Errc::already_exists:
    case Errc::conflict:
      return 409;
    case Errc::unavailable:
    case Errc::no_space:
      return 503;
    case Errc::timeout:
      return 504;
    default:
      return 500;
  }
}

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& res, const Error& e) {
  send_json(res, http_status(e.code),
            {{"error", {{"code", errc_name(e.code)}, {"message", e.message}}}});
}

Result<nlohmann::json> json_body(const httplib::Request& req) {
  if (trim(req.body).empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return err(Errc::invalid_argument, "the request body is not a JSON object");
  return j;
}

HttpServer::HttpServer(int threads) : impl_(std::make_unique<Impl>()) {
  size_t n = static_cast<size_t>(std::max(threads, 4));
  impl_->server.new_task_queue = [n] { return new httplib::ThreadPool(n); };
  // httplib 0.11 sets only SO_REUSEPORT on its listener, and that does not bind over the
  // TIME_WAIT connections a stopped daemon leaves on its port: a restart on the same port would
  // fail with "in use" for a minute. SO_REUSEADDR is what servers set for that.
  impl_->server.set_socket_options([](socket_t sock) {
    httplib::default_socket_options(sock);
    os::allow_address_reuse(sock);
  });
}

HttpServer::~HttpServer() = default;

httplib::Server& HttpServer::raw() {
  return impl_->server;
}

void HttpServer::route(const std::string& method, const std::string& path, Handler handler) {
  routes_.push_back({method, path});
  std::string re = to_regex(path);
  auto& s = impl_->server;
  if (method == "GET")
    s.Get(re, handler);
  else if (method == "POST")
    s.Post(re, handler);
  else if (method == "PUT")
    s.Put(re, handler);
  else if (method == "DELETE")
    s.Delete(re, handler);
}

Status HttpServer::bind(const ListenSpec& spec) {
  if (!spec.unix_path.empty()) {
    // 0660: whoever may use the daemon is decided by the socket's group, like docker.sock.
    auto fd = TRY(os::listen_unix(spec.unix_path, 0660));
    impl_->server.adopt_listener(fd.release());
    return {};
  }
  if (spec.port == 0) {
    port_ = impl_->server.bind_to_any_port(spec.host);
    if (port_ < 0) return err(Errc::unavailable, "cannot listen on {}:any", spec.host);
    return os::widen_backlog(impl_->server.listener());
  }
  if (!impl_->server.bind_to_port(spec.host, spec.port))
    return err(Errc::unavailable, "cannot listen on {}:{} (in use, or not an address here)",
               spec.host, spec.port);
  port_ = spec.port;
  return os::widen_backlog(impl_->server.listener());
}

bool HttpServer::run() {
  return impl_->server.listen_after_bind();
}

void HttpServer::stop() {
  impl_->server.stop();
}

}  // namespace dbtwin::api
