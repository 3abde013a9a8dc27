#include "pipeline/frames.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "pipeline/bytes.h"

namespace dbtwin::pipeline {

namespace {

constexpr size_t kSqlFrameBytes = 1u << 20;

Error malformed(std::string_view what) {
  return err(Errc::invalid_argument, "malformed dump stream: {}", what);
}

}  // namespace

// ---- writer ----

Status FrameWriter::frame(FrameType type, std::string_view a, std::string_view b) {
  if (a.size() + b.size() > kMaxFramePayload)
    return err(Errc::invalid_argument, "dump frame of {} bytes is larger than the 16 MiB limit",
               a.size() + b.size());
  std::string head;
  if (!started_) {
    head.append(kStreamMagic);
    put_u32(head, kStreamVersion);
    started_ = true;
  }
  head.push_back(static_cast<char>(type));
  put_u32(head, static_cast<uint32_t>(a.size() + b.size()));
  TRY(sink_.write(head));
  if (!a.empty()) TRY(sink_.write(a));
  if (!b.empty()) TRY(sink_.write(b));
  return {};
}

Status FrameWriter::header(const DumpHeader& h) {
  return frame(FrameType::header, header_to_json(h));
}

Status FrameWriter::sql(FrameType type, std::string_view text) {
  for (size_t at = 0; at < text.size(); at += kSqlFrameBytes)
    TRY(frame(type, text.substr(at, kSqlFrameBytes)));
  return {};
}

Status FrameWriter::pre_data(std::string_view text) {
  return sql(FrameType::pre_data, text);
}
Status FrameWriter::post_data(std::string_view text) {
  return sql(FrameType::post_data, text);
}

Status FrameWriter::data(uint32_t table, std::string_view lines) {
  std::string id;
  put_u32(id, table);
  return frame(FrameType::data, id, lines);
}

Status FrameWriter::table_done(uint32_t table, uint64_t rows) {
  std::string p;
  put_u32(p, table);
  put_u64(p, rows);
  return frame(FrameType::table_done, p);
}

Status FrameWriter::end(uint64_t tables, uint64_t rows) {
  nlohmann::json j = {{"tables", tables}, {"rows", rows}};
  return frame(FrameType::end, j.dump());
}

// ---- reader ----

Result<size_t> FrameReader::read_full(char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t k = TRY(source_.read(buf + got, n - got));
    if (k == 0) break;
    got += k;
  }
  return got;
}

Status FrameReader::read_magic() {
  char m[12];
  size_t got = TRY(read_full(m, sizeof m));
  if (got < sizeof m || std::string_view(m, 8) != kStreamMagic)
    return malformed("it does not start with the DBTWSTRM magic");
  uint32_t version = get_u32(m + 8);
  if (version != kStreamVersion)
    return err(Errc::invalid_argument, "dump stream version {} is not supported (this is {})",
               version, kStreamVersion);
  stage_ = Stage::header;
  return {};
}

Result<bool> FrameReader::next(Frame& f) {
  if (stage_ == Stage::magic) TRY(read_magic());
  char head[5];
  size_t got = TRY(read_full(head, sizeof head));
  if (got == 0) {
    if (stage_ == Stage::ended) return false;
    return malformed("it is truncated (no end frame)");
  }
  if (got < sizeof head) return malformed("it is truncated inside a frame header");
  if (stage_ == Stage::ended) return malformed("data follows the end frame");
  uint32_t len = get_u32(head + 1);
  if (len > kMaxFramePayload)
    return malformed(fmt::format("a frame of {} bytes is larger than the 16 MiB limit", len));
  f.type = static_cast<FrameType>(head[0]);
  f.table = 0;
  f.rows = 0;
  // The buffer grows as the payload's bytes arrive, 1 MiB at a time: a short stream claiming a
  // 16 MiB frame costs no 16 MiB allocation.
  f.text.clear();
  while (f.text.size() < len) {
    size_t old = f.text.size();
    size_t step = std::min<size_t>(len - old, 1u << 20);
    f.text.resize(old + step);
    if (TRY(read_full(f.text.data() + old, step)) < step)
      return malformed("it is truncated inside a frame");
  }
  TRY(check(f));
  return true;
}

