// write_dump: the dump side of the pipeline. Reads a source's plan and rows, masks each table's
// rows with its transform, frames them (frames.h) and seals them into chunks (chunk_writer.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "pipeline/chunk_writer.h"
#include "pipeline/dump_model.h"
#include "pipeline/object_store.h"

namespace dbtwin::pipeline {

struct DumpStats {
  uint64_t rows = 0;
  uint64_t plain_bytes = 0;
  uint64_t stored_bytes = 0;
  size_t tables = 0;
  double seconds = 0;
  SealSummary seal;
};

// Called from the source's worker threads, one call at a time. total_bytes is the plan's
// estimate (0 when unknown).
using DumpProgress = std::function<void(uint64_t done_bytes, uint64_t total_bytes, uint64_t rows)>;

// Streams `src` into "<dir>/chunk-NNNNNN" objects of `store`. `transforms` is indexed by table id
// (a null entry, or an index past its end, copies the table untouched); transforms run on the
// source's worker threads. A row line may not exceed 16 MiB. On any error the chunks already
// written are removed (best effort) and the error is returned.
Result<DumpStats> write_dump(DumpSource& src, const std::map<uint32_t, std::string>& filters,
                             const std::vector<std::unique_ptr<RowTransform>>& transforms,
                             ObjectStore& store, const std::string& dir, const SealOptions& seal,
                             const DumpProgress& progress);

}  // namespace dbtwin::pipeline
