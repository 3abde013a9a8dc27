// Both row formats share the shape (tab-separated, backslash escapes, \N for NULL); they differ
// only in which escapes exist. Splitting never decodes: a field is copied verbatim unless a rule
// touches it, and decoding only runs when the field holds a backslash.
#include "pipeline/row_codec.h"
#include "base/strings.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// Bit i set when q[i] (i < n <= 16) is a tab, a newline or a backslash.
uint32_t special_bits(const char* q, size_t n) {
#if defined(__SSE2__)
  if (n == 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
                                            _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
                               _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    return static_cast<uint32_t>(_mm_movemask_epi8(hit));
  }
#endif
  uint32_t bits = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = q[i];
    if (c == '\t' || c == '\n' || c == '\\') bits |= 1u << i;
  }
  return bits;
}

Error lone_backslash() {
  return err(Errc::invalid_argument, "malformed row: the line ends with a lone backslash");
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
    if (bs + 1 >= end) return lone_backslash();
    p = bs + 2;
  }
  return {};
}

Result<const char*> split_line(const char* p, const char* end, LineFields& fields) {
  size_t k = 0;
  // Members written one by one into place: a FieldRef built and copied whole comes back through
  // loads that miss store forwarding.
  auto add = [&](const char* data, size_t size, bool escaped) {
    if (k == fields.refs.size()) fields.refs.resize(2 * k + 16);
    FieldRef& f = fields.refs[k++];
    f.data = data;
    f.size = size;
    f.escaped = escaped;
  };
  const char* start = p;
  bool escaped = false;
  bool skip_first = false;  // the last block ended in a backslash: this one's first byte is escaped
  for (const char* q = p; q < end;) {
    size_t n = std::min<size_t>(16, end - q);
    uint32_t bits = special_bits(q, n);
    if (skip_first) {
      if (q[0] == '\n') return lone_backslash();
      bits &= ~1u;
      skip_first = false;
    }
    while (bits != 0) {
      unsigned b = static_cast<unsigned>(__builtin_ctz(bits));
      bits &= bits - 1;
      char c = q[b];
      if (c == '\\') {
        // An escape pair: the next byte is data, whatever it is, but a newline still ends the
        // line (as in split_fields, which sees lines already cut at every '\n').
        escaped = true;
        if (b + 1 < n) {
          if (q[b + 1] == '\n') return lone_backslash();
          bits &= ~(1u << (b + 1));
        } else if (q + n == end) {
          return lone_backslash();
        } else {
          skip_first = true;
        }
      } else if (c == '\t') {
        add(start, static_cast<size_t>(q + b - start), escaped);
        start = q + b + 1;
        escaped = false;
      } else {
        add(start, static_cast<size_t>(q + b - start), escaped);
        fields.count = k;
        return q + b;
      }
    }
    q += n;
  }
  add(start, static_cast<size_t>(end - start), escaped);
  fields.count = k;
  return end;
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
  out.clear();
  bool has_value = TRY(decode_field_to(format, field, out));
  if (!has_value) return std::optional<std::string_view>();
  return std::optional<std::string_view>(out);
}

Result<bool> decode_field_to(RowFormat format, std::string_view field, std::string& out) {
  if (field == "\\N") return false;
  out.reserve(out.size() + field.size());
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
  return true;
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

bool needs_encoding(RowFormat format, std::string_view raw) {
  for (size_t i = first_special(raw); i < raw.size(); ++i) {
    if (needs_escape(format, static_cast<unsigned char>(raw[i]))) return true;
  }
  return false;
}

}  // namespace dbtwin::pipeline
