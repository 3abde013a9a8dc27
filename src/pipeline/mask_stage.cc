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
}

MaskStage::~MaskStage() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
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

Status MaskStage::submit(const TableInfo& table, const RowTransform& transform,
                         std::string_view lines, uint64_t rows) {
  // Make room first: wait for (and emit) the oldest batch while the stage is full.
  TRY(emit_in_order([this](uint64_t, size_t in_flight) { return in_flight >= depth_; }));
  auto job = std::make_shared<Job>();
  job->table = &table;
  job->transform = &transform;
  job->in.assign(lines);
  job->rows = rows;
  job->input_bytes = lines.size();
  {
    std::lock_guard lock(mu_);
    TRY(failed_);
    job->seq = next_seq_++;
    in_flight_.push_back(job);
    queue_.push_back(std::move(job));
  }
  work_cv_.notify_one();
  return emit_in_order([](uint64_t, size_t) { return false; });
}

Status MaskStage::flush() {
  uint64_t target;
  {
    std::lock_guard lock(mu_);
    target = next_seq_;
  }
  return emit_in_order([target](uint64_t front_seq, size_t) { return front_seq < target; });
}

Status MaskStage::emit_in_order(
    const std::function<bool(uint64_t front_seq, size_t in_flight)>& must_wait) {
  std::lock_guard emitting(emit_mu_);
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      TRY(failed_);
      if (in_flight_.empty()) return {};
      job = in_flight_.front();
      if (!job->done) {
        if (!must_wait(job->seq, in_flight_.size())) return {};
        done_cv_.wait(lock, [&] { return job->done; });
      }
      in_flight_.pop_front();
    }
    Status st = job->status;
    if (!st.ok()) st = std::move(st).error().context("masking " + job->table->qualified());
    if (st.ok()) st = emit_(*job->table, job->out, job->rows, job->input_bytes);
    if (!st.ok()) {
      std::lock_guard lock(mu_);
      if (failed_.ok()) failed_ = st;
      return st;
    }
  }
}

}  // namespace dbtwin::pipeline
