// Spawning children with fork()+execve(). The daemon is multi-threaded, so everything the child
// needs (paths, argv, envp) is built before fork(); after fork() the child only makes
// async-signal-safe system calls and reports a failed setup step through an O_CLOEXEC pipe
// (which reads as EOF in the parent once execve() succeeded).
#include "os/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/unique_fd.h"

extern char** environ;

namespace dbtwin::os {

namespace {

// What the child reports through the error pipe: which step failed and its errno. The detached
// variant's middle child also sends the grandchild's pid (step == kPidMessage).
struct ChildReport {
  int step;
  int err;
  int value;
};
constexpr int kPidMessage = 100;
const char* const kStepNames[] = {"setsid",
                                  "redirecting stdin/stdout/stderr",
                                  "dropping privileges",
                                  "changing directory",
                                  "executing",
                                  "forking"};
enum Step { kSetsid, kRedirect, kDropPrivileges, kChdir, kExec, kFork };

struct Prepared {
  std::string program;  // resolved path of argv[0]
  std::string name;     // basename of argv[0], for messages
  std::vector<std::string> argv_store;
  std::vector<std::string> env_store;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::string cwd;
  std::optional<Identity> run_as;
  int fds[3] = {-1, -1, -1};
  UniqueFd dev_null;
  int max_fd = 1024;  // for kernels without close_range()
};

std::string env_key(const std::string& entry) {
  return entry.substr(0, entry.find('='));
}

std::vector<std::string> build_env(const SpawnOptions& opts) {
  std::vector<std::string> out;
  if (opts.inherit_env && environ != nullptr) {
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry(*e);
      bool overridden = false;
      for (const auto& o : opts.env) overridden = overridden || env_key(o) == env_key(entry);
      if (!overridden) out.push_back(std::move(entry));
    }
  }
  for (const auto& o : opts.env) out.push_back(o);
  return out;
}

Result<Prepared> prepare(const SpawnOptions& opts) {
  if (opts.argv.empty() || opts.argv[0].empty()) {
    return err(Errc::invalid_argument, "cannot start a process with an empty argv");
  }
  Prepared p;
  p.name = std::filesystem::path(opts.argv[0]).filename().string();
  // Absolute, so that a relative "./server" still means the caller's folder after chdir().
  p.program = std::filesystem::absolute(TRY(find_executable(opts.argv[0]))).string();
  p.argv_store = opts.argv;
  p.env_store = build_env(opts);
  for (auto& a : p.argv_store) p.argv.push_back(a.data());
  p.argv.push_back(nullptr);
  for (auto& e : p.env_store) p.envp.push_back(e.data());
  p.envp.push_back(nullptr);
  p.cwd = opts.cwd.string();
  p.run_as = opts.run_as;
  long open_max = ::sysconf(_SC_OPEN_MAX);
  if (open_max > 0) p.max_fd = static_cast<int>(std::min(open_max, 1L << 16));
  p.fds[0] = opts.stdin_fd;
  p.fds[1] = opts.stdout_fd;
  p.fds[2] = opts.stderr_fd;
  if (p.fds[0] < 0 || p.fds[1] < 0 || p.fds[2] < 0) {
    int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0) return errno_error("opening /dev/null", errno);
    p.dev_null.reset(fd);
    for (int& f : p.fds) {
      if (f < 0) f = fd;
    }
  }
  return p;
}

void report(int fd, int step, int e, int value = 0) {
  ChildReport r{step, e, value};
  ssize_t n;
  do {
    n = ::write(fd, &r, sizeof r);
  } while (n < 0 && errno == EINTR);
}

[[noreturn]] void child_fail(int report_fd, int step) {
  report(report_fd, step, errno);
  ::_exit(127);
}

// Runs in the forked child: async-signal-safe calls only. Never returns.
[[noreturn]] void exec_child(const Prepared& p, int report_fd, bool new_session) {
  // Signal dispositions set to "ignore" and the blocked mask survive execve(); a server must
  // start with the defaults.
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);

  if (new_session && ::setsid() < 0) child_fail(report_fd, kSetsid);

  // Move the sources above 2 first so that one redirection cannot clobber another's source.
  int moved[3];
  for (int i = 0; i < 3; ++i) {
    moved[i] = ::fcntl(p.fds[i], F_DUPFD_CLOEXEC, 3);
    if (moved[i] < 0) child_fail(report_fd, kRedirect);
  }
  for (int i = 0; i < 3; ++i) {
    if (::dup2(moved[i], i) < 0) child_fail(report_fd, kRedirect);
  }
  // Close every other descriptor (a library may have opened one without O_CLOEXEC), keeping
  // only the report pipe, which closes itself on execve().
  if (::syscall(SYS_close_range, static_cast<unsigned>(report_fd + 1), ~0u, 0u) < 0) {
    for (int fd = report_fd + 1; fd < p.max_fd; ++fd) ::close(fd);
  }
  for (int fd = 3; fd < report_fd; ++fd) ::close(fd);

  if (p.run_as) {
    // Raw system calls: the child of a multi-threaded parent must not use glibc's
    // all-threads set*id machinery.
    if (::syscall(SYS_setgroups, 0, nullptr) < 0) child_fail(report_fd, kDropPrivileges);
    if (::syscall(SYS_setgid, p.run_as->gid) < 0) child_fail(report_fd, kDropPrivileges);
    if (::syscall(SYS_setuid, p.run_as->uid) < 0) child_fail(report_fd, kDropPrivileges);
  }
  if (!p.cwd.empty() && ::chdir(p.cwd.c_str()) < 0) child_fail(report_fd, kChdir);
  ::execve(p.program.c_str(), p.argv.data(), p.envp.data());
  child_fail(report_fd, kExec);
}

