// The sftp:// bridge: objects are files under a folder on an SSH server. Writes go to
// "<key>.tmp-<random>" and are renamed into place at commit. OpenSSH speaks SFTP version 3,
// whose rename refuses an existing target and libssh 0.10 offers no posix-rename, so replacing
// an object removes the old one first: for that moment a reader finds it absent (the index
// update tolerates this: bridge/index.h).
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "bridge/sftp_conn.h"
#include "pipeline/object_store.h"

namespace dbtwin::bridge {

// Connects and returns the store rooted at `root` (an absolute path on the server, created on
// first write).
Result<std::unique_ptr<pipeline::ObjectStore>> open_sftp_store(const SftpParams& p,
                                                               std::string root);

}  // namespace dbtwin::bridge
