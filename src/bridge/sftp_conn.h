// One SSH connection with an SFTP channel (libssh), checked against known_hosts and logged in
// with a password or a key. libssh sessions are not thread-safe: every call on one goes
// through lock().
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"

struct ssh_session_struct;
struct sftp_session_struct;

namespace dbtwin::bridge {

struct SftpParams {
  std::string user, host;
  int port = 22;
  std::string password;               // empty: key authentication
  std::filesystem::path identity;     // empty: ~/.ssh/id_ed25519, id_ecdsa, id_rsa
  std::filesystem::path known_hosts;  // empty: ~/.ssh/known_hosts
  bool insecure_host_key = false;
};

class SftpConn {
 public:
  // Connects, checks the host key (unknown or changed: refused, with how to fix it), logs in
  // and opens SFTP.
  static Result<std::unique_ptr<SftpConn>> connect(const SftpParams& p);
  SftpConn(const SftpConn&) = delete;
  SftpConn& operator=(const SftpConn&) = delete;
  ~SftpConn();

  std::unique_lock<std::mutex> lock() { return std::unique_lock(mu_); }
  sftp_session_struct* sftp() const { return sftp_; }
  // The last SFTP error as an Error for `what` (no such file: not_found). Call under lock().
  Error sftp_error(std::string_view what) const;
  int last_sftp_code() const;
  // True if the server offers this protocol extension (e.g. fsync@openssh.com).
  bool has_extension(const char* name, const char* version) const;
  const std::string& where() const { return where_; }  // "user@host:port"

 private:
  SftpConn() = default;
  Status check_host_key(const SftpParams& p);
  Status login(const SftpParams& p);

  std::mutex mu_;
  ssh_session_struct* ssh_ = nullptr;
  sftp_session_struct* sftp_ = nullptr;
  std::string where_;
};

}  // namespace dbtwin::bridge
