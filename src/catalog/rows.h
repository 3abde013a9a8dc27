// The catalog's rows. A row in a transitional state (creating, importing, destroying) records the
// process doing the work (op_pid, op_start), so that a later command can tell a live operation
// from one whose process was killed, and clean up after the dead.
#pragma once

#include <cstdint>
#include <string>

namespace dbtwin::catalog {

struct OpOwner {
  int64_t pid = 0;
  int64_t start_time = 0;
};

struct TemplateRow {
  std::string name;
  std::string engine;       // "postgres" | "mariadb"
  std::string database;     // the default database clones connect to
  std::string source_kind;  // "dump" | "url" | "clone" | "empty"
  std::string source_ref;   // the dump path, the URL (password removed), the clone name
  std::string admin_user;
  std::string admin_password;
  std::string state;  // "importing" | "ready"
  int64_t created_at = 0;
  std::string schedule;    // cron-style refresh schedule; empty: never refreshed on its own
  int keep_snapshots = 0;  // unused snapshots kept after a refresh; 0: the configured default
  OpOwner op;
};

struct SnapshotRow {
  int64_t id = 0;
  std::string template_name;
  std::string volume;   // snap.<template>.<id>
  std::string state;    // "creating" | "ready"
  std::string origin;   // "import" | "refresh" | "clone:<name>" | "freeze:<name>"
  bool hidden = false;  // made for a clone of a clone; removed with its last user
  int64_t size_bytes = 0;
  int64_t created_at = 0;
  OpOwner op;
};

struct CloneRow {
  std::string name;
  std::string template_name;
  int64_t snapshot_id = 0;
  std::string engine;
  std::string volume;  // clone.<name>
  int port = 0;
  std::string user;
  std::string password;
  std::string database;
  std::string owner;
  std::string state;  // "creating" | "running" | "stopped" | "failed" | "destroying" |
                      // "quiescing" (stopped for a snapshot; running again after it)
  int64_t created_at = 0;
  int64_t expires_at = 0;  // 0: never
  bool is_protected = false;
  int64_t server_pid = 0;
  int64_t server_start = 0;
  int64_t restarts = 0;
  std::string hook;            // the --exec script, kept for reset
  int64_t last_active_at = 0;  // when the daemon last saw a connection or a query
  OpOwner op;
};

// A long operation run by the daemon (an import, a refresh), polled by clients.
struct JobRow {
  int64_t id = 0;
  std::string kind;    // "template.create" | "template.refresh"
  std::string target;  // the template's name
  std::string state;   // "running" | "succeeded" | "failed"
  int64_t done_bytes = 0;
  int64_t total_bytes = 0;
  std::string result;  // JSON text of the result once succeeded
  std::string error_code;
  std::string error_message;
  int64_t created_at = 0;
  int64_t finished_at = 0;
  OpOwner op;
};

}  // namespace dbtwin::catalog
