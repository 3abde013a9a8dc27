// Test support: a real engine server whose data directory lives on a small tmpfs that a test can
// fill up on purpose, to see what the server and dbtwin do when its disk is full.
//
//   auto s = SmallDiskServer::make(engine, dir.path(), "target", 256 << 20);
//   ... load what must fit ...
//   s->fill(16 << 20);     // only 16 MiB stay free
//   ... the operation that must fail cleanly ...
//   s->unfill();           // space comes back; the server never stopped
//
// PostgreSQL's pg_wal is kept outside the tmpfs (a symlink to a folder beside it): a server that
// cannot write WAL PANICs and restarts, which is a crash test, not a full-disk one. With WAL
// elsewhere, a full data disk gives PostgreSQL's ordinary "could not extend file" error, as it
// does on a real server whose tablespace fills up. MariaDB keeps everything on the tmpfs: its
// redo log is preallocated, and InnoDB answers a tablespace it cannot extend with "table is full".
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "os/mount.h"
#include "support/engine_server.h"

namespace dbtwin::test {

class SmallDiskServer {
 public:
  // A copy of the engine's golden data directory on a new tmpfs of `size` bytes under
  // base/name, configured (durability off) and started. Needs root (the mount).
  static Result<std::unique_ptr<SmallDiskServer>> make(engine::Engine& engine, const fs::path& base,
                                                       const std::string& name, uint64_t size);
  SmallDiskServer(const SmallDiskServer&) = delete;
  SmallDiskServer& operator=(const SmallDiskServer&) = delete;
  ~SmallDiskServer();  // stops the server, then unmounts

  EngineServer& server() { return *server_; }
  const fs::path& disk() const { return disk_; }  // the tmpfs mount point
  // An admin URL to `database` on this server.
  std::string url(const std::string& database) const;

  // Writes a filler file on the tmpfs until between `keep_free` and `keep_free` + 1 MiB bytes
  // are available.
  Status fill(uint64_t keep_free);
  // Deletes the filler file.
  Status unfill();
  // Bytes available on the tmpfs now.
  Result<uint64_t> available() const;

 private:
  SmallDiskServer(engine::Engine& engine, fs::path disk)
      : engine_(engine), disk_(std::move(disk)) {}
  fs::path filler() const { return disk_ / "filler"; }

  engine::Engine& engine_;
  fs::path disk_;
  std::optional<os::Mount> mount_;  // declared before the server: unmounted after it stops
  std::unique_ptr<EngineServer> server_;
};

}  // namespace dbtwin::test
