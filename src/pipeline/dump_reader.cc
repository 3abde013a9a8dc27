#include "pipeline/dump_reader.h"

#include <chrono>

#include "pipeline/chunk_reader.h"
#include "pipeline/frames.h"
#include "pipeline/read_ahead.h"

namespace dbtwin::pipeline {

namespace {

Status append_sql(std::string& to, const std::string& text, std::string_view what,
                  const std::string& dir) {
  if (to.size() + text.size() > kMaxSqlBytes)
    return err(Errc::invalid_argument, "dump {} holds more than 256 MiB of {}", dir, what);
  to += text;
  return {};
}

// The frame loop; read_dump wraps it so that every error aborts the target.
Status restore_frames(ChunkReader& chunks, const std::string& dir, RestoreTarget& target,
                      const DumpProgress& progress, RestoreStats& stats) {
  ReadAheadSource ahead(chunks);
  FrameReader reader(ahead);
  Frame f;
  std::string pre, post;
  bool begun = false;
  auto begin = [&]() -> Status {
    if (begun) return {};
    begun = true;
    TRY(target.begin(reader.header(), pre));
    pre = std::string();
    return {};
  };
  while (TRY(reader.next(f))) {
    stats.plain_bytes += f.text.size() + 5;
    switch (f.type) {
      case FrameType::header:
        break;
      case FrameType::pre_data:
        TRY(append_sql(pre, f.text, "pre-data", dir));
        break;
      case FrameType::data:
        TRY(begin());
        TRY(target.rows(reader.header().tables[f.table], f.text));
        stats.rows += f.rows;
        break;
      case FrameType::table_done:
        TRY(begin());
        TRY(target.table_done(reader.header().tables[f.table], f.rows));
        ++stats.tables;
        break;
      case FrameType::post_data:
        TRY(begin());
        TRY(append_sql(post, f.text, "post-data", dir));
        break;
      case FrameType::end:
        break;
    }
    if (progress) progress(chunks.stored_bytes_read(), chunks.stored_bytes_total(), stats.rows);
  }
  // next() is false only after the end frame and the last chunk's checksum: commit now.
  TRY(begin());
  TRY(target.finish(post));
  stats.stored_bytes = chunks.stored_bytes_read();
  return {};
}

}  // namespace

Result<RestoreStats> read_dump(ObjectStore& store, const std::string& dir,
                               const std::vector<ChunkInfo>& chunk_list, const KeySource& key,
                               RestoreTarget& target, const DumpProgress& progress) {
  auto started = std::chrono::steady_clock::now();
  RestoreStats stats;
  auto chunks = ChunkReader::open(store, dir, chunk_list, key);
  Status st = chunks.ok() ? restore_frames(**chunks, dir, target, progress, stats)
                          : Status(std::move(chunks).error());
  if (!st.ok()) {
    target.abort();
    return std::move(st).error();
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

}  // namespace dbtwin::pipeline
