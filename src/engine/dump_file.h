// Dump files given to `template create --from-dump`: format sniffing and streaming decompression.
#pragma once

#include <filesystem>

#include "base/result.h"
#include "engine/engine.h"

namespace dbtwin::engine {

enum class DumpFormat { sql_plain, sql_gzip, sql_zstd, pg_archive };

// Looks at the first bytes (not the name): gzip and zstd magic, pg_dump's "PGDMP", else SQL
// text. A binary file that is none of these is invalid_argument.
Result<DumpFormat> sniff_dump(const fs::path& path);

// Streams a plain, gzip or zstd SQL file, decompressed, into `fd` (a pipe to the engine's
// client). Progress counts bytes of the file read. A corrupt archive is invalid_argument.
Status stream_sql_file(const fs::path& path, int fd, const Progress& progress);

// The first `limit` bytes of a plain, gzip or zstd SQL file, decompressed.
Result<std::string> read_sql_head(const fs::path& path, size_t limit);

// True if SQL text switches databases itself with psql's \c or \connect (a dump made with
// pg_dump --create, or one that creates and fills its own database).
bool sql_switches_database(std::string_view head);

}  // namespace dbtwin::engine
