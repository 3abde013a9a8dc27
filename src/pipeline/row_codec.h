// The two row text formats of dump_model.h: splitting a line into fields, decoding a field to
// its raw bytes, and encoding raw bytes back. Fast paths matter: every masked row goes through.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pipeline/dump_model.h"

namespace dbtwin::pipeline {

// The fields of one line (without its '\n'), still encoded. invalid_argument when the line is
// malformed (a dangling backslash).
Result<std::vector<std::string_view>> split_fields(std::string_view line);
// The same into `fields` (cleared first), so that a caller splitting millions of rows reuses one
// vector.
Status split_fields(std::string_view line, std::vector<std::string_view>& fields);

// One field of a line, still encoded: `escaped` when it holds a backslash (decode it first).
struct FieldRef {
  const char* data = nullptr;
  size_t size = 0;
  bool escaped = false;
  std::string_view view() const { return {data, size}; }
};

// The fields of one line: the first `count` of `refs`, which only grows, so that splitting
// millions of lines allocates once (and writes each field in place: no push_back per field).
struct LineFields {
  std::vector<FieldRef> refs;
  size_t count = 0;
  size_t size() const { return count; }
  const FieldRef& operator[](size_t i) const { return refs[i]; }
};

// Splits the line that starts at `p` into `fields` in one pass, sixteen bytes a step, and
// returns where it ends: at its '\n', or at `end` for a last line without one. The fields are
// those split_fields() gives for the same line. invalid_argument when the line ends with a lone
// backslash.
Result<const char*> split_line(const char* p, const char* end, LineFields& fields);

// nullopt for NULL (\N); the raw bytes otherwise.
Result<std::optional<std::string>> decode_field(RowFormat format, std::string_view field);
// The same without a copy: the raw bytes are `field` itself when it holds no escape, or are
// decoded into `scratch` (valid until scratch changes).
Result<std::optional<std::string_view>> decode_field(RowFormat format, std::string_view field,
                                                     std::string& scratch);
// Appends the raw bytes of `field` to `out` and returns true, or returns false for NULL.
Result<bool> decode_field_to(RowFormat format, std::string_view field, std::string& out);

// Appends the encoding of `raw` (or \N for nullopt) to `out`.
void append_field(RowFormat format, std::string& out, const std::optional<std::string>& raw);
void append_field(RowFormat format, std::string& out, std::string_view raw);
void append_null(std::string& out);
// Whether `raw` has a byte that append_field() would escape.
bool needs_encoding(RowFormat format, std::string_view raw);

}  // namespace dbtwin::pipeline
