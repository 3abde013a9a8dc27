// The catalog: dbtwin's state in SQLite (templates, snapshots, clones, ports), with versioned
// migrations. Every write that must not race another process runs in a BEGIN IMMEDIATE
// transaction.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "catalog/rows.h"
#include "catalog/sqlite.h"

namespace dbtwin::catalog {

class Catalog {
 public:
  // Opens the catalog file and applies any pending migrations.
  static Result<std::unique_ptr<Catalog>> open(const std::filesystem::path& path);
  int schema_version() const { return version_; }
  Connection& db() { return *db_; }

  // Settings: small key/value facts about this state directory (the pool driver, the loop image).
  Result<std::optional<std::string>> setting(const std::string& key);
  Status set_setting(const std::string& key, const std::string& value);

  // Templates.
  Status insert_template(const TemplateRow& row);  // already_exists if the name is taken
  Result<std::optional<TemplateRow>> find_template(const std::string& name);
  Result<TemplateRow> get_template(const std::string& name);  // not_found if missing
  Result<std::vector<TemplateRow>> list_templates();
  Status set_template_state(const std::string& name, const std::string& state, const OpOwner& op);
  Status set_template_schedule(const std::string& name, const std::string& schedule,
                               int keep_snapshots);
  Status delete_template(const std::string& name);

  // Snapshots, newest first.
  Result<int64_t> next_snapshot_id();
  Status insert_snapshot(const SnapshotRow& row);
  Result<std::optional<SnapshotRow>> find_snapshot(int64_t id);
  Result<std::vector<SnapshotRow>> list_snapshots(const std::optional<std::string>& template_name,
                                                  bool include_hidden);
  Status mark_snapshot_ready(int64_t id, int64_t size_bytes);
  Status delete_snapshot(int64_t id);
  Result<int64_t> clones_using_snapshot(int64_t id);

  // Clones.
  Status insert_clone(const CloneRow& row);  // already_exists if the name or port is taken
  Result<std::optional<CloneRow>> find_clone(const std::string& name);
  Result<CloneRow> get_clone(const std::string& name);
  Result<std::vector<CloneRow>> list_clones(const std::optional<std::string>& template_name);
  Status update_clone(const CloneRow& row);  // every mutable column, by name
  Status delete_clone(const std::string& name);
  // Clones inserted up to and including `name` (rowid order: a new row's rowid is above every
  // row present), in all and of `tmpl`. Orders racing creators by insertion, for quotas.
  Result<std::pair<int64_t, int64_t>> clones_up_to(const std::string& name,
                                                   const std::string& tmpl);

  // Ports: taken atomically for an owner ("clone:<name>", "template:<name>") from [lo, hi], and
  // proven free by binding. unavailable when the range is full.
  Result<int> take_port(int lo, int hi, const std::string& owner, const std::string& bind_host);
  Status release_port(int port);
  Status release_ports_of(const std::string& owner);
  Result<std::vector<std::pair<int, std::string>>> list_ports();

  // Jobs: long operations of the daemon.
  Result<int64_t> insert_job(const JobRow& row);  // returns the new id
  Result<std::optional<JobRow>> find_job(int64_t id);
  Result<std::vector<JobRow>> list_jobs(int limit);  // newest first
  Status update_job_progress(int64_t id, int64_t done, int64_t total);
  // Records the end of a job: state "succeeded" with `result`, or "failed" with the error.
  Status finish_job(int64_t id, const std::string& state, const std::string& result,
                    const std::string& error_code, const std::string& error_message);

 private:
  explicit Catalog(std::unique_ptr<Connection> db) : db_(std::move(db)) {}
  Status migrate();
  std::unique_ptr<Connection> db_;
  int version_ = 0;
};

}  // namespace dbtwin::catalog
