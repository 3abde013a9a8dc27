// Listening sockets that cpp-httplib cannot make itself: a Unix-domain socket for the daemon.
#pragma once

#include <sys/types.h>

#include <filesystem>

#include "base/result.h"
#include "base/unique_fd.h"

namespace dbtwin::os {

// Binds and listens on a Unix socket at `path` with file mode `mode`. A stale socket left by a
// killed daemon is replaced; any other file at the path is a conflict.
Result<UniqueFd> listen_unix(const std::filesystem::path& path, mode_t mode);

// SO_REUSEADDR on a listening TCP socket, so a restarted daemon binds its port over the
// TIME_WAIT connections the previous one left. Best effort.
void allow_address_reuse(int fd);

// Lets up to SOMAXCONN connections wait for accept() on a socket that already listens (Linux
// takes a second listen() as a new backlog). cpp-httplib listens with a backlog of 5: in a burst
// of clients beyond that, SYNs and requests are dropped and retransmitted, and a request that
// arrives after the server's 5 s read timeout is dropped unanswered.
Status widen_backlog(int fd);

}  // namespace dbtwin::os
