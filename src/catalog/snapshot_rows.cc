#include "catalog/catalog.h"

namespace dbtwin::catalog {

namespace {

constexpr const char* kColumns =
    "id, template, volume, state, origin, hidden, size_bytes, created_at, op_pid, op_start";

SnapshotRow read_row(const Statement& st) {
  SnapshotRow r;
  r.id = st.int_at(0);
  r.template_name = st.text_at(1);
  r.volume = st.text_at(2);
  r.state = st.text_at(3);
  r.origin = st.text_at(4);
  r.hidden = st.int_at(5) != 0;
  r.size_bytes = st.int_at(6);
  r.created_at = st.int_at(7);
  r.op = {st.int_at(8), st.int_at(9)};
  return r;
}

}  // namespace

Result<int64_t> Catalog::next_snapshot_id() {
  // Ids are never reused, even after deletions, so a volume name is never reused either.
  auto st = TRY(db_->prepare(
      "INSERT INTO settings(key, value) VALUES('snapshot_seq', '1') "
      "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING value"));
  TRY(st.step());
  return std::stoll(st.text_at(0));
}

Status Catalog::insert_snapshot(const SnapshotRow& r) {
  auto st = TRY(
      db_->prepare(fmt::format("INSERT INTO snapshots({}) VALUES(?,?,?,?,?,?,?,?,?,?)", kColumns)));
  st.bind(1, r.id).bind(2, r.template_name).bind(3, r.volume).bind(4, r.state).bind(5, r.origin);
  st.bind(6, int64_t{r.hidden}).bind(7, r.size_bytes).bind(8, r.created_at);
  st.bind(9, r.op.pid).bind(10, r.op.start_time);
  return st.run();
}

Result<std::optional<SnapshotRow>> Catalog::find_snapshot(int64_t id) {
  auto st = TRY(db_->prepare(fmt::format("SELECT {} FROM snapshots WHERE id = ?", kColumns)));
  st.bind(1, id);
  if (!TRY(st.step())) return std::optional<SnapshotRow>();
  return std::optional<SnapshotRow>(read_row(st));
}

Result<std::vector<SnapshotRow>> Catalog::list_snapshots(const std::optional<std::string>& tmpl,
                                                         bool include_hidden) {
  std::string sql =
      fmt::format("SELECT {} FROM snapshots WHERE (?1 IS NULL OR template = ?1)", kColumns);
  if (!include_hidden) sql += " AND hidden = 0";
  sql += " ORDER BY id DESC";
  auto st = TRY(db_->prepare(sql));
  if (tmpl)
    st.bind(1, *tmpl);
  else
    st.bind_null(1);
  std::vector<SnapshotRow> out;
  while (TRY(st.step())) out.push_back(read_row(st));
  return out;
}

Status Catalog::mark_snapshot_ready(int64_t id, int64_t size_bytes) {
  auto st =
      TRY(db_->prepare("UPDATE snapshots SET state = 'ready', size_bytes = ?, op_pid = 0, op_start "
                       "= 0 WHERE id = ?"));
  st.bind(1, size_bytes).bind(2, id);
  return st.run();
}

Status Catalog::delete_snapshot(int64_t id) {
  auto st = TRY(db_->prepare("DELETE FROM snapshots WHERE id = ?"));
  st.bind(1, id);
  return st.run();
}

Result<int64_t> Catalog::clones_using_snapshot(int64_t id) {
  auto st = TRY(db_->prepare("SELECT COUNT(*) FROM clones WHERE snapshot_id = ?"));
  st.bind(1, id);
  TRY(st.step());
  return st.int_at(0);
}

}  // namespace dbtwin::catalog
