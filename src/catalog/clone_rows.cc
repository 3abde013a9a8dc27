#include "catalog/catalog.h"

namespace dbtwin::catalog {

namespace {

constexpr const char* kColumns =
    "name, template, snapshot_id, engine, volume, port, user, password, database, owner, state, "
    "created_at, expires_at, protected, server_pid, server_start, restarts, hook, op_pid, "
    "op_start, "
    "last_active_at";

CloneRow read_row(const Statement& st) {
  CloneRow r;
  r.name = st.text_at(0);
  r.template_name = st.text_at(1);
  r.snapshot_id = st.int_at(2);
  r.engine = st.text_at(3);
  r.volume = st.text_at(4);
  r.port = static_cast<int>(st.int_at(5));
  r.user = st.text_at(6);
  r.password = st.text_at(7);
  r.database = st.text_at(8);
  r.owner = st.text_at(9);
  r.state = st.text_at(10);
  r.created_at = st.int_at(11);
  r.expires_at = st.int_at(12);
  r.is_protected = st.int_at(13) != 0;
  r.server_pid = st.int_at(14);
  r.server_start = st.int_at(15);
  r.restarts = st.int_at(16);
  r.hook = st.text_at(17);
  r.op = {st.int_at(18), st.int_at(19)};
  r.last_active_at = st.int_at(20);
  return r;
}

void bind_row(Statement& st, const CloneRow& r) {
  st.bind(1, r.name).bind(2, r.template_name).bind(3, r.snapshot_id).bind(4, r.engine);
  st.bind(5, r.volume).bind(6, int64_t{r.port}).bind(7, r.user).bind(8, r.password);
  st.bind(9, r.database).bind(10, r.owner).bind(11, r.state).bind(12, r.created_at);
  st.bind(13, r.expires_at).bind(14, int64_t{r.is_protected}).bind(15, r.server_pid);
  st.bind(16, r.server_start).bind(17, r.restarts).bind(18, r.hook);
  st.bind(19, r.op.pid).bind(20, r.op.start_time).bind(21, r.last_active_at);
}

}  // namespace

Status Catalog::insert_clone(const CloneRow& r) {
  auto st = TRY(db_->prepare(fmt::format(
      "INSERT INTO clones({}) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", kColumns)));
  bind_row(st, r);
  auto done = st.run();
  if (!done && done.error().code == Errc::already_exists) {
    return err(Errc::already_exists, "clone '{}' already exists", r.name);
  }
  return done;
}

Result<std::optional<CloneRow>> Catalog::find_clone(const std::string& name) {
  auto st = TRY(db_->prepare(fmt::format("SELECT {} FROM clones WHERE name = ?", kColumns)));
  st.bind(1, name);
  if (!TRY(st.step())) return std::optional<CloneRow>();
  return std::optional<CloneRow>(read_row(st));
}

Result<CloneRow> Catalog::get_clone(const std::string& name) {
  auto row = TRY(find_clone(name));
  if (!row) return err(Errc::not_found, "no clone named '{}' (see `dbtwin clone list`)", name);
  return std::move(*row);
}

Result<std::vector<CloneRow>> Catalog::list_clones(const std::optional<std::string>& tmpl) {
  auto st = TRY(db_->prepare(fmt::format(
      "SELECT {} FROM clones WHERE (?1 IS NULL OR template = ?1) ORDER BY created_at, name",
      kColumns)));
  if (tmpl)
    st.bind(1, *tmpl);
  else
    st.bind_null(1);
  std::vector<CloneRow> out;
  while (TRY(st.step())) out.push_back(read_row(st));
  return out;
}

Status Catalog::update_clone(const CloneRow& r) {
  auto st = TRY(db_->prepare(
      "UPDATE clones SET template=?2, snapshot_id=?3, engine=?4, volume=?5, port=?6, user=?7, "
      "password=?8, database=?9, owner=?10, state=?11, created_at=?12, expires_at=?13, "
      "protected=?14, server_pid=?15, server_start=?16, restarts=?17, hook=?18, op_pid=?19, "
      "op_start=?20, last_active_at=?21 WHERE name=?1"));
  bind_row(st, r);
  return st.run();
}

Result<std::pair<int64_t, int64_t>> Catalog::clones_up_to(const std::string& name,
                                                          const std::string& tmpl) {
  auto st =
      TRY(db_->prepare("SELECT count(*), coalesce(sum(template = ?2), 0) FROM clones "
                       "WHERE rowid <= (SELECT rowid FROM clones WHERE name = ?1)"));
  st.bind(1, name).bind(2, tmpl);
  if (!TRY(st.step())) return std::pair<int64_t, int64_t>{0, 0};
  return std::pair<int64_t, int64_t>{st.int_at(0), st.int_at(1)};
}

Status Catalog::delete_clone(const std::string& name) {
  auto st = TRY(db_->prepare("DELETE FROM clones WHERE name = ?"));
  st.bind(1, name);
  return st.run();
}

}  // namespace dbtwin::catalog
