#include "pipeline/mask_stage.h"

#include <algorithm>

namespace dbtwin::pipeline {

struct MaskStage::Job {
  uint64_t seq = 0;
  const TableInfo* table = nullptr;
  const RowTransform* transform = nullptr;
  std::string in;
  std::string out;
  uint64_t rows = 0;
  size_t input_bytes = 0;
  Status status;
  bool done = false;
};

int mask_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(n, 1u, 8u));
}

MaskStage::MaskStage(int threads, size_t depth, Emit emit)
    : depth_(std::max<size_t>(depth, 1)), emit_(std::move(emit)) {
  for (int i = 0; i < std::max(threads, 1); ++i) workers_.emplace_back([this] { worker(); });
  emitter_ = std::thread([this] { emitter(); });
}

MaskStage::~MaskStage() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
  for (auto& t : workers_) t.join();
  emitter_.join();
}

void MaskStage::worker() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job->out.reserve(job->in.size() + job->in.size() / 8);
    Status st = job->transform->apply(job->in, job->out);
    std::lock_guard lock(mu_);
    job->status = std::move(st);
    job->in = std::string();  // the input's memory goes now, not when the batch is emitted
    job->done = true;
    done_cv_.notify_all();
  }
}

void MaskStage::emitter() {
  for (;;) {
    std::shared_ptr<Job> job;
    bool failed;
    {
      std::unique_lock lock(mu_);
      done_cv_.wait(lock,
                    [&] { return stopping_ || (!in_flight_.empty() && in_flight_.front()->done); });
      if (stopping_) return;
      job = in_flight_.front();
      failed = !failed_.ok();
    }
    // After a failure nothing more is emitted; the batches still finishing are let go.
    Status st;
    if (!failed) {
      st = job->status;
      if (!st.ok()) st = std::move(st).error().context("masking " + job->table->qualified());
      if (st.ok()) st = emit_(*job->table, job->out, job->rows, job->input_bytes);
    }
    {
      std::lock_guard lock(mu_);
      in_flight_.pop_front();
      ++emitted_;
      if (!st.ok() && failed_.ok()) failed_ = st;
    }
    room_cv_.notify_all();
  }
}

Status MaskStage::submit(const TableInfo& table, const RowTransform& transform,
                         std::string_view lines, uint64_t rows) {
  auto job = std::make_shared<Job>();
  job->table = &table;
  job->transform = &transform;
  job->in.assign(lines);
  job->rows = rows;
  job->input_bytes = lines.size();
  {
    // Wait for room: the emitter frees it as it hands batches on.
    std::unique_lock lock(mu_);
    room_cv_.wait(lock, [&] { return !failed_.ok() || in_flight_.size() < depth_; });
    TRY(failed_);
    job->seq = next_seq_++;
    in_flight_.push_back(job);
    queue_.push_back(std::move(job));
  }
  work_cv_.notify_one();
  return {};
}

Status MaskStage::flush() {
  std::unique_lock lock(mu_);
  uint64_t target = next_seq_;
  room_cv_.wait(lock, [&] { return !failed_.ok() || emitted_ >= target; });
  return failed_;
}

}  // namespace dbtwin::pipeline
