#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "base/strings.h"
#include "base/unique_fd.h"
#include "os/net.h"
#include "os/users.h"
#include "support/temp_dir.h"

namespace dbtwin::os {
namespace {

TEST(Users, LookupKnownAndUnknown) {
  auto root = lookup_user("root");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->uid, 0u);
  auto missing = lookup_user("dbtwin-no-such-user");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST(Users, EnsureSystemUserCreatesOnceEvenConcurrently) {
  DBTWIN_REQUIRE_ROOT();
  std::string name = "dbtwin-t" + random_token(6);
  for (auto& c : name) c = static_cast<char>(std::tolower(c));
  auto cleanup = [&] {
    SpawnOptions o;
    o.argv = {"userdel", name};
    (void)run(o);
  };
  std::vector<std::optional<Result<Identity>>> got(3);
  std::vector<std::thread> threads;
  for (auto& g : got) threads.emplace_back([&] { g.emplace(ensure_system_user(name)); });
  for (auto& t : threads) t.join();
  for (auto& g : got) {
    EXPECT_TRUE(g->ok()) << g->error().message;
  }
  auto found = lookup_user(name);
  cleanup();
  ASSERT_TRUE(found.ok());
  EXPECT_NE(found->uid, 0u);
  EXPECT_EQ((*got[0])->uid, found->uid);
  EXPECT_FALSE(ensure_system_user("-bad").ok());
}

TEST(Users, InvokingUserPrefersSudoUser) {
  const char* old = std::getenv("SUDO_USER");
  std::string saved = old != nullptr ? old : "";
  ::setenv("SUDO_USER", "alice", 1);
  EXPECT_EQ(invoking_user_name(), "alice");
  ::unsetenv("SUDO_USER");
  EXPECT_FALSE(invoking_user_name().empty());
  if (old != nullptr) ::setenv("SUDO_USER", saved.c_str(), 1);
}

TEST(Net, PortInUseIsNotFree) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(fd.valid());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd.get(), 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);
  EXPECT_FALSE(tcp_port_free("127.0.0.1", port));
  EXPECT_FALSE(tcp_port_free("", port));  // the wildcard overlaps the loopback listener
  fd.reset();
  EXPECT_TRUE(tcp_port_free("127.0.0.1", port));
  EXPECT_FALSE(tcp_port_free("127.0.0.1", 0));
  EXPECT_FALSE(tcp_port_free("127.0.0.1", 70000));
}

}  // namespace
}  // namespace dbtwin::os
