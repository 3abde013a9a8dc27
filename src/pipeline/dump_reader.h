// read_dump: the restore side of the pipeline. Unseals a dump's chunks (chunk_reader.h) on a
// read-ahead thread, checks its frames (frames.h) and feeds them to a RestoreTarget.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "pipeline/chunk_writer.h"
#include "pipeline/dump_model.h"
#include "pipeline/dump_writer.h"
#include "pipeline/keys.h"
#include "pipeline/object_store.h"

namespace dbtwin::pipeline {

struct RestoreStats {
  uint64_t rows = 0;
  uint64_t plain_bytes = 0;
  uint64_t stored_bytes = 0;
  size_t tables = 0;
  double seconds = 0;
};

// Pre- and post-data are held in memory up to this size each.
inline constexpr size_t kMaxSqlBytes = 256u << 20;

// Restores "<dir>" (its chunk list from the dump's manifest) into `target`: begin, rows and
// table_done in stream order, finish. Progress counts stored bytes against their total. Any
// error (wrong key, missing chunk, corruption, a target failure) calls target.abort() and is
// returned; the wrong key and missing chunks are found before target.begin().
Result<RestoreStats> read_dump(ObjectStore& store, const std::string& dir,
                               const std::vector<ChunkInfo>& chunks, const KeySource& key,
                               RestoreTarget& target, const DumpProgress& progress);

}  // namespace dbtwin::pipeline
