// Pipes between child processes and us.
#pragma once

#include "base/result.h"
#include "base/unique_fd.h"

namespace dbtwin::os {

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

// A pipe with both ends O_CLOEXEC, so that only the child given an end (as its stdin or
// stdout) holds it, and EOF arrives when that child exits.
Result<Pipe> make_pipe();

// Writing into a client that exited early must give EPIPE, not kill us: ignores SIGPIPE for
// the whole process, once.
void ignore_sigpipe();

}  // namespace dbtwin::os