Status FrameReader::check(Frame& f) {
  switch (f.type) {
    case FrameType::header: {
      if (stage_ != Stage::header) return malformed("a second header frame");
      auto h = header_from_json(f.text);
      if (!h.ok()) return malformed(h.error().message);
      header_ = std::move(*h);
      done_.assign(header_.tables.size(), 0);
      lines_.assign(header_.tables.size(), 0);
      stage_ = Stage::pre;
      return {};
    }
    case FrameType::pre_data:
      if (stage_ == Stage::header) return malformed("pre-data before the header frame");
      if (stage_ != Stage::pre) return malformed("pre-data after the rows began");
      return {};
    case FrameType::data:
    case FrameType::table_done:
      return check_data(f);
    case FrameType::post_data:
      if (stage_ == Stage::header) return malformed("post-data before the header frame");
      for (size_t i = 0; i < done_.size(); ++i)
        if (!done_[i])
          return malformed(
              fmt::format("post-data before table {} ended", header_.tables[i].qualified()));
      stage_ = Stage::post;
      return {};
    case FrameType::end:
      return check_end(f);
  }
  return malformed(fmt::format("unknown frame type 0x{:02x}", static_cast<uint8_t>(f.type)));
}

Status FrameReader::check_data(Frame& f) {
  const bool is_data = f.type == FrameType::data;
  if (stage_ == Stage::header) return malformed("rows before the header frame");
  if (stage_ == Stage::post) return malformed("rows after post-data");
  stage_ = Stage::data;
  if (f.text.size() < (is_data ? 4u : 12u)) return malformed("a row frame is too short");
  f.table = get_u32(f.text.data());
  if (f.table >= done_.size())
    return malformed(fmt::format("rows for unknown table id {}", f.table));
  const auto& name = header_.tables[f.table].qualified();
  if (done_[f.table]) return malformed(fmt::format("rows for table {} after its end", name));
  if (is_data) {
    f.text.erase(0, 4);
    if (!f.text.empty() && f.text.back() != '\n')
      return malformed(fmt::format("a partial row for table {}", name));
    f.rows = static_cast<uint64_t>(count_char(f.text, '\n'));
    lines_[f.table] += f.rows;
    return {};
  }
  if (f.text.size() != 12) return malformed("a table end frame has the wrong size");
  f.rows = get_u64(f.text.data() + 4);
  f.text.clear();
  if (f.rows != lines_[f.table])
    return malformed(fmt::format("table {} ends with {} rows but the stream holds {}", name, f.rows,
                                 lines_[f.table]));
  done_[f.table] = 1;
  ++tables_done_;
  rows_done_ += f.rows;
  return {};
}

Status FrameReader::check_end(const Frame& f) {
  if (stage_ == Stage::header) return malformed("end frame before the header frame");
  for (size_t i = 0; i < done_.size(); ++i)
    if (!done_[i])
      return malformed(
          fmt::format("end frame before table {} ended", header_.tables[i].qualified()));
  auto j = nlohmann::json::parse(f.text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("tables") || !j.contains("rows") ||
      !j["tables"].is_number_unsigned() || !j["rows"].is_number_unsigned())
    return malformed("the end frame is not {\"tables\":n,\"rows\":n}");
  if (j["tables"].get<uint64_t>() != tables_done_ || j["rows"].get<uint64_t>() != rows_done_)
    return malformed(fmt::format("the end frame counts {} tables and {} rows, the stream {} and {}",
                                 j["tables"].get<uint64_t>(), j["rows"].get<uint64_t>(),
                                 tables_done_, rows_done_));
  stage_ = Stage::ended;
  return {};
}

}  // namespace dbtwin::pipeline
