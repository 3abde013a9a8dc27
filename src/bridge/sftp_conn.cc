#include "bridge/sftp_conn.h"

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <cstdlib>

#include "base/log.h"
#include "os/files.h"

namespace dbtwin::bridge {

namespace {

namespace fs = std::filesystem;

fs::path home() {
  const char* h = std::getenv("HOME");
  return h && *h ? fs::path(h) : fs::path("/root");
}

std::string fingerprint(ssh_session s) {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(s, &key) != SSH_OK) return "unknown fingerprint";
  unsigned char* hash = nullptr;
  size_t len = 0;
  std::string out = "unknown fingerprint";
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) == 0) {
    char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
    if (text) out = text;
    ssh_string_free_char(text);
    ssh_clean_pubkey_hash(&hash);
  }
  ssh_key_free(key);
  return out;
}

// The name known_hosts uses for host and port: "host", or "[host]:port" off port 22.
std::string known_hosts_name(const SftpParams& p) {
  return p.port == 22 ? p.host : fmt::format("[{}]:{}", p.host, p.port);
}

}  // namespace

SftpConn::~SftpConn() {
  if (sftp_) sftp_free(sftp_);
  if (ssh_) {
    if (ssh_is_connected(ssh_)) ssh_disconnect(ssh_);
    ssh_free(ssh_);
  }
}

Result<std::unique_ptr<SftpConn>> SftpConn::connect(const SftpParams& p) {
  std::unique_ptr<SftpConn> c(new SftpConn());
  c->where_ = fmt::format("{}@{}:{}", p.user, p.host, p.port);
  c->ssh_ = ssh_new();
  if (!c->ssh_) return err(Errc::internal, "ssh_new failed");
  unsigned int port = static_cast<unsigned int>(p.port);
  long timeout = 30;
  bool no = false;
  fs::path known = p.known_hosts.empty() ? home() / ".ssh/known_hosts" : p.known_hosts;
  ssh_options_set(c->ssh_, SSH_OPTIONS_HOST, p.host.c_str());
  ssh_options_set(c->ssh_, SSH_OPTIONS_PORT, &port);
  ssh_options_set(c->ssh_, SSH_OPTIONS_USER, p.user.c_str());
  ssh_options_set(c->ssh_, SSH_OPTIONS_TIMEOUT, &timeout);
  // Only what we are given counts: not ~/.ssh/config, not the global known_hosts.
  ssh_options_set(c->ssh_, SSH_OPTIONS_PROCESS_CONFIG, &no);
  ssh_options_set(c->ssh_, SSH_OPTIONS_KNOWNHOSTS, known.c_str());
  ssh_options_set(c->ssh_, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
  if (ssh_connect(c->ssh_) != SSH_OK)
    return err(Errc::unavailable, "connecting to SFTP server {}: {}", c->where_,
               ssh_get_error(c->ssh_));
  TRY(c->check_host_key(p));
  TRY(c->login(p));
  c->sftp_ = sftp_new(c->ssh_);
  if (!c->sftp_ || sftp_init(c->sftp_) != SSH_OK)
    return err(Errc::unavailable, "starting SFTP on {}: {}", c->where_, ssh_get_error(c->ssh_));
  return c;
}

Status SftpConn::check_host_key(const SftpParams& p) {
  if (p.insecure_host_key) {
    log::warn("not checking the host key of {} ({}): --insecure-host-key", where_,
              fingerprint(ssh_));
    return {};
  }
  fs::path known = p.known_hosts.empty() ? home() / ".ssh/known_hosts" : p.known_hosts;
  std::string name = known_hosts_name(p);
  switch (ssh_session_is_known_server(ssh_)) {
    case SSH_KNOWN_HOSTS_OK:
      return {};
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      return err(Errc::unavailable,
                 "the host key of {} ({}) does not match the one in {}: refusing to connect. If "
                 "the server's key really changed, remove the old entry with `ssh-keygen -R '{}' "
                 "-f {}` and add the new one",
                 name, fingerprint(ssh_), known.string(), name, known.string());
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      return err(Errc::unavailable,
                 "the host key of {} ({}) is not in {}: refusing to connect. Check the "
                 "fingerprint, then add it with `ssh-keyscan -p {} {} >> {}` (or pass "
                 "--insecure-host-key to skip the check)",
                 name, fingerprint(ssh_), known.string(), p.port, p.host, known.string());
    default:
      return err(Errc::unavailable, "checking the host key of {} against {}: {}", name,
                 known.string(), ssh_get_error(ssh_));
  }
}

Status SftpConn::login(const SftpParams& p) {
  if (!p.password.empty()) {
    if (ssh_userauth_password(ssh_, nullptr, p.password.c_str()) == SSH_AUTH_SUCCESS) return {};
    return err(Errc::unavailable,
               "SFTP login to {} with a password was refused (wrong user or password?)", where_);
  }
  std::vector<fs::path> candidates;
  if (!p.identity.empty()) {
    candidates.push_back(p.identity);
  } else {
    for (const char* n : {"id_ed25519", "id_ecdsa", "id_rsa"})
      candidates.push_back(home() / ".ssh" / n);
  }
  for (const auto& path : candidates) {
    if (!os::exists(path)) {
      if (!p.identity.empty())
        return err(Errc::not_found, "SSH identity file {} does not exist", path.string());
      continue;
    }
    ssh_key key = nullptr;
    if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK)
      return err(Errc::invalid_argument,
                 "cannot read SSH key {} (a passphrase-protected key is not supported)",
                 path.string());
    int rc = ssh_userauth_publickey(ssh_, nullptr, key);
    ssh_key_free(key);
    if (rc == SSH_AUTH_SUCCESS) return {};
    if (!p.identity.empty())
      return err(Errc::unavailable, "SFTP login to {} with key {} was refused", where_,
                 path.string());
  }
  return err(Errc::unavailable,
             "SFTP login to {} failed: no password given and no accepted key (tried {})", where_,
             p.identity.empty() ? "~/.ssh/id_ed25519, id_ecdsa, id_rsa" : p.identity.string());
}

int SftpConn::last_sftp_code() const {
  return sftp_get_error(sftp_);
}

Error SftpConn::sftp_error(std::string_view what) const {
  int code = sftp_get_error(sftp_);
  Errc errc = Errc::storage;
  std::string text;
  switch (code) {
    case SSH_FX_NO_SUCH_FILE:
    case SSH_FX_NO_SUCH_PATH:
      errc = Errc::not_found;
      text = "no such file";
      break;
    case SSH_FX_PERMISSION_DENIED:
      text = "permission denied";
      break;
    case SSH_FX_FILE_ALREADY_EXISTS:
      errc = Errc::already_exists;
      text = "already exists";
      break;
    case SSH_FX_OK:  // not an SFTP status: the SSH layer failed
      errc = Errc::unavailable;
      text = ssh_get_error(ssh_);
      break;
    default:
      text = fmt::format("SFTP status {} ({})", code, ssh_get_error(ssh_));
  }
  return make_error(errc, fmt::format("{} on {}: {}", what, where_, text));
}

bool SftpConn::has_extension(const char* name, const char* version) const {
  return sftp_extension_supported(sftp_, name, version) != 0;
}

}  // namespace dbtwin::bridge
