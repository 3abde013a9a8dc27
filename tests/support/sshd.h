// Test support: a real OpenSSH server on a free loopback port, for the sftp:// bridge. It has
// its own generated host key, accepts a generated client key and the password of the system
// user `dbtwin-sftp` (created on first use with a random password kept in a root-only file),
// serves internal-sftp, and stops on destruction. Needs root and /usr/sbin/sshd.
//
//   std::string why;
//   auto sshd = dbtwin::test::Sshd::start(&why);
//   if (!sshd) GTEST_SKIP() << why;
//   url = "sftp://" + sshd->user() + "@127.0.0.1:" + port + sshd->data_dir().string();
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "os/process.h"
#include "support/temp_dir.h"

namespace dbtwin::test {

class Sshd {
 public:
  static std::unique_ptr<Sshd> start(std::string* why_not);
  Sshd(const Sshd&) = delete;
  Sshd& operator=(const Sshd&) = delete;
  ~Sshd() = default;  // the ChildProcess kills and reaps sshd, then the folder goes

  int port() const { return port_; }
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  std::filesystem::path client_key() const { return dir_ / "client_key"; }
  // A known_hosts file holding this server's host key.
  std::filesystem::path known_hosts() const { return dir_ / "known_hosts"; }
  // A known_hosts file naming this host and port with a different key (a "changed" host key).
  std::filesystem::path wrong_known_hosts() const { return dir_ / "wrong_known_hosts"; }
  // An empty folder owned by the test user, for the bridge's objects.
  std::filesystem::path data_dir() const { return dir_ / "data"; }
  // The bridge URL for data_dir() (no password in it).
  std::string url() const;

 private:
  Sshd() = default;
  TempDir dir_{"dbtwin-sshd"};
  int port_ = 0;
  std::string user_ = "dbtwin-sftp";
  std::string password_;
  std::optional<os::ChildProcess> child_;  // destroyed first: stopped before dir_ goes
};

}  // namespace dbtwin::test
