#include "base/strings.h"

#include <sys/random.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dbtwin {

size_t count_char(std::string_view s, char c) {
  size_t total = 0, i = 0;
#if defined(__SSE2__)
  // Byte counters: each compare adds 0 or -1 (0xff) per byte, at most 255 times before the
  // counters are summed by psadbw and cleared.
  const __m128i needle = _mm_set1_epi8(c);
  while (s.size() - i >= 16) {
    __m128i counts = _mm_setzero_si128();
    size_t blocks = std::min<size_t>((s.size() - i) / 16, 255);
    for (size_t b = 0; b < blocks; ++b, i += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
      counts = _mm_sub_epi8(counts, _mm_cmpeq_epi8(v, needle));
    }
    __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
    total += static_cast<size_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
#endif
  for (; i < s.size(); ++i) total += s[i] == c;
  return total;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool ends_with(std::string_view s, std::string_view x) {
  return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
}

Status validate_name(std::string_view kind, std::string_view name) {
  auto bad = [&](std::string_view why) {
    return err(Errc::invalid_argument,
               "invalid {} name '{}': {} (names are 1-63 characters of a-z, 0-9, '_' and '-', "
               "starting with a letter or digit)",
               kind, name, why);
  };
  if (name.empty()) return bad("it is empty");
  if (name.size() > 63) return bad("it is longer than 63 characters");
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name[0])) return bad("it must start with a lowercase letter or a digit");
  for (char c : name) {
    if (!alnum(c) && c != '_' && c != '-') {
      return bad(fmt::format(
          "the character '{}' is not allowed",
          std::isprint(static_cast<unsigned char>(c)) ? std::string(1, c) : std::string("?")));
    }
  }
  return {};
}

Result<std::chrono::seconds> parse_duration(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) return err(Errc::invalid_argument, "empty duration");
  int64_t total = 0;
  while (!s.empty()) {
    size_t i = 0;
    int64_t n = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      n = n * 10 + (s[i] - '0');
      if (n > 100'000'000) return err(Errc::invalid_argument, "duration '{}' is too large", text);
      ++i;
    }
    if (i == 0)
      return err(Errc::invalid_argument, "invalid duration '{}' (try 90s, 15m, 8h, 2d)", text);
    char unit = i < s.size() ? s[i] : 's';
    int64_t mult = 0;
    switch (unit) {
      case 's':
        mult = 1;
        break;
      case 'm':
        mult = 60;
        break;
      case 'h':
        mult = 3600;
        break;
      case 'd':
        mult = 86400;
        break;
      case 'w':
        mult = 7 * 86400;
        break;
      default:
        return err(Errc::invalid_argument, "invalid duration unit in '{}' (use s, m, h, d or w)",
                   text);
    }
    total += n * mult;
    s.remove_prefix(std::min(s.size(), i + 1));
  }
  if (total <= 0) return err(Errc::invalid_argument, "duration '{}' must be positive", text);
  return std::chrono::seconds(total);
}

std::string format_duration(std::chrono::seconds d) {
  int64_t s = d.count();
  std::string sign = s < 0 ? "-" : "";
  s = std::llabs(s);
  if (s < 60) return fmt::format("{}{}s", sign, s);
  if (s < 3600) return fmt::format("{}{}m", sign, s / 60);
  if (s < 86400) return fmt::format("{}{}h{:02}m", sign, s / 3600, (s % 3600) / 60);
  return fmt::format("{}{}d{}h", sign, s / 86400, (s % 86400) / 3600);
}

Result<uint64_t> parse_size(std::string_view text) {
  std::string s(trim(text));
  size_t pos = 0;
  double n = 0;
  try {
    n = std::stod(s, &pos);
  } catch (...) {
    return err(Errc::invalid_argument, "invalid size '{}' (try 512M, 2G, 10GiB)", text);
  }
  std::string unit = s.substr(pos);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.ends_with("IB"))
    unit.erase(unit.size() - 2);
  else if (unit.size() > 1 && unit.ends_with("B"))
    unit.pop_back();
  double mult = 1;
  if (unit.empty() || unit == "B")
    mult = 1;
  else if (unit == "K")
    mult = 1024.0;
  else if (unit == "M")
    mult = 1024.0 * 1024;
  else if (unit == "G")
    mult = 1024.0 * 1024 * 1024;
  else if (unit == "T")
    mult = 1024.0 * 1024 * 1024 * 1024;
  else
    return err(Errc::invalid_argument, "invalid size unit in '{}' (use K, M, G or T)", text);
  if (n < 0 || std::isnan(n)) return err(Errc::invalid_argument, "invalid size '{}'", text);
  return static_cast<uint64_t>(n * mult);
}

std::string format_bytes(uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", b) : fmt::format("{:.1f} {}", v, units[u]);
}

std::string random_token(size_t length) {
  static constexpr std::string_view alphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    unsigned char buf[64];
    ssize_t n = getrandom(buf, sizeof buf, 0);
    for (ssize_t i = 0; i < n && out.size() < length; ++i) {
      // Rejection sampling keeps the distribution uniform: 248 = 4 * 62.
      if (buf[i] < 248) out.push_back(alphabet[buf[i] % alphabet.size()]);
    }
  }
  return out;
}

int64_t now_unix() {
  return static_cast<int64_t>(std::time(nullptr));
}

std::string format_time(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string url_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace dbtwin
