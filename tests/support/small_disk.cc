#include "support/small_disk.h"

#include <fcntl.h>

#include <string>

#include "os/files.h"

namespace dbtwin::test {

namespace {

// Moves pg_wal off the small disk to `outside` and leaves a symlink in its place (see the header).
Status move_wal_out(const fs::path& datadir, const fs::path& outside) {
  TRY(os::copy_tree(datadir / "pg_wal", outside, os::CopyMode::copy));
  std::error_code ec;
  fs::remove_all(datadir / "pg_wal", ec);
  if (!ec) fs::create_directory_symlink(outside, datadir / "pg_wal", ec);
  if (ec) {
    return err(Errc::system, "moving pg_wal of {} to {}: {}", datadir.string(), outside.string(),
               ec.message());
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<SmallDiskServer>> SmallDiskServer::make(engine::Engine& engine,
                                                               const fs::path& base,
                                                               const std::string& name,
                                                               uint64_t size) {
  std::unique_ptr<SmallDiskServer> s(new SmallDiskServer(engine, base / name / "disk"));
  TRY(os::make_dirs(s->disk_, 0755));
  s->mount_.emplace(TRY(os::Mount::make("tmpfs", s->disk_, "tmpfs", 0,
                                        "size=" + std::to_string(size) + ",mode=0755")));
  auto spec = TRY(spec_from_golden(engine, base, name, /*durable=*/false, s->disk_ / "data"));
  if (engine.kind() == engine::Kind::postgres)
    TRY(move_wal_out(spec.datadir, base / name / "pg_wal"));
  TRY(engine.prepare_copy(spec));
  TRY(engine.configure(spec));
  s->server_ = std::make_unique<EngineServer>(engine, spec);
  TRY(s->server_->start_and_wait());
  return s;
}

SmallDiskServer::~SmallDiskServer() {
  server_.reset();  // the server must be gone before its disk is unmounted
  mount_.reset();
}

std::string SmallDiskServer::url(const std::string& database) const {
  return engine_.url("127.0.0.1", server_->spec().port, server_->admin(), database);
}

Result<uint64_t> SmallDiskServer::available() const {
  auto space = TRY(os::fs_space(disk_));
  return space.available;
}

Status SmallDiskServer::fill(uint64_t keep_free) {
  auto fd = TRY(os::open_fd(filler(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  const std::string block(1 << 20, 'f');
  // Whole blocks only: a short write into a page the file already holds frees nothing.
  for (uint64_t free = TRY(available()); free >= keep_free + block.size();
       free = TRY(available())) {
    TRY_CTX(os::write_all(fd.get(), block), "filling " + disk_.string());
  }
  return {};
}

Status SmallDiskServer::unfill() {
  std::error_code ec;
  fs::remove(filler(), ec);
  if (ec) return err(Errc::system, "removing {}: {}", filler().string(), ec.message());
  return {};
}

}  // namespace dbtwin::test
