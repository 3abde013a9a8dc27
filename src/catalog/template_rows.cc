#include "catalog/catalog.h"

namespace dbtwin::catalog {

namespace {

constexpr const char* kColumns =
    "name, engine, database, source_kind, source_ref, admin_user, admin_password, state, "
    "created_at, op_pid, op_start, schedule, keep_snapshots";

TemplateRow read_row(const Statement& st) {
  TemplateRow r;
  r.name = st.text_at(0);
  r.engine = st.text_at(1);
  r.database = st.text_at(2);
  r.source_kind = st.text_at(3);
  r.source_ref = st.text_at(4);
  r.admin_user = st.text_at(5);
  r.admin_password = st.text_at(6);
  r.state = st.text_at(7);
  r.created_at = st.int_at(8);
  r.op = {st.int_at(9), st.int_at(10)};
  r.schedule = st.text_at(11);
  r.keep_snapshots = static_cast<int>(st.int_at(12));
  return r;
}

}  // namespace

Status Catalog::insert_template(const TemplateRow& r) {
  auto st = TRY(db_->prepare(
      fmt::format("INSERT INTO templates({}) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", kColumns)));
  st.bind(1, r.name).bind(2, r.engine).bind(3, r.database).bind(4, r.source_kind);
  st.bind(5, r.source_ref).bind(6, r.admin_user).bind(7, r.admin_password).bind(8, r.state);
  st.bind(9, r.created_at).bind(10, r.op.pid).bind(11, r.op.start_time);
  st.bind(12, r.schedule).bind(13, int64_t{r.keep_snapshots});
  auto done = st.run();
  if (!done && done.error().code == Errc::already_exists) {
    return err(Errc::already_exists, "template '{}' already exists", r.name);
  }
  return done;
}

Result<std::optional<TemplateRow>> Catalog::find_template(const std::string& name) {
  auto st = TRY(db_->prepare(fmt::format("SELECT {} FROM templates WHERE name = ?", kColumns)));
  st.bind(1, name);
  if (!TRY(st.step())) return std::optional<TemplateRow>();
  return std::optional<TemplateRow>(read_row(st));
}

Result<TemplateRow> Catalog::get_template(const std::string& name) {
  auto row = TRY(find_template(name));
  if (!row)
    return err(Errc::not_found, "no template named '{}' (see `dbtwin template list`)", name);
  return std::move(*row);
}

Result<std::vector<TemplateRow>> Catalog::list_templates() {
  auto st = TRY(db_->prepare(fmt::format("SELECT {} FROM templates ORDER BY name", kColumns)));
  std::vector<TemplateRow> out;
  while (TRY(st.step())) out.push_back(read_row(st));
  return out;
}

Status Catalog::set_template_state(const std::string& name, const std::string& state,
                                   const OpOwner& op) {
  auto st =
      TRY(db_->prepare("UPDATE templates SET state = ?, op_pid = ?, op_start = ? WHERE name = ?"));
  st.bind(1, state).bind(2, op.pid).bind(3, op.start_time).bind(4, name);
  return st.run();
}

Status Catalog::set_template_schedule(const std::string& name, const std::string& schedule,
                                      int keep_snapshots) {
  auto st =
      TRY(db_->prepare("UPDATE templates SET schedule = ?, keep_snapshots = ? WHERE name = ?"));
  st.bind(1, schedule).bind(2, int64_t{keep_snapshots}).bind(3, name);
  return st.run();
}

Status Catalog::delete_template(const std::string& name) {
  auto st = TRY(db_->prepare("DELETE FROM templates WHERE name = ?"));
  st.bind(1, name);
  return st.run();
}

}  // namespace dbtwin::catalog
