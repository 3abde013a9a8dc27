// Both row formats share the shape (tab-separated, backslash escapes, \N for NULL); they differ
// only in which escapes exist. Splitting never decodes: a field is copied verbatim unless a rule
// touches it, and decoding only runs when the field holds a backslash.
#include "pipeline/row_codec.h"
#include "base/strings.h"

#include <cstring>

namespace dbtwin::pipeline {
namespace {

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

// Decodes one PostgreSQL escape starting after the backslash at field[i]; returns the index of
// the next unread byte. PostgreSQL accepts \ooo (1-3 digits) and \xh[h]; any other \c is c.
size_t decode_pg_escape(std::string_view field, size_t i, std::string& out) {
  char c = field[i];
  switch (c) {
    case 'b':
      out.push_back('\b');
      return i + 1;
    case 'f':
      out.push_back('\f');
      return i + 1;
    case 'n':
      out.push_back('\n');
      return i + 1;
    case 'r':
      out.push_back('\r');
      return i + 1;
    case 't':
      out.push_back('\t');
      return i + 1;
    case 'v':
      out.push_back('\v');
      return i + 1;
    default:
      break;
  }
  if (is_octal(c)) {
    int v = 0;
    size_t j = i;
    for (; j < field.size() && j < i + 3 && is_octal(field[j]); ++j) v = v * 8 + (field[j] - '0');
    out.push_back(static_cast<char>(v & 0xff));
    return j;
  }
  if (c == 'x' && i + 1 < field.size() && hex_digit_value(field[i + 1]) >= 0) {
    int v = hex_digit_value(field[i + 1]);
    size_t j = i + 2;
    if (j < field.size() && hex_digit_value(field[j]) >= 0)
      v = v * 16 + hex_digit_value(field[j++]);
    out.push_back(static_cast<char>(v));
    return j;
  }
  out.push_back(c);
  return i + 1;
}

// LOAD DATA's escapes: \0 \b \n \r \t \Z; any other \c is c.
size_t decode_mysql_escape(std::string_view field, size_t i, std::string& out) {
  char c = field[i];
  switch (c) {
    case '0':
      out.push_back('\0');
      break;
    case 'b':
      out.push_back('\b');
      break;
    case 'n':
      out.push_back('\n');
      break;
    case 'r':
      out.push_back('\r');
      break;
    case 't':
      out.push_back('\t');
      break;
    case 'Z':
      out.push_back('\x1a');
      break;
    default:
      out.push_back(c);
      break;
  }
  return i + 1;
}

// The escape letter for `c` in `format`, or 0 when the byte goes out as it is.
char escape_letter(RowFormat format, char c) {
  switch (c) {
    case '\\':
      return '\\';
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    default:
      break;
  }
  if (format == RowFormat::pg_copy_text) {
    switch (c) {
      case '\b':
        return 'b';
      case '\f':
        return 'f';
      case '\v':
        return 'v';
      default:
        return 0;
    }
  }
  if (c == '\0') return '0';
  if (c == '\x1a') return 'Z';
  return 0;
}

bool needs_escape(RowFormat format, unsigned char c) {
  if (c >= 0x20 && c != '\\') return false;
  return escape_letter(format, static_cast<char>(c)) != 0 ||
         (format == RowFormat::pg_copy_text && c == 0);
}

// The index of the first byte that may need an escape (below 0x20, or a backslash), or the size.
// Eight bytes a step: most fields need no escape at all and go out in one append.
size_t first_special(std::string_view s) {
  constexpr uint64_t ones = 0x0101010101010101ULL;
  constexpr uint64_t highs = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    uint64_t below = (w - ones * 0x20) & ~w & highs;  // some byte < 0x20 (exact as a whole)
    uint64_t x = w ^ (ones * '\\');
    uint64_t backslash = (x - ones) & ~x & highs;  // some byte == '\\'
    if ((below | backslash) != 0) break;
  }
  for (; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '\\') return i;
  }
  return i;
}

}  // namespace

Result<std::vector<std::string_view>> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  TRY(split_fields(line, fields));
  return fields;
}

Status split_fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  const char* p = line.data();
  const char* end = p + line.size();
  const char* start = p;
  // Fast path per field: the next tab ends it unless a backslash before it escapes something.
  while (true) {
    const char* tab = static_cast<const char*>(std::memchr(p, '\t', end - p));
    const char* stop = tab ? tab : end;
    const char* bs = static_cast<const char*>(std::memchr(p, '\\', stop - p));
    if (bs == nullptr) {
      fields.emplace_back(start, stop - start);
      if (tab == nullptr) break;
      p = start = tab + 1;
      continue;
    }
    // An escape: skip the escaped byte (it may be a tab) and look again from after it.
    if (bs + 1 >= end) {
      return err(Errc::invalid_argument, "malformed row: the line ends with a lone backslash");
    }
    p = bs + 2;
  }
  return {};
}

Result<std::optional<std::string>> decode_field(RowFormat format, std::string_view field) {
  std::string scratch;
  auto raw = TRY(decode_field(format, field, scratch));
  if (!raw) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*raw));
}

Result<std::optional<std::string_view>> decode_field(RowFormat format, std::string_view field,
                                                     std::string& out) {
  const void* bs = std::memchr(field.data(), '\\', field.size());
  if (bs == nullptr) return std::optional<std::string_view>(field);
  if (field == "\\N") return std::optional<std::string_view>();
  out.clear();
  out.reserve(field.size());
  size_t i = 0;
  while (i < field.size()) {
    char c = field[i];
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= field.size()) {
      return err(Errc::invalid_argument, "malformed field: it ends with a lone backslash");
    }
    i = format == RowFormat::pg_copy_text ? decode_pg_escape(field, i + 1, out)
                                          : decode_mysql_escape(field, i + 1, out);
  }
  return std::optional<std::string_view>(out);
}

void append_field(RowFormat format, std::string& out, std::string_view raw) {
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = first_special(raw); i < raw.size(); ++i) {
    auto c = static_cast<unsigned char>(raw[i]);
    if (!needs_escape(format, c)) continue;
    out.append(raw.data() + run, i - run);
    char letter = escape_letter(format, static_cast<char>(c));
    if (letter != 0) {
      out.push_back('\\');
      out.push_back(letter);
    } else {
      // PostgreSQL text cannot hold NUL; \000 keeps the row well-formed and the server refuses it.
      out.append("\\000");
    }
    run = i + 1;
  }
  out.append(raw.data() + run, raw.size() - run);
}

void append_field(RowFormat format, std::string& out, const std::optional<std::string>& raw) {
  if (!raw) {
    append_null(out);
    return;
  }
  append_field(format, out, std::string_view(*raw));
}

void append_null(std::string& out) {
  out.append("\\N");
}

}  // namespace dbtwin::pipeline
