// Unix-domain sockets, for talking to a daemon that listens on a socket file.
#pragma once

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace dbtwin::os {

// A stream socket connected to the Unix socket at `path` (blocking, close-on-exec). Fails with
// the errno of socket() or connect(), e.g. not_found when nothing is at `path`.
Result<UniqueFd> connect_unix(const std::string& path);

}  // namespace dbtwin::os
