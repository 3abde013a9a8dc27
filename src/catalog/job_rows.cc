#include "base/strings.h"
#include "catalog/catalog.h"

namespace dbtwin::catalog {

namespace {

constexpr const char* kColumns =
    "id, kind, target, state, done_bytes, total_bytes, result, error_code, error_message, "
    "created_at, finished_at, op_pid, op_start";

JobRow read_row(const Statement& st) {
  JobRow r;
  r.id = st.int_at(0);
  r.kind = st.text_at(1);
  r.target = st.text_at(2);
  r.state = st.text_at(3);
  r.done_bytes = st.int_at(4);
  r.total_bytes = st.int_at(5);
  r.result = st.text_at(6);
  r.error_code = st.text_at(7);
  r.error_message = st.text_at(8);
  r.created_at = st.int_at(9);
  r.finished_at = st.int_at(10);
  r.op = {st.int_at(11), st.int_at(12)};
  return r;
}

}  // namespace

Result<int64_t> Catalog::insert_job(const JobRow& r) {
  auto st = TRY(db_->prepare(
      "INSERT INTO jobs(kind, target, state, created_at, op_pid, op_start) VALUES(?,?,?,?,?,?) "
      "RETURNING id"));
  st.bind(1, r.kind).bind(2, r.target).bind(3, r.state).bind(4, r.created_at);
  st.bind(5, r.op.pid).bind(6, r.op.start_time);
  if (!TRY(st.step())) return err(Errc::internal, "inserting a job returned no id");
  int64_t id = st.int_at(0);
  TRY(st.run());
  return id;
}

Result<std::optional<JobRow>> Catalog::find_job(int64_t id) {
  auto st = TRY(db_->prepare(fmt::format("SELECT {} FROM jobs WHERE id = ?", kColumns)));
  st.bind(1, id);
  if (!TRY(st.step())) return std::optional<JobRow>();
  return std::optional<JobRow>(read_row(st));
}

Result<std::vector<JobRow>> Catalog::list_jobs(int limit) {
  auto st =
      TRY(db_->prepare(fmt::format("SELECT {} FROM jobs ORDER BY id DESC LIMIT ?", kColumns)));
  st.bind(1, int64_t{limit});
  std::vector<JobRow> out;
  while (TRY(st.step())) out.push_back(read_row(st));
  return out;
}

Status Catalog::update_job_progress(int64_t id, int64_t done, int64_t total) {
  auto st = TRY(db_->prepare("UPDATE jobs SET done_bytes = ?, total_bytes = ? WHERE id = ?"));
  st.bind(1, done).bind(2, total).bind(3, id);
  return st.run();
}

Status Catalog::finish_job(int64_t id, const std::string& state, const std::string& result,
                           const std::string& error_code, const std::string& error_message) {
  auto st = TRY(db_->prepare(
      "UPDATE jobs SET state = ?, result = ?, error_code = ?, error_message = ?, finished_at = ? "
      "WHERE id = ?"));
  st.bind(1, state).bind(2, result).bind(3, error_code).bind(4, error_message);
  st.bind(5, now_unix()).bind(6, id);
  return st.run();
}

}  // namespace dbtwin::catalog
