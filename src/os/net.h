// Sockets: proving a port free, and waiting for one.
#pragma once

#include <string>

#include "base/result.h"

namespace dbtwin::os {

// True if a TCP listener could bind host:port right now (SO_REUSEADDR, as servers bind).
bool tcp_port_free(const std::string& host, int port);

}  // namespace dbtwin::os
