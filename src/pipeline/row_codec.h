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

// nullopt for NULL (\N); the raw bytes otherwise.
Result<std::optional<std::string>> decode_field(RowFormat format, std::string_view field);
// The same without a copy: the raw bytes are `field` itself when it holds no escape, or are
// decoded into `scratch` (valid until scratch changes).
Result<std::optional<std::string_view>> decode_field(RowFormat format, std::string_view field,
                                                     std::string& scratch);

// Appends the encoding of `raw` (or \N for nullopt) to `out`.
void append_field(RowFormat format, std::string& out, const std::optional<std::string>& raw);
void append_field(RowFormat format, std::string& out, std::string_view raw);
void append_null(std::string& out);

}  // namespace dbtwin::pipeline
