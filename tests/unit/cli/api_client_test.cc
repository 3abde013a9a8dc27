// The CLI's HTTP client against a real cpp-httplib server on loopback: server errors keep their
// code and message, a missing token and an unreachable server give clear errors.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "cli/api_client.h"
#include "os/net.h"
#include "support/cli.h"
#include "support/temp_dir.h"

namespace dbtwin::cli {
namespace {

using nlohmann::json;

TEST(ServerUrl, Forms) {
  auto a = parse_server_url("http://127.0.0.1:5001");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->scheme, "http");
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 5001);
  EXPECT_EQ(parse_server_url("db.example:7000/")->port, 7000);
  EXPECT_EQ(parse_server_url("http://db.example")->port, 80);
  EXPECT_EQ(parse_server_url("https://db.example")->port, 443);
  auto v6 = parse_server_url("http://[::1]:5001");
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 5001);
  EXPECT_EQ(parse_server_url("unix:///run/dbtwin.sock")->socket_path, "/run/dbtwin.sock");
  EXPECT_EQ(parse_server_url("unix:/run/dbtwin.sock")->socket_path, "/run/dbtwin.sock");
  EXPECT_EQ(parse_server_url("unix:/run/dbtwin.sock")->scheme, "unix");
}

TEST(ServerUrl, BadOnesAreInvalidArguments) {
  for (const char* bad :
       {"ftp://host:1", "http://host:0", "http://host:99999", "http://host:x", "http://:5001",
        "http://host:5001/api", "unix:relative.sock", "http://[::1", ""}) {
    auto a = parse_server_url(bad);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(a.error().code, Errc::invalid_argument) << bad;
  }
}

// A server on a free loopback port, answering in its own thread until the test ends.
class FakeDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/v1/clones/dev1", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"name":"dev1"})", "application/json");
    });
    server_.Get("/v1/clones/gone", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content(R"({"error":{"code":"not_found","message":"clone 'gone' does not exist"}})",
                      "application/json");
    });
    server_.Post("/v1/clones", [](const httplib::Request& req, httplib::Response& res) {
      auto body = json::parse(req.body, nullptr, false);
      res.status = 409;
      res.set_content(json{{"error",
                            {{"code", "already_exists"},
                             {"message", "clone '" + body.value("name", "") + "' exists"}}}}
                          .dump(),
                      "application/json");
    });
    server_.Delete("/v1/clones/dev1",
                   [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
    server_.Get("/v1/secret", [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") == "Bearer t0ken") {
        res.set_content("[]", "application/json");
        return;
      }
      res.status = 401;
      res.set_content(R"({"error":{"code":"unauthorized","message":"a token is needed"}})",
                      "application/json");
    });
    server_.Get("/v1/broken", [](const httplib::Request&, httplib::Response& res) {
      res.status = 502;
      res.set_content("<html>bad gateway</html>", "text/html");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::unique_ptr<ApiClient> client(const std::string& token = "") {
    auto c = ApiClient::connect(url(), token);
    EXPECT_TRUE(c.ok()) << c.error().message;
    return std::move(*c);
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(FakeDaemon, AnswersAndServerErrors) {
  auto c = client();
  auto ok = c->call("GET", "/v1/clones/dev1");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ((*ok)["name"], "dev1");

  auto gone = c->call("GET", "/v1/clones/gone");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, Errc::not_found);
  EXPECT_EQ(gone.error().message, "clone 'gone' does not exist");

  auto taken = c->call("POST", "/v1/clones", json{{"template", "shop"}, {"name", "dev1"}});
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, Errc::already_exists);
  EXPECT_EQ(taken.error().message, "clone 'dev1' exists");

  auto deleted = c->call("DELETE", "/v1/clones/dev1");
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_TRUE(deleted->is_null());

  // Not the daemon's JSON: the status decides, and the message names the server.
  auto broken = c->call("GET", "/v1/broken");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, Errc::internal);
  EXPECT_NE(broken.error().message.find(url()), std::string::npos) << broken.error().message;
  auto unknown = c->call("GET", "/v1/nothing-here");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::not_found);
}

TEST_F(FakeDaemon, BearerToken) {
  auto without = client()->call("GET", "/v1/secret");
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.error().code, Errc::invalid_argument);
  EXPECT_NE(without.error().message.find("DBTWIN_TOKEN"), std::string::npos);
  auto wrong = client("nope")->call("GET", "/v1/secret");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("refused the API token"), std::string::npos);
  auto right = client("t0ken")->call("GET", "/v1/secret");
  EXPECT_TRUE(right.ok()) << right.error().message;
}

TEST(ApiClient, UnreachableServerIsUnavailable) {
  // A port of this process's reserved block that nothing listens on.
  int port = test::unique_port_base();
  ASSERT_TRUE(os::tcp_port_free("127.0.0.1", port));
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto c = ApiClient::connect(url, "");
  ASSERT_TRUE(c.ok());
  auto r = (*c)->call("GET", "/v1/clones");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_EQ(r.error().message.rfind("cannot reach the dbtwin server at " + url + ": ", 0), 0u)
      << r.error().message;

  test::TempDir dir;
  std::string sock = (dir / "none.sock").string();
  auto u = ApiClient::connect("unix://" + sock, "");
  ASSERT_TRUE(u.ok());
  auto ur = (*u)->call("GET", "/v1/clones");
  ASSERT_FALSE(ur.ok());
  EXPECT_EQ(ur.error().code, Errc::unavailable);
  EXPECT_NE(ur.error().message.find(sock), std::string::npos) << ur.error().message;
}

}  // namespace
}  // namespace dbtwin::cli
