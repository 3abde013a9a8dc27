// MaskStage: masks row batches on worker threads and hands them on in the order they were
// submitted. One big table is read by one source worker, and masking it costs more than reading
// it; this spreads that cost over every core while the dump's bytes stay the same run to run.
// Memory stays bounded: about `depth` batches are in flight (one more per concurrent submitter).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "pipeline/dump_model.h"

namespace dbtwin::pipeline {

class MaskStage {
 public:
  // Receives each masked batch, in submission order, one call at a time: the table, the masked
  // lines, the row count and the size of the unmasked input.
  using Emit = std::function<Status(const TableInfo&, std::string_view masked, uint64_t rows,
                                    size_t input_bytes)>;

  MaskStage(int threads, size_t depth, Emit emit);
  ~MaskStage();
  MaskStage(const MaskStage&) = delete;
  MaskStage& operator=(const MaskStage&) = delete;

  // Queues a copy of `lines` to be masked by `transform` (which must outlive the stage), and
  // emits whatever is ready. Blocks while the stage is full. Thread-safe.
  Status submit(const TableInfo& table, const RowTransform& transform, std::string_view lines,
                uint64_t rows);
  // Emits every batch submitted before this call, waiting for them. Thread-safe.
  Status flush();

 private:
  struct Job;
  // Emits finished batches from the front, waiting for the front one while `must_wait` says so.
  Status emit_in_order(const std::function<bool(uint64_t front_seq, size_t in_flight)>& must_wait);
  void worker();

  size_t depth_;
  Emit emit_;
  std::mutex emit_mu_;  // one emitter at a time; taken before mu_, never after
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<std::shared_ptr<Job>> queue_;      // waiting for a worker
  std::deque<std::shared_ptr<Job>> in_flight_;  // submitted, not yet emitted, in order
  uint64_t next_seq_ = 0;
  bool stopping_ = false;
  Status failed_;
  std::vector<std::thread> workers_;
};

// The masking threads a dump uses: one per core, at most 8.
int mask_threads();

}  // namespace dbtwin::pipeline
