#include "api/jobs.h"

#include <chrono>
#include <thread>

#include "base/log.h"
#include "base/strings.h"
#include "core/json.h"
#include "os/process.h"

namespace dbtwin::api {

using core::time_or_null;

nlohmann::json job_json(const catalog::JobRow& j) {
  nlohmann::json out = {{"id", j.id},
                        {"kind", j.kind},
                        {"target", j.target},
                        {"state", j.state},
                        {"done_bytes", j.done_bytes},
                        {"total_bytes", j.total_bytes},
                        {"created_at", time_or_null(j.created_at)},
                        {"finished_at", time_or_null(j.finished_at)},
                        {"result", nullptr},
                        {"error", nullptr}};
  if (!j.result.empty()) out["result"] = nlohmann::json::parse(j.result, nullptr, false);
  if (!j.error_code.empty()) out["error"] = {{"code", j.error_code}, {"message", j.error_message}};
  return out;
}

Jobs::~Jobs() {
  wait(0);
}

bool Jobs::running(const std::string& kind, const std::string& target) {
  std::lock_guard lock(mu_);
  return active_.count(kind + "/" + target) > 0;
}

Result<catalog::JobRow> Jobs::start(const std::string& kind, const std::string& target, Work work) {
  std::string key = kind + "/" + target;
  {
    std::lock_guard lock(mu_);
    if (!active_.insert(key).second)
      return err(Errc::conflict, "a {} of '{}' is already running", kind, target);
    ++threads_;
  }
  auto release = [&] {
    std::lock_guard lock(mu_);
    active_.erase(key);
    --threads_;
    cv_.notify_all();
  };
  auto lease = contexts_.acquire();
  if (!lease) {
    release();
    return std::move(lease).error();
  }
  catalog::JobRow row;
  row.kind = kind;
  row.target = target;
  row.state = "running";
  row.created_at = now_unix();
  row.op = (*lease)->self_op();
  auto id = (*lease)->catalog().insert_job(row);
  if (!id) {
    release();
    return std::move(id).error();
  }
  row.id = *id;
  std::thread(&Jobs::run, this, row.id, key, std::move(work)).detach();
  return row;
}

void Jobs::run(int64_t id, std::string key, Work work) {
  auto finish = [&](const std::string& state, const std::string& result, const Error* e) {
    if (auto lease = contexts_.acquire()) {
      auto done = (*lease)->catalog().finish_job(id, state, result, e ? errc_name(e->code) : "",
                                                 e ? e->message : "");
      if (!done) log::warn("job {}: recording its end: {}", id, done.error().message);
    }
    events_.add("job", fmt::format("job {} ({}) {}{}", id, key, state,
                                   e ? ": " + e->message : std::string()));
    std::lock_guard lock(mu_);
    active_.erase(key);
    --threads_;
    cv_.notify_all();
  };
  auto lease = contexts_.acquire();
  if (!lease) return finish("failed", "", &lease.error());
  auto last = std::chrono::steady_clock::now();
  engine::Progress progress = [&](uint64_t done, uint64_t total) {
    // A catalog write per progress callback would be thousands a second; twice a second is plenty.
    auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::milliseconds(500)) return;
    last = now;
    (void)(*lease)->catalog().update_job_progress(id, static_cast<int64_t>(done),
                                                  static_cast<int64_t>(total));
  };
  auto result = work(**lease, progress);
  if (result) return finish("succeeded", result->dump(), nullptr);
  finish("failed", "", &result.error());
}

Status Jobs::fail_abandoned(core::Context& ctx) {
  for (const auto& j : TRY(ctx.catalog().list_jobs(1000))) {
    if (j.state != "running") continue;
    os::ProcessId owner{static_cast<pid_t>(j.op.pid), static_cast<uint64_t>(j.op.start_time)};
    if (os::process_alive(owner)) continue;
    TRY(ctx.catalog().finish_job(j.id, "failed", "", errc_name(Errc::system),
                                 "interrupted: the daemon stopped while this job ran; what it "
                                 "left unfinished was cleaned up"));
    events_.add("reconcile", fmt::format("job {} ({} of '{}') was interrupted by a daemon stop",
                                         j.id, j.kind, j.target));
  }
  return {};
}

size_t Jobs::wait(int seconds) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(seconds), [&] { return threads_ == 0; });
  return threads_;
}

}  // namespace dbtwin::api
