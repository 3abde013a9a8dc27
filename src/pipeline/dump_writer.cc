#include "pipeline/dump_writer.h"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "base/strings.h"
#include "pipeline/frames.h"
#include "pipeline/mask_stage.h"

namespace dbtwin::pipeline {

namespace {

constexpr size_t kDataFrameBytes = 1u << 20;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The sink the source's workers call: masking on the stage's threads, framing and sealing under
// the lock, in order.
class FramingSink : public RowSink {
 public:
  FramingSink(const SourcePlan& plan, const std::vector<std::unique_ptr<RowTransform>>& transforms,
              FrameWriter& frames, const DumpProgress& progress)
      : plan_(plan),
        transforms_(transforms),
        frames_(frames),
        progress_(progress),
        rows_(plan.tables.size(), 0),
        done_(plan.tables.size(), 0) {
    for (const auto& t : plan.tables) total_bytes_ += t.estimated_bytes;
  }

  Status rows(const TableInfo& table, std::string_view lines, uint64_t count) override {
    TRY(check_table(table));
    const RowTransform* transform = transform_of(table);
    if (transform == nullptr) return write_rows(table, lines, count, lines.size());
    Status st = stage_.submit(table, *transform, lines, count);
    if (!st.ok()) return fail(std::move(st).error());
    return {};
  }

  // Emits every masked batch still in flight: the end of the rows.
  Status flush() { return stage_.flush(); }

  Status table_done(const TableInfo& table, uint64_t rows) override {
    TRY(check_table(table));
    // The table's masked batches must all be framed before its end.
    if (transform_of(table) != nullptr) TRY(stage_.flush());
    std::lock_guard lock(mu_);
    TRY(error_);
    if (done_[table.id])
      return fail_locked(err(Errc::internal, "table {} ended twice", table.qualified()));
    if (rows != rows_[table.id])
      return fail_locked(err(Errc::internal, "the source counted {} rows of {} but sent {}", rows,
                             table.qualified(), rows_[table.id]));
    done_[table.id] = 1;
    Status st = frames_.table_done(table.id, rows);
    if (!st.ok()) return fail_locked(std::move(st).error());
    return {};
  }

  // Every table of the plan must have ended: a restore checks it too.
  Status check_complete() const {
    for (size_t i = 0; i < done_.size(); ++i)
      if (!done_[i])
        return err(Errc::internal, "the source never finished table {}",
                   plan_.tables[i].qualified());
    return {};
  }

  uint64_t total_rows() const { return total_rows_; }

 private:
  const RowTransform* transform_of(const TableInfo& table) const {
    return table.id < transforms_.size() ? transforms_[table.id].get() : nullptr;
  }

  // Frames rows as they will be stored (masked or not); `input_bytes` counts for progress.
  Status write_rows(const TableInfo& table, std::string_view out, uint64_t count,
                    size_t input_bytes) {
    if (!out.empty() && out.back() != '\n')
      return fail(err(Errc::internal, "rows of {} do not end in a newline", table.qualified()));
    auto lines_out = static_cast<uint64_t>(count_char(out, '\n'));
    if (lines_out != count)
      return fail(err(Errc::internal, "{} rows of {} became {} lines after masking", count,
                      table.qualified(), lines_out));
    std::lock_guard lock(mu_);
    TRY(error_);
    if (done_[table.id])
      return fail_locked(err(Errc::internal, "rows of {} after its end", table.qualified()));
    Status st = write_batches(table, out);
    if (!st.ok()) return fail_locked(std::move(st).error());
    rows_[table.id] += count;
    total_rows_ += count;
    done_bytes_ += input_bytes;
    if (progress_) progress_(done_bytes_, total_bytes_, total_rows_);
    return {};
  }

  Status check_table(const TableInfo& table) {
    if (table.id >= plan_.tables.size())
      return fail(err(Errc::internal, "rows for table id {} outside the plan", table.id));
    return {};
  }

  // D frames of at most 1 MiB, cut at line ends; a longer line gets a frame of its own.
  Status write_batches(const TableInfo& table, std::string_view out) {
    while (!out.empty()) {
      size_t cut = out.size();
      if (cut > kDataFrameBytes) {
        size_t nl = out.rfind('\n', kDataFrameBytes - 1);
        cut = nl == std::string_view::npos ? out.find('\n') + 1 : nl + 1;
      }
      if (cut > kMaxFramePayload - 4)
        return err(Errc::invalid_argument, "a row of {} is longer than the 16 MiB limit",
                   table.qualified());
      TRY(frames_.data(table.id, out.substr(0, cut)));
      out.remove_prefix(cut);
    }
    return {};
  }

  Status fail(Error e) {
    std::lock_guard lock(mu_);
    return fail_locked(std::move(e));
  }
  Status fail_locked(Error e) {
    if (error_.ok()) error_ = e;
    return error_;
  }

  const SourcePlan& plan_;
  const std::vector<std::unique_ptr<RowTransform>>& transforms_;
  FrameWriter& frames_;
  const DumpProgress& progress_;
  std::mutex mu_;
  Status error_;
  std::vector<uint64_t> rows_;
  std::vector<uint8_t> done_;
  uint64_t total_rows_ = 0;
  uint64_t done_bytes_ = 0;
  uint64_t total_bytes_ = 0;
  // Declared last: destroyed first, so its workers stop before the state they write to goes.
  MaskStage stage_{mask_threads(), 4 * static_cast<size_t>(mask_threads()) + 4,
                   [this](const TableInfo& t, std::string_view out, uint64_t n, size_t in) {
                     return write_rows(t, out, n, in);
                   }};
};

DumpHeader header_of(const SourcePlan& plan) {
  DumpHeader h;
  h.kind = plan.kind;
  h.row_format = plan.row_format;
  h.server_version = plan.server_version;
  h.database = plan.database;
  h.tables = plan.tables;
  h.created_at_ms = now_ms();
  return h;
}

}  // namespace

Result<DumpStats> write_dump(DumpSource& src, const std::map<uint32_t, std::string>& filters,
                             const std::vector<std::unique_ptr<RowTransform>>& transforms,
                             ObjectStore& store, const std::string& dir, const SealOptions& seal,
                             const DumpProgress& progress) {
  auto started = std::chrono::steady_clock::now();
  const SourcePlan& plan = src.plan();
  for (size_t i = 0; i < plan.tables.size(); ++i)
    if (plan.tables[i].id != i)
      return err(Errc::internal, "table {} has id {} in a plan where it is number {}",
                 plan.tables[i].qualified(), plan.tables[i].id, i);
  // Destroying the writer unfinished removes its chunks: every early return below cleans up.
  auto chunks = TRY(ChunkWriter::open(store, dir, seal));
  FrameWriter frames(*chunks);
  TRY(frames.header(header_of(plan)));
  TRY(frames.pre_data(plan.pre_data));
  FramingSink sink(plan, transforms, frames, progress);
  TRY(src.read_tables(filters, sink));
  TRY(sink.flush());
  TRY(sink.check_complete());
  TRY(frames.post_data(plan.post_data));
  TRY(frames.end(plan.tables.size(), sink.total_rows()));
  DumpStats stats;
  stats.seal = TRY(chunks->finish());
  stats.rows = sink.total_rows();
  stats.plain_bytes = stats.seal.plain_bytes;
  stats.stored_bytes = stats.seal.stored_bytes;
  stats.tables = plan.tables.size();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

}  // namespace dbtwin::pipeline
