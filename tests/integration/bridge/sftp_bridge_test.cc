// The sftp:// bridge against a real OpenSSH server: key and password logins, host key checks.
#include <gtest/gtest.h>

#include "bridge/bridge.h"
#include "store_checks.h"
#include "support/sshd.h"

namespace dbtwin::test {
namespace {

class SftpBridge : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    sshd_ = Sshd::start(&why);
    if (!sshd_) GTEST_SKIP() << why;
  }
  bridge::BridgeOptions key_options() const {
    bridge::BridgeOptions o;
    o.ssh_identity = sshd_->client_key();
    o.known_hosts = sshd_->known_hosts();
    return o;
  }
  std::unique_ptr<Sshd> sshd_;
};

TEST_F(SftpBridge, SharedBehaviourWithKeyLogin) {
  auto store = bridge::open_bridge(sshd_->url() + "/bridge", key_options());
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto& s = **store;
  check_small_objects(s);
  check_big_object(s, 9 << 20);
  check_list_paginates(s);
  check_missing_and_remove(s);
  check_put_replaces(s);
  check_uncommitted_invisible(s);
  check_hostile_keys(s);
}

TEST_F(SftpBridge, PasswordLogin) {
  auto o = key_options();
  o.ssh_identity = "/nonexistent-key";  // the password must be what logs in
  o.ssh_password = sshd_->password();
  auto store = bridge::open_bridge(sshd_->url(), o);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE((*store)->put("pw/obj", "by password").ok());
  EXPECT_EQ((*store)->get("pw/obj")->value_or(""), "by password");
  EXPECT_EQ((*store)->describe().find(sshd_->password()), std::string::npos);
}

TEST_F(SftpBridge, WrongPasswordIsAClearError) {
  auto o = key_options();
  o.ssh_password = "wrong-password";
  auto store = bridge::open_bridge(sshd_->url(), o);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("password was refused"), std::string::npos)
      << store.error().message;
  EXPECT_EQ(store.error().message.find("wrong-password"), std::string::npos);
}

TEST_F(SftpBridge, UnknownHostKeyIsRefusedUnlessInsecure) {
  auto o = key_options();
  o.known_hosts = sshd_->client_key().parent_path() / "empty_known_hosts";
  auto store = bridge::open_bridge(sshd_->url(), o);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("is not in"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("ssh-keyscan"), std::string::npos) << store.error().message;
  o.insecure_host_key = true;
  auto insecure = bridge::open_bridge(sshd_->url(), o);
  EXPECT_TRUE(insecure.ok()) << insecure.error().message;
}

TEST_F(SftpBridge, ChangedHostKeyIsRefused) {
  auto o = key_options();
  o.known_hosts = sshd_->wrong_known_hosts();
  auto store = bridge::open_bridge(sshd_->url(), o);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("does not match"), std::string::npos)
      << store.error().message;
  EXPECT_NE(store.error().message.find("ssh-keygen -R"), std::string::npos)
      << store.error().message;
}

}  // namespace
}  // namespace dbtwin::test
