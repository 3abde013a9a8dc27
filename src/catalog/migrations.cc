// Versioned schema migrations, applied in order inside one transaction each. PRAGMA
// user_version records the last one applied. Never edit a released migration: add one.
#include <array>
#include <string_view>

#include "catalog/catalog.h"

namespace dbtwin::catalog {

namespace {

constexpr std::array<std::string_view, 2> kMigrations = {
    // 1: the first schema.
    R"sql(
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE templates (
  name TEXT PRIMARY KEY, engine TEXT NOT NULL, database TEXT NOT NULL,
  source_kind TEXT NOT NULL, source_ref TEXT NOT NULL DEFAULT '',
  admin_user TEXT NOT NULL, admin_password TEXT NOT NULL,
  state TEXT NOT NULL, created_at INTEGER NOT NULL,
  op_pid INTEGER NOT NULL DEFAULT 0, op_start INTEGER NOT NULL DEFAULT 0);
CREATE TABLE snapshots (
  id INTEGER PRIMARY KEY, template TEXT NOT NULL REFERENCES templates(name),
  volume TEXT NOT NULL UNIQUE, state TEXT NOT NULL, origin TEXT NOT NULL,
  hidden INTEGER NOT NULL DEFAULT 0, size_bytes INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  op_pid INTEGER NOT NULL DEFAULT 0, op_start INTEGER NOT NULL DEFAULT 0);
CREATE TABLE clones (
  name TEXT PRIMARY KEY, template TEXT NOT NULL REFERENCES templates(name),
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id), engine TEXT NOT NULL,
  volume TEXT NOT NULL UNIQUE, port INTEGER NOT NULL UNIQUE,
  user TEXT NOT NULL, password TEXT NOT NULL, database TEXT NOT NULL, owner TEXT NOT NULL,
  state TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL DEFAULT 0,
  protected INTEGER NOT NULL DEFAULT 0, server_pid INTEGER NOT NULL DEFAULT 0,
  server_start INTEGER NOT NULL DEFAULT 0, restarts INTEGER NOT NULL DEFAULT 0,
  hook TEXT NOT NULL DEFAULT '',
  op_pid INTEGER NOT NULL DEFAULT 0, op_start INTEGER NOT NULL DEFAULT 0);
CREATE TABLE ports (port INTEGER PRIMARY KEY, owner TEXT NOT NULL);
CREATE INDEX clones_by_template ON clones(template);
CREATE INDEX snapshots_by_template ON snapshots(template);
)sql",
    // 2: the daemon: scheduled refresh, idle tracking, and jobs for long operations.
    R"sql(
ALTER TABLE templates ADD COLUMN schedule TEXT NOT NULL DEFAULT '';
ALTER TABLE templates ADD COLUMN keep_snapshots INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clones ADD COLUMN last_active_at INTEGER NOT NULL DEFAULT 0;
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, target TEXT NOT NULL, state TEXT NOT NULL,
  done_bytes INTEGER NOT NULL DEFAULT 0, total_bytes INTEGER NOT NULL DEFAULT 0,
  result TEXT NOT NULL DEFAULT '', error_code TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL DEFAULT 0,
  op_pid INTEGER NOT NULL DEFAULT 0, op_start INTEGER NOT NULL DEFAULT 0);
)sql",
};

}  // namespace

Status Catalog::migrate() {
  auto stmt = TRY(db_->prepare("PRAGMA user_version"));
  TRY(stmt.step());
  int current = static_cast<int>(stmt.int_at(0));
  if (current > static_cast<int>(kMigrations.size())) {
    return err(
        Errc::unavailable,
        "the catalog has schema version {}, newer than this dbtwin knows ({}); upgrade dbtwin",
        current, kMigrations.size());
  }
  for (size_t v = static_cast<size_t>(current); v < kMigrations.size(); ++v) {
    auto tx = TRY(Transaction::begin(*db_));
    // Re-read inside the write lock: another process may have migrated meanwhile.
    auto again = TRY(db_->prepare("PRAGMA user_version"));
    TRY(again.step());
    if (again.int_at(0) > static_cast<int64_t>(v)) continue;
    TRY_CTX(db_->exec(kMigrations[v]), fmt::format("migration {}", v + 1));
    TRY(db_->exec(fmt::format("PRAGMA user_version = {}", v + 1)));
    TRY(tx.commit());
  }
  version_ = static_cast<int>(kMigrations.size());
  return {};
}

}  // namespace dbtwin::catalog
