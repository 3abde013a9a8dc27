// The daemon's auth rules over real HTTP: with an API token every route but /healthz and the
// web page needs `Authorization: Bearer`; a non-loopback listener is refused without a token and
// served with one; a Unix socket listener works and is created 0660.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <regex>

#include "api_world.h"
#include "base/strings.h"
#include "os/net.h"
#include "support/temp_dir.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::HttpResult;
using namespace test::api;

const std::string kToken = "s3cret-T0ken";

// METHOD PATH lines of `dbtwin serve --print-routes`.
std::vector<std::pair<std::string, std::string>> printed_routes(const test::Cli& cli) {
  auto r = cli.run({"serve", "--print-routes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(r.out);
  std::string method, path;
  while (in >> method >> path) out.emplace_back(method, path);
  EXPECT_GT(out.size(), 20u) << r.out;
  return out;
}

bool open_route(const std::string& path) {
  return path == "/healthz" || path == "/ui" || path == "/ui/";
}

class ApiAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    world_ = test::CliWorld::make(test::pool_case("copy"), &why);
    if (!world_) GTEST_SKIP() << why;
  }
  void TearDown() override { world_.reset(); }
  const test::Cli& cli() const { return world_->cli(); }
  std::unique_ptr<test::CliWorld> world_;
};

TEST_F(ApiAuth, TokenGuardsEveryRouteButHealthzAndUi) {
  auto daemon = test::Daemon::start(cli(), {"DBTWIN_API_TOKEN=" + kToken});
  ASSERT_TRUE(daemon);
  const auto routes = printed_routes(cli());
  for (const auto& [method, route] : routes) {
    // Path parameters get harmless values: nothing named x exists, job 1 neither.
    std::string path = std::regex_replace(route, std::regex(R"(\{id\})"), "1");
    path = std::regex_replace(path, std::regex(R"(\{[a-z_]+\})"), "x");
    const std::string what = method + " " + path;
    auto none = daemon->request(method, path, "", "-");
    auto wrong = daemon->request(method, path, "", "wrong-token");
    auto prefix = daemon->request(method, path, "", kToken.substr(0, kToken.size() - 1));
    if (open_route(route)) {
      EXPECT_EQ(none.status, route == "/ui" ? 302 : 200) << what;
      EXPECT_EQ(wrong.status, none.status) << what;
      continue;
    }
    for (const auto* r : {&none, &wrong, &prefix}) {
      expect_error(*r, 401, "unauthorized", what);
      EXPECT_EQ(r->headers.count("WWW-Authenticate") ? r->headers.at("WWW-Authenticate") : "",
                "Bearer")
          << what;
    }
    auto right = daemon->request(method, path, "", kToken);
    EXPECT_NE(right.status, 401) << what << ": " << right.body;
    EXPECT_NE(right.status, 0) << what;
  }
  // Unknown routes: 401 without the token (nothing about the server leaks), 404 with it.
  expect_error(daemon->request("GET", "/v1/nothing", "", "-"), 401, "unauthorized", "unknown");
  expect_error(daemon->request("GET", "/v1/nothing"), 404, "not_found", "unknown with token");
  // Other spellings of the header are refused too.
  for (const auto& header :
       {"Basic " + kToken, kToken, "Bearer  " + kToken, "Bearer " + kToken + "x"}) {
    auto r = curl({"-H", "Authorization: " + header, daemon->url() + "/v1/templates"});
    EXPECT_EQ(r.status, 401) << header;
  }
  auto ok = curl({"-H", "Authorization: Bearer " + kToken, daemon->url() + "/v1/templates"});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json(), json::array());
  // The token never reaches the log.
  EXPECT_EQ(daemon->log().find(kToken), std::string::npos);
  EXPECT_EQ(daemon->stop(), 0);
}

TEST_F(ApiAuth, NonLoopbackListenerNeedsAToken) {
  const int port = test::free_tcp_port();
  const std::string any = "0.0.0.0:" + std::to_string(port);
  // Refused without a token, by flag and by environment, with a message that says why.
  for (const auto& [args, env] :
       std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>>{
           {{"serve", "--listen", any}, {"DBTWIN_API_TOKEN="}},
           {{"serve"}, {"DBTWIN_API_TOKEN=", "DBTWIN_LISTEN=" + any}},
           {{"serve", "--listen", "[::]:" + std::to_string(port)}, {"DBTWIN_API_TOKEN="}}}) {
    auto r = cli().run(args, env);
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("token"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("refusing"), std::string::npos) << r.err;
    EXPECT_TRUE(os::tcp_port_free("127.0.0.1", port));
  }

  // With a token it serves, on every address, and asks for the token.
  ServeProcess serve(cli(), {"--listen", any}, {"DBTWIN_API_TOKEN=" + kToken},
                     world_->scratch() / "any.log");
  ASSERT_TRUE(serve.wait_listening()) << serve.log();
  auto health = curl({"http://127.0.0.1:" + std::to_string(port) + "/healthz"});
  EXPECT_EQ(health.status, 200) << health.err;
  EXPECT_EQ(health.json()["status"], "ok");
  EXPECT_EQ(curl({"http://127.0.0.1:" + std::to_string(port) + "/v1/pool"}).status, 401);
  auto pool = curl({"-H", "Authorization: Bearer " + kToken,
                    "http://127.0.0.1:" + std::to_string(port) + "/v1/pool"});
  EXPECT_EQ(pool.status, 200) << pool.body;
  EXPECT_EQ(serve.stop(), 0) << serve.log();
}

TEST_F(ApiAuth, UnixSocketListener) {
  test::TempDir dir("dbtwin-sock");
  const fs::path sock = dir / "dbtwin.sock";
  ServeProcess serve(cli(), {"--listen", "unix:" + sock.string()}, {}, dir / "serve.log");
  ASSERT_TRUE(serve.wait_listening()) << serve.log();

  struct stat st {};
  ASSERT_EQ(::lstat(sock.c_str(), &st), 0) << sock;
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u) << std::oct << (st.st_mode & 07777);

  auto health = curl({"--unix-socket", sock.string(), "http://localhost/healthz"});
  ASSERT_EQ(health.status, 200) << health.err;
  EXPECT_EQ(health.json()["status"], "ok");
  auto templates = curl({"--unix-socket", sock.string(), "http://localhost/v1/templates"});
  EXPECT_EQ(templates.status, 200) << templates.body;
  EXPECT_EQ(templates.json(), json::array());
  auto myaas = curl({"--unix-socket", sock.string(), "http://localhost/"});
  EXPECT_EQ(myaas.status, 200);
  EXPECT_EQ(myaas.json()["status"], "Service is running");
  auto missing = curl({"--unix-socket", sock.string(), "http://localhost/v1/clones/nope"});
  EXPECT_EQ(missing.status, 404);

  EXPECT_EQ(serve.stop(), 0) << serve.log();
}

}  // namespace
}  // namespace dbtwin
