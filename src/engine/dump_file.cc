#include "engine/dump_file.h"

#include <archive.h>

#include <array>
#include <fstream>
#include <functional>
#include <memory>

#include "os/files.h"

namespace dbtwin::engine {

namespace {

constexpr std::array<unsigned char, 2> kGzip = {0x1f, 0x8b};
constexpr std::array<unsigned char, 4> kZstd = {0x28, 0xb5, 0x2f, 0xfd};

template <size_t N>
bool has_magic(const std::string& head, const std::array<unsigned char, N>& magic) {
  if (head.size() < N) return false;
  for (size_t i = 0; i < N; ++i) {
    if (static_cast<unsigned char>(head[i]) != magic[i]) return false;
  }
  return true;
}

// Text may hold any UTF-8; a NUL byte in the first block means a binary file.
bool looks_binary(const std::string& head) {
  return head.find('\0') != std::string::npos;
}

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

}  // namespace

Result<DumpFormat> sniff_dump(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return err(Errc::not_found, "cannot open dump file {}", path.string());
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (has_magic(head, kGzip)) return DumpFormat::sql_gzip;
  if (has_magic(head, kZstd)) return DumpFormat::sql_zstd;
  if (head.rfind("PGDMP", 0) == 0) return DumpFormat::pg_archive;
  if (looks_binary(head)) {
    return err(Errc::invalid_argument,
               "{} is neither SQL text nor a gzip, zstd or pg_dump custom archive", path.string());
  }
  return DumpFormat::sql_plain;
}

namespace {

// Calls `block` with each decompressed block of a plain, gzip or zstd SQL file, and the bytes
// of the file read so far, until it returns false or the file ends.
Status for_each_block(const fs::path& path, DumpFormat format,
                      const std::function<Result<bool>(std::string_view, uint64_t)>& block) {
  ArchivePtr a(archive_read_new());
  if (!a) return err(Errc::internal, "archive_read_new failed");
  // Only the filter the magic named, so a SQL text is never mistaken for another encoding.
  if (format == DumpFormat::sql_gzip) archive_read_support_filter_gzip(a.get());
  if (format == DumpFormat::sql_zstd) archive_read_support_filter_zstd(a.get());
  archive_read_support_filter_none(a.get());
  archive_read_support_format_raw(a.get());
  auto corrupt = [&](std::string_view what) {
    return err(Errc::invalid_argument, "{} {}: {}", what, path.string(),
               archive_error_string(a.get()) ? archive_error_string(a.get()) : "unknown error");
  };
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return corrupt("cannot open dump");
  }
  archive_entry* entry = nullptr;
  if (archive_read_next_header(a.get(), &entry) != ARCHIVE_OK) return corrupt("cannot read dump");

  std::array<char, 1 << 16> buf;
  for (;;) {
    la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
    if (n < 0) return corrupt("corrupt dump");
    if (n == 0) break;
    auto read = static_cast<uint64_t>(archive_filter_bytes(a.get(), -1));
    if (!TRY(block(std::string_view(buf.data(), static_cast<size_t>(n)), read))) break;
  }
  return {};
}

Result<DumpFormat> sql_format(const fs::path& path) {
  auto format = TRY(sniff_dump(path));
  if (format == DumpFormat::pg_archive) {
    return err(Errc::invalid_argument, "{} is a pg_dump custom archive, not SQL text",
               path.string());
  }
  return format;
}

}  // namespace

Status stream_sql_file(const fs::path& path, int fd, const Progress& progress) {
  auto format = TRY(sql_format(path));
  std::error_code ec;
  uint64_t total = fs::file_size(path, ec);
  if (ec)
    return err(Errc::not_found, "cannot read the size of {}: {}", path.string(), ec.message());
  if (progress) progress(0, total);
  if (total == 0) return {};
  TRY(for_each_block(path, format, [&](std::string_view data, uint64_t read) -> Result<bool> {
    TRY_CTX(os::write_all(fd, data), "streaming the dump to the client");
    if (progress) progress(read, total);
    return true;
  }));
  if (progress) progress(total, total);
  return {};
}

Result<std::string> read_sql_head(const fs::path& path, size_t limit) {
  auto format = TRY(sql_format(path));
  std::string head;
  TRY(for_each_block(path, format, [&](std::string_view data, uint64_t) -> Result<bool> {
    head.append(data.substr(0, limit - head.size()));
    return head.size() < limit;
  }));
  return head;
}

bool sql_switches_database(std::string_view head) {
  // psql's meta-commands stand at the start of a line: \c or \connect followed by a name.
  for (size_t at = 0; at < head.size();) {
    size_t eol = head.find('\n', at);
    std::string_view line = head.substr(at, eol == std::string_view::npos ? head.npos : eol - at);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.rfind("\\c ", 0) == 0 || line.rfind("\\connect ", 0) == 0) return true;
    if (eol == std::string_view::npos) break;
    at = eol + 1;
  }
  return false;
}

}  // namespace dbtwin::engine
