// Running a program to completion: stdin fed and stdout/stderr captured at the same time with
// poll(), so a child that writes much before reading all its input cannot deadlock us.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>

#include "base/unique_fd.h"
#include "os/process.h"

namespace dbtwin::os {

namespace {

constexpr size_t kCaptureCap = 16u << 20;

Result<std::pair<UniqueFd, UniqueFd>> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return errno_error("creating a pipe", errno);
  return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Reads what is available; false once the pipe is at EOF (or broken).
bool drain(int fd, std::string* into) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      size_t room = kCaptureCap - std::min(kCaptureCap, into->size());
      into->append(buf, std::min(room, static_cast<size_t>(n)));  // beyond the cap: discarded
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    return false;
  }
}

// Writing to a pipe whose reader exited raises SIGPIPE, which would kill the whole daemon. It is
// blocked in this thread for the duration, and a pending one is consumed before unblocking.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~SigpipeBlock() {
    if (!was_pending_) {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGPIPE);
      timespec zero{0, 0};
      while (sigtimedwait(&set, nullptr, &zero) > 0) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

std::string last_lines(std::string_view text, size_t count) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  size_t start = text.size();
  for (size_t lines = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++lines == count) break;
  }
  return std::string(text.substr(start));
}

}  // namespace

Result<RunResult> run(SpawnOptions opts, std::string_view input) {
  UniqueFd in_w, out_r, err_r;
  {
    // The child's ends are closed at the end of this scope, once the child holds its copies.
    UniqueFd in_r, out_w, err_w;
    if (!input.empty()) {
      auto [r, w] = TRY(make_pipe());
      in_r = std::move(r);
      in_w = std::move(w);
      opts.stdin_fd = in_r.get();
    }
    if (opts.stdout_fd < 0) {
      auto [r, w] = TRY(make_pipe());
      out_r = std::move(r);
      out_w = std::move(w);
      opts.stdout_fd = out_w.get();
    }
    if (opts.stderr_fd < 0) {
      auto [r, w] = TRY(make_pipe());
      err_r = std::move(r);
      err_w = std::move(w);
      opts.stderr_fd = err_w.get();
    }
    auto spawned = ChildProcess::spawn(opts);
    if (!spawned.ok()) return std::move(spawned).error();
    ChildProcess child = std::move(spawned).value();
    in_r.reset();
    out_w.reset();
    err_w.reset();
    return [&]() -> Result<RunResult> {
      RunResult res;
      // A pidfd tells when the child exits, so that a grandchild that inherited stdout (a
      // daemon it started) cannot keep us waiting for EOF.
      UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, child.pid(), 0)));
      for (int fd : {in_w.get(), out_r.get(), err_r.get()}) {
        if (fd >= 0) set_nonblocking(fd);
      }
      SigpipeBlock no_sigpipe;
      size_t written = 0;
      bool exited = false;
      while (!exited && (in_w.valid() || out_r.valid() || err_r.valid())) {
        pollfd fds[4];
        int n = 0;
        auto add = [&](const UniqueFd& fd, short events) {
          fds[n++] = pollfd{fd.valid() ? fd.get() : -1, events, 0};
        };
        add(in_w, POLLOUT);
        add(out_r, POLLIN);
        add(err_r, POLLIN);
        add(pidfd, POLLIN);
        if (::poll(fds, n, -1) < 0) {
          if (errno == EINTR) continue;
          return errno_error("waiting for a child's output", errno);
        }
        if (fds[0].revents != 0) {
          ssize_t w = ::write(in_w.get(), input.data() + written, input.size() - written);
          if (w > 0) written += static_cast<size_t>(w);
          if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in_w.reset();
        }
        if (fds[1].revents != 0 && !drain(out_r.get(), &res.out)) out_r.reset();
        if (fds[2].revents != 0 && !drain(err_r.get(), &res.err)) err_r.reset();
        if (fds[3].revents != 0) exited = true;
      }
      // The child exited: what it wrote is still buffered in the pipes.
      if (out_r.valid()) drain(out_r.get(), &res.out);
      if (err_r.valid()) drain(err_r.get(), &res.err);
      res.exit_code = TRY(child.wait());
      return res;
    }();
  }
}

Result<std::string> run_checked(SpawnOptions opts, Errc on_failure, std::string_view input) {
  std::string name = opts.argv.empty() ? std::string("?")
                                       : std::filesystem::path(opts.argv[0]).filename().string();
  RunResult r = TRY(run(std::move(opts), input));
  if (r.exit_code != 0) {
    std::string tail = last_lines(r.err.empty() ? r.out : r.err, 20);
    std::string how = r.exit_code > 128 ? fmt::format("was killed by signal {}", r.exit_code - 128)
                                        : fmt::format("exited with code {}", r.exit_code);
    if (tail.empty()) return make_error(on_failure, fmt::format("{} {}", name, how));
    return make_error(on_failure, fmt::format("{} {}: {}", name, how, tail));
  }
  return std::move(r.out);
}

}  // namespace dbtwin::os
