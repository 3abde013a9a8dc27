// Users: lookups through NSS (getpwnam_r) and creation of the service user with useradd.
#include "os/users.h"

#include "os/files.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace dbtwin::os {

namespace {

// Calls getpw*_r with a buffer grown until it fits; nullopt if there is no such user.
template <typename F>
Result<std::optional<passwd>> get_pw(F lookup, std::vector<char>& buf, const std::string& shown) {
  long hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  buf.resize(hint > 0 ? static_cast<size_t>(hint) : 16384);
  for (;;) {
    passwd pw;
    passwd* found = nullptr;
    int rc = lookup(&pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc == EINTR) continue;
    if (found != nullptr) return std::optional<passwd>(pw);
    // ENOENT, ESRCH, EBADF and EPERM all mean "no such user" for NSS.
    if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
      return std::optional<passwd>();
    return errno_error(fmt::format("looking up user {}", shown), rc);
  }
}

}  // namespace

Result<Identity> lookup_user(const std::string& name) {
  std::vector<char> buf;
  auto pw = TRY(get_pw([&](passwd* p, char* b, size_t n,
                           passwd** out) { return ::getpwnam_r(name.c_str(), p, b, n, out); },
                       buf, name));
  if (!pw) return err(Errc::not_found, "no user named {}", name);
  return Identity{pw->pw_uid, pw->pw_gid};
}

Result<Identity> ensure_system_user(const std::string& name) {
  auto found = lookup_user(name);
  if (found.ok() || found.error().code != Errc::not_found) return found;
  if (name.empty() || name[0] == '-' || name.find_first_of(":/ \t\n") != std::string::npos) {
    return err(Errc::invalid_argument, "invalid user name '{}'", name);
  }
  auto useradd = TRY(find_executable("useradd", {"/usr/sbin", "/sbin"}));
  // Concurrent dbtwin commands (and threads) create the user one at a time: useradd fails at
  // once when another holds the /etc/passwd lock, and two racing creators must not both act.
  static std::mutex in_process;
  std::lock_guard<std::mutex> hold(in_process);
  TRY(make_dirs("/run/lock", 0755));
  auto lock = TRY(FileLock::acquire("/run/lock/dbtwin-useradd.lock", true, true));
  if (auto again = lookup_user(name); again.ok()) return again;
  SpawnOptions opts;
  opts.argv = {useradd.string(), "--system", "--no-create-home",  "--home-dir",
               "/nonexistent",   "--shell",  "/usr/sbin/nologin", name};
  auto created = run_checked(std::move(opts), Errc::system);
  if (!created.ok()) {
    // Something outside dbtwin may have created it meanwhile: what matters is that it exists.
    if (auto now = lookup_user(name); now.ok()) return now;
    return std::move(created).error().context(fmt::format("creating user {}", name));
  }
  return lookup_user(name);
}

std::string invoking_user_name() {
  const char* sudo_user = std::getenv("SUDO_USER");
  if (sudo_user != nullptr && *sudo_user != '\0') return sudo_user;
  uid_t uid = ::getuid();
  std::vector<char> buf;
  auto pw = get_pw(
      [&](passwd* p, char* b, size_t n, passwd** out) { return ::getpwuid_r(uid, p, b, n, out); },
      buf, std::to_string(uid));
  if (pw.ok() && *pw) return (*pw)->pw_name;
  return std::to_string(uid);
}

}  // namespace dbtwin::os
