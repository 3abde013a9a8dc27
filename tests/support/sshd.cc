#include "support/sshd.h"

#include <fcntl.h>

#include <chrono>
#include <thread>

#include "base/strings.h"
#include "os/files.h"
#include "os/net.h"
#include "os/users.h"
#include "support/engine_server.h"

namespace dbtwin::test {

namespace {

namespace fs = std::filesystem;

constexpr const char* kPasswordFile = "/var/cache/dbtwin/sftp-test-password";

Status keygen(const fs::path& path) {
  os::SpawnOptions o;
  o.argv = {"ssh-keygen", "-q", "-t",          "ed25519", "-N",
            "",           "-C", "dbtwin-test", "-f",      path.string()};
  TRY(os::run_checked(o));
  return {};
}

// The test user and its password. Tests run in parallel processes, so the password is set once
// (under a lock) and kept in a root-only file, never changed under a running test.
Result<std::string> test_user_password(const std::string& user) {
  TRY(os::make_dirs(fs::path(kPasswordFile).parent_path(), 0755));
  auto lock = TRY(os::FileLock::acquire(std::string(kPasswordFile) + ".lock", true, true));
  os::SpawnOptions id;
  id.argv = {"id", "-u", user};
  bool exists = TRY(os::run(id)).exit_code == 0;
  if (exists && os::exists(kPasswordFile)) return TRY(os::read_file(kPasswordFile));
  if (!exists) {
    os::SpawnOptions add;
    add.argv = {"useradd",      "--system", "--no-create-home",  "--home-dir",
                "/nonexistent", "--shell",  "/usr/sbin/nologin", user};
    TRY(os::run_checked(add));
  }
  std::string password = random_token(20);
  os::SpawnOptions chpasswd;
  chpasswd.argv = {"chpasswd"};
  TRY(os::run_checked(chpasswd, Errc::system, user + ":" + password + "\n"));
  TRY(os::write_file_atomic(kPasswordFile, password, 0600));
  return password;
}

std::string config(const fs::path& dir, int port) {
  return fmt::format(
      "Port {}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n"
      "PasswordAuthentication yes\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
      "UsePAM no\nPermitRootLogin no\nStrictModes no\nAllowUsers dbtwin-sftp\n"
      "Subsystem sftp internal-sftp\nLogLevel VERBOSE\n",
      port, (dir / "host_key").string(), (dir / "sshd.pid").string(),
      (dir / "authorized_keys").string());
}

}  // namespace

std::unique_ptr<Sshd> Sshd::start(std::string* why_not) {
  auto fail = [&](std::string why) -> std::unique_ptr<Sshd> {
    if (why_not) *why_not = std::move(why);
    return nullptr;
  };
  if (!running_as_root()) return fail("the SSH server for SFTP tests needs root");
  if (!os::exists("/usr/sbin/sshd"))
    return fail("/usr/sbin/sshd is missing (run scripts/install-bridge-test-deps.sh)");
  if (!os::find_executable("ssh-keygen")) return fail("ssh-keygen is missing");
  std::unique_ptr<Sshd> s(new Sshd());
  auto password = test_user_password(s->user_);
  if (!password) return fail("cannot prepare the test user: " + password.error().message);
  s->password_ = *password;
  s->port_ = next_engine_port();
  if (s->port_ == 0) return fail("no free port for sshd");

  const auto& d = s->dir_.path();
  for (const char* k : {"host_key", "client_key", "other_host_key"})
    if (auto made = keygen(d / k); !made) return fail("ssh-keygen failed: " + made.error().message);
  auto host_pub = os::read_file(d / "host_key.pub");
  auto other_pub = os::read_file(d / "other_host_key.pub");
  auto client_pub = os::read_file(d / "client_key.pub");
  if (!host_pub || !other_pub || !client_pub) return fail("cannot read the generated keys");
  std::string name = fmt::format("[127.0.0.1]:{} ", s->port_);
  auto owner = os::lookup_user(s->user_);
  bool ok = os::write_file(d / "known_hosts", name + *host_pub).ok() &&
            os::write_file(d / "wrong_known_hosts", name + *other_pub).ok() &&
            os::write_file(d / "authorized_keys", *client_pub, 0644).ok() &&
            os::write_file(d / "sshd_config", config(d, s->port_)).ok() &&
            os::make_dirs(d / "data", 0700).ok() && owner.ok() &&
            os::set_owner(d / "data", owner->uid, owner->gid).ok() &&
            os::make_dirs("/run/sshd", 0755).ok();
  if (!ok) return fail("cannot write the sshd test files");

  auto log = os::open_fd(d / "sshd.log", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!log) return fail("cannot create the sshd log");
  os::SpawnOptions o;
  o.argv = {"/usr/sbin/sshd", "-D", "-e", "-f", (d / "sshd_config").string()};
  o.stdout_fd = log->get();
  o.stderr_fd = log->get();
  auto child = os::ChildProcess::spawn(o);
  if (!child) return fail("cannot start sshd: " + child.error().message);
  s->child_.emplace(std::move(*child));
  for (int i = 0; i < 200; ++i) {
    if (!os::tcp_port_free("127.0.0.1", s->port_)) return s;
    if (s->child_->try_wait()) {
      auto text = os::read_file(d / "sshd.log");
      return fail("sshd exited at start: " + (text ? *text : std::string("(no log)")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return fail("sshd did not listen within 10 s");
}

std::string Sshd::url() const {
  return fmt::format("sftp://{}@127.0.0.1:{}{}", user_, port_, data_dir().string());
}

}  // namespace dbtwin::test
