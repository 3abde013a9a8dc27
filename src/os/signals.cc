#include "os/signals.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

namespace dbtwin::os {

namespace {
sigset_t make_set(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  return set;
}
}  // namespace

Status block_signals(std::initializer_list<int> signals) {
  sigset_t set = make_set(signals);
  int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (rc != 0) return errno_error("blocking signals", rc);
  return {};
}

Result<int> wait_for_signal(std::initializer_list<int> signals) {
  sigset_t set = make_set(signals);
  for (;;) {
    int sig = 0;
    int rc = sigwait(&set, &sig);
    if (rc == 0) return sig;
    if (rc != EINTR) return errno_error("waiting for a signal", rc);
  }
}

Status raise_in_process(int sig) {
  if (::kill(::getpid(), sig) < 0) return errno_error("signalling this process", errno);
  return {};
}

Status become_subreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return errno_error("becoming a child subreaper", errno);
  return {};
}

}  // namespace dbtwin::os
