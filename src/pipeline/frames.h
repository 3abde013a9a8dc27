// The plaintext logical stream of a dump: magic "DBTWSTRM", a u32 LE version, then frames
// [u8 type][u32 LE payload length][payload]. Sealing (chunk_writer.h) wraps these bytes; the
// frames are the same whether or not the dump is compressed or encrypted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pipeline/dump_model.h"
#include "pipeline/stream.h"

namespace dbtwin::pipeline {

inline constexpr std::string_view kStreamMagic = "DBTWSTRM";
inline constexpr uint32_t kStreamVersion = 1;
// A reader refuses longer payloads before allocating anything, and grows its buffer only as a
// payload's bytes arrive.
inline constexpr size_t kMaxFramePayload = 16u << 20;

enum class FrameType : uint8_t {
  header = 'H',      // DumpHeader as JSON; first
  pre_data = 'S',    // DDL before the rows; may repeat (concatenate)
  data = 'D',        // [u32 LE table id] + complete row lines
  table_done = 'F',  // [u32 LE table id][u64 LE rows]
  post_data = 'P',   // DDL after the rows; may repeat
  end = 'Z',         // JSON {"tables":n,"rows":n}; last
};

// One decoded frame. `text` holds the JSON/SQL of H, S, P and Z, and the row lines of D.
struct Frame {
  FrameType type = FrameType::end;
  uint32_t table = 0;  // D and F
  uint64_t rows = 0;   // F: the table's row count; D: the lines in `text`
  std::string text;
};

// Writes frames in order; the magic goes out before the first frame. The caller keeps the order
// that FrameReader checks.
class FrameWriter {
 public:
  explicit FrameWriter(ByteSink& sink) : sink_(sink) {}
  Status header(const DumpHeader& h);
  Status pre_data(std::string_view sql);                // split into frames of at most 1 MiB
  Status data(uint32_t table, std::string_view lines);  // lines.size() <= kMaxFramePayload - 4
  Status table_done(uint32_t table, uint64_t rows);
  Status post_data(std::string_view sql);
  Status end(uint64_t tables, uint64_t rows);

 private:
  Status frame(FrameType type, std::string_view a, std::string_view b = {});
  Status sql(FrameType type, std::string_view sql);
  ByteSink& sink_;
  bool started_ = false;
};

// Reads and checks a stream: the magic and version, the frame order (H first; S before any D or F;
// P after every D and F; Z last), table ids against the header, no data after a table's F, one F
// per table, Z's counts, and nothing after Z. Every violation, and a stream that ends before Z,
// is invalid_argument "malformed dump stream: ...".
class FrameReader {
 public:
  explicit FrameReader(ByteSource& source) : source_(source) {}
  // The next frame into `f`; false after Z at the clean end of the stream.
  Result<bool> next(Frame& f);
  // Valid once the H frame has been returned.
  const DumpHeader& header() const { return header_; }

 private:
  enum class Stage { magic, header, pre, data, post, ended };
  Status read_magic();
  Status check(Frame& f);
  Status check_data(Frame& f);
  Status check_end(const Frame& f);
  Result<size_t> read_full(char* buf, size_t n);

  ByteSource& source_;
  Stage stage_ = Stage::magic;
  DumpHeader header_;
  std::vector<uint8_t> done_;    // per table: F seen
  std::vector<uint64_t> lines_;  // per table: rows in its D frames
  uint64_t tables_done_ = 0;
  uint64_t rows_done_ = 0;
};

}  // namespace dbtwin::pipeline
