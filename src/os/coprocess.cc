#include "os/coprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>

#include "os/pipe.h"

namespace dbtwin::os {

Result<Coprocess> Coprocess::start(const std::vector<std::string>& argv) {
  if (argv.empty()) return err(Errc::invalid_argument, "starting a command: empty argv");
  ignore_sigpipe();  // a dead child must give EPIPE, not kill us
  Pipe to_child = TRY(make_pipe());
  Pipe from_child = TRY(make_pipe());
  SpawnOptions opts;
  opts.argv = argv;
  opts.stdin_fd = to_child.read.get();
  opts.stdout_fd = from_child.write.get();
  opts.stderr_fd = STDERR_FILENO;
  ChildProcess child = TRY(ChildProcess::spawn(opts));
  // Our end of the child's stdin is non-blocking so exchange() can read while it writes.
  int fl = ::fcntl(to_child.write.get(), F_GETFL);
  if (fl < 0 || ::fcntl(to_child.write.get(), F_SETFL, fl | O_NONBLOCK) < 0) {
    return errno_error("making a pipe non-blocking", errno);
  }
  std::string name = std::filesystem::path(argv[0]).filename().string();
  return Coprocess(std::move(child), std::move(to_child.write), std::move(from_child.read),
                   std::move(name));
}

Error Coprocess::gone() {
  broken_ = true;
  in_.reset();
  out_.reset();
  // Its pipes are closed; it may still be running (it closed stdout only): stop it.
  std::optional<int> code = child_.try_wait();
  if (!code) {
    child_.kill_group(SIGKILL);
    code = child_.wait().value_or(-1);
  }
  return err(Errc::unavailable, "command {} stopped answering (exit status {})", name_, *code);
}

Result<std::string> Coprocess::exchange(std::string_view line, std::chrono::milliseconds idle) {
  if (broken_) return err(Errc::unavailable, "command {} is no longer running", name_);
  std::string out(line);
  out.push_back('\n');
  size_t written = 0;
  while (true) {
    size_t nl = pending_.find('\n');
    if (nl != std::string::npos && written == out.size()) {
      std::string answer = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return answer;
    }
    pollfd fds[2] = {{out_.get(), POLLIN, 0}, {in_.get(), POLLOUT, 0}};
    nfds_t n = written < out.size() ? 2 : 1;
    int r = ::poll(fds, n, static_cast<int>(idle.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno_error("waiting for command " + name_, errno);
    if (r == 0) {
      broken_ = true;
      return err(Errc::timeout, "command {} gave no answer in {} s", name_, idle.count() / 1000);
    }
    if (fds[0].revents != 0) {
      char buf[65536];
      ssize_t got = ::read(out_.get(), buf, sizeof buf);
      if (got < 0 && errno != EINTR && errno != EAGAIN) return gone();
      if (got == 0) return gone();
      if (got > 0) pending_.append(buf, static_cast<size_t>(got));
    }
    if (n == 2 && fds[1].revents != 0) {
      ssize_t put = ::write(in_.get(), out.data() + written, out.size() - written);
      if (put < 0 && errno != EINTR && errno != EAGAIN) return gone();
      if (put > 0) written += static_cast<size_t>(put);
    }
  }
}

}  // namespace dbtwin::os