Error child_error(const Prepared& p, const ChildReport& r) {
  const char* step = r.step >= 0 && r.step <= kFork ? kStepNames[r.step] : "setting up";
  Error e = errno_error(fmt::format("starting {}: {}", p.name, step), r.err);
  if (r.step == kExec && (r.err == ENOENT || r.err == EACCES)) e.code = Errc::unavailable;
  return e;
}

Result<std::pair<UniqueFd, UniqueFd>> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return errno_error("creating a pipe", errno);
  return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

// Reads one report; false on EOF.
bool read_report(int fd, ChildReport* r) {
  size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(r);
  while (got < sizeof *r) {
    ssize_t n = ::read(fd, bytes + got, sizeof *r - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

pid_t wait_pid(pid_t pid, int* status, int flags) {
  pid_t r;
  do {
    r = ::waitpid(pid, status, flags);
  } while (r < 0 && errno == EINTR);
  return r;
}

}  // namespace

Result<ChildProcess> ChildProcess::spawn(const SpawnOptions& opts) {
  Prepared p = TRY(prepare(opts));
  auto [rd, wr] = TRY(make_pipe());
  pid_t pid = ::fork();
  if (pid < 0) return errno_error(fmt::format("starting {}: fork", p.name), errno);
  if (pid == 0) exec_child(p, wr.get(), true);
  wr.reset();
  ChildProcess child(pid);
  ChildReport r{};
  // Blocks until execve() closed the pipe; by then setsid() has run, so kill_group() works.
  if (read_report(rd.get(), &r)) {
    child.wait().value();
    return child_error(p, r);
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)), reaped_(o.reaped_), status_(o.status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  if (this != &o) {
    kill_and_reap();
    pid_ = std::exchange(o.pid_, -1);
    reaped_ = o.reaped_;
    status_ = o.status_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  kill_and_reap();
}

void ChildProcess::kill_and_reap() {
  if (pid_ <= 0 || reaped_) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status;
  wait_pid(pid_, &status, 0);
  reaped_ = true;
}

Result<int> ChildProcess::wait() {
  if (pid_ <= 0) return err(Errc::internal, "waiting for a process that was never started");
  if (!reaped_) {
    int status = 0;
    if (wait_pid(pid_, &status, 0) < 0)
      return errno_error(fmt::format("waiting for pid {}", pid_), errno);
    reaped_ = true;
    status_ = decode_status(status);
  }
  return status_;
}

std::optional<int> ChildProcess::try_wait() {
  if (pid_ <= 0) return std::nullopt;
  if (!reaped_) {
    int status = 0;
    if (wait_pid(pid_, &status, WNOHANG) <= 0) return std::nullopt;
    reaped_ = true;
    status_ = decode_status(status);
  }
  return status_;
}

void ChildProcess::kill_group(int sig) {
  if (pid_ <= 0 || reaped_) return;
  if (::kill(-pid_, sig) < 0) ::kill(pid_, sig);
}

Result<ProcessId> spawn_detached(const SpawnOptions& opts) {
  Prepared p = TRY(prepare(opts));
  auto [rd, wr] = TRY(make_pipe());
  // The grandchild waits on `go` until the parent has read its start time, so the identity is
  // read while the process surely exists (it might otherwise exit and be reaped by init first).
  auto [go_rd, go_wr] = TRY(make_pipe());
  pid_t middle = ::fork();
  if (middle < 0) return errno_error(fmt::format("starting {}: fork", p.name), errno);
  if (middle == 0) {
    if (::setsid() < 0) child_fail(wr.get(), kSetsid);
    pid_t grandchild = ::fork();
    if (grandchild < 0) child_fail(wr.get(), kFork);
    if (grandchild == 0) {
      ::close(go_wr.get());
      char c;
      while (::read(go_rd.get(), &c, 1) < 0 && errno == EINTR) {
      }
      // Already a session leader's child: setsid() makes it leader of its own session+group.
      exec_child(p, wr.get(), true);
    }
    report(wr.get(), kPidMessage, 0, grandchild);
    ::_exit(0);
  }
  wr.reset();
  go_rd.reset();
  int status;
  wait_pid(middle, &status, 0);

  ChildReport r{};
  if (!read_report(rd.get(), &r)) {
    return err(Errc::system, "starting {}: the intermediate process died", p.name);
  }
  if (r.step != kPidMessage) return child_error(p, r);
  pid_t pid = r.value;
  auto id = process_id(pid);
  // A byte lets the grandchild exec, not EOF: a grandchild that another thread forked meanwhile
  // holds a copy of go_wr until it execs itself, and two such spawns would wait for each other.
  const char go = 1;
  while (::write(go_wr.get(), &go, 1) < 0 && errno == EINTR) {
  }
  go_wr.reset();
  if (read_report(rd.get(), &r)) return child_error(p, r);
  if (!id.ok()) return err(Errc::system, "starting {}: pid {} vanished before exec", p.name, pid);
  return *id;
}

}  // namespace dbtwin::os
