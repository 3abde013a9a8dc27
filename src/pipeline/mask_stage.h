// MaskStage: masks row batches on worker threads and hands them on in the order they were
// submitted. One big table is read by one source worker, and masking it costs more than reading
// it; this spreads that cost over every core while the dump's bytes stay the same run to run.
// Batches are handed on by a thread of the stage's own, so that a submitter (the source's
// reader) never waits for what comes after masking (framing, compression, the bridge): it
// waits only when the stage is full. Memory stays bounded: at most `depth` batches are in
// flight (plus one being copied in per concurrent submitter).
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
  // Receives each masked batch, in submission order, one call at a time on the stage's own
  // thread: the table, the masked lines, the row count and the size of the unmasked input.
  using Emit = std::function<Status(const TableInfo&, std::string_view masked, uint64_t rows,
                                    size_t input_bytes)>;

  MaskStage(int threads, size_t depth, Emit emit);
  ~MaskStage();
  MaskStage(const MaskStage&) = delete;
  MaskStage& operator=(const MaskStage&) = delete;

  // Queues a copy of `lines` to be masked by `transform` (which must outlive the stage). Blocks
  // while the stage is full. The first error of a batch or of an emit is returned here from
  // then on. Thread-safe.
  Status submit(const TableInfo& table, const RowTransform& transform, std::string_view lines,
                uint64_t rows);
  // Waits until every batch submitted before this call is emitted. Thread-safe.
  Status flush();

 private:
  struct Job;
  void worker();
  void emitter();  // hands finished batches on, front first

  size_t depth_;
  Emit emit_;
  std::mutex mu_;
  std::condition_variable work_cv_;             // a batch to mask, or stopping
  std::condition_variable done_cv_;             // a batch masked, or stopping
  std::condition_variable room_cv_;             // a batch emitted, or a failure
  std::deque<std::shared_ptr<Job>> queue_;      // waiting for a worker
  std::deque<std::shared_ptr<Job>> in_flight_;  // submitted, not yet emitted, in order
  uint64_t next_seq_ = 0;
  uint64_t emitted_ = 0;  // batches handed on (or let go after a failure)
  bool stopping_ = false;
  Status failed_;
  std::vector<std::thread> workers_;
  std::thread emitter_;
};

// The masking threads a dump uses: one per core, at most 8.
int mask_threads();

}  // namespace dbtwin::pipeline
