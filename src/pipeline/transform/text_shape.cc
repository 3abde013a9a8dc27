#include "pipeline/transform/text_shape.h"

namespace dbtwin::pipeline {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}

// One changeable character: its radix and how a digit maps back to a character.
struct Slot {
  size_t pos = 0;
  uint32_t radix = 1;
  char base = 0;  // the character of digit 0
};

bool is_hex_letter(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Appends the slots of `v` and its digits, in the order the characters appear; returns how many.
template <typename Digit>
size_t classify_to(std::string_view v, CharSet set, std::vector<Slot>& slots,
                   std::vector<Digit>& digits) {
  // Hex is case-insensitive (a UUID in either case is the same value): the output uses one case
  // for the whole string, uppercase only when the input has no lowercase letter.
  bool hex_upper = false;
  if (set == CharSet::hex) {
    bool lower = false;
    for (char c : v) {
      hex_upper |= c >= 'A' && c <= 'F';
      lower |= c >= 'a' && c <= 'f';
    }
    hex_upper &= !lower;
  }
  // Sized for the worst case and cut at the end: push_back per character showed in profiles.
  // Members are written one by one: a Slot built on the stack and copied whole came back through
  // overlapping loads that missed store forwarding, and stalled on every character.
  size_t slots_from = slots.size(), digits_from = digits.size();
  slots.resize(slots_from + v.size());
  digits.resize(digits_from + v.size());
  size_t k = 0;
  auto add = [&](size_t pos, uint32_t radix, char base, uint32_t d) {
    Slot& s = slots[slots_from + k];
    s.pos = pos;
    s.radix = radix;
    s.base = base;
    digits[digits_from + k++] = static_cast<Digit>(d);
  };
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (set == CharSet::hex) {
      if (is_digit(c) || is_hex_letter(c)) {
        uint32_t d = is_digit(c) ? c - '0' : (is_upper(c) ? c - 'A' : c - 'a') + 10;
        add(i, 16, hex_upper ? 'A' : 'a', d);
      }
      continue;
    }
    if (is_digit(c)) {
      bool run_start = i == 0 || !is_digit(v[i - 1]);
      bool run_long = i + 1 < v.size() && is_digit(v[i + 1]);
      if (run_start && run_long && c == '0') continue;  // a leading zero stays
      if (run_start && run_long) {
        add(i, 9, '1', static_cast<uint32_t>(c - '1'));
      } else {
        add(i, 10, '0', static_cast<uint32_t>(c - '0'));
      }
    } else if (set == CharSet::alnum && (is_lower(c) || is_upper(c))) {
      char base = is_lower(c) ? 'a' : 'A';
      add(i, 26, base, static_cast<uint32_t>(c - base));
    }
  }
  slots.resize(slots_from + k);
  digits.resize(digits_from + k);
  return k;
}

// The slots of `value` and its digit vector (both cleared first).
void classify(std::string_view v, CharSet set, std::vector<Slot>& slots,
              std::vector<uint32_t>& digits) {
  slots.clear();
  digits.clear();
  classify_to(v, set, slots, digits);
}

char render(const Slot& s, uint32_t d) {
  if (s.radix == 16) {
    return d < 10 ? static_cast<char>('0' + d) : static_cast<char>(s.base + (d - 10));
  }
  return static_cast<char>(s.base + d);
}

// Per-thread scratch vectors: masking calls these millions of times, and three allocations per
// value showed up in profiles.
struct Scratch {
  std::vector<Slot> slots;
  std::vector<uint32_t> digits;
  std::vector<uint32_t> radices;
};

Scratch& scratch() {
  thread_local Scratch s;
  s.slots.clear();
  s.digits.clear();
  s.radices.clear();
  return s;
}

}  // namespace

void randomize_shape_to(std::string_view value, CharSet set, Rng& rng, std::string& out) {
  // One pass, no slot list: the draws go in character order, as classify() lists the slots.
  size_t at = out.size();
  out.append(value);
  char* o = out.data() + at;
  if (set == CharSet::hex) {
    Scratch& sc = scratch();
    classify(value, set, sc.slots, sc.digits);
    for (const Slot& sl : sc.slots)
      o[sl.pos] = render(sl, static_cast<uint32_t>(rng.below(sl.radix)));
    return;
  }
  size_t n = value.size();
  for (size_t i = 0; i < n; ++i) {
    char c = value[i];
    if (is_digit(c)) {
      bool run_start = i == 0 || !is_digit(value[i - 1]);
      bool run_long = i + 1 < n && is_digit(value[i + 1]);
      if (run_start && run_long && c == '0') continue;  // a leading zero stays
      if (run_start && run_long) {
        o[i] = static_cast<char>('1' + rng.below(9));
      } else {
        o[i] = static_cast<char>('0' + rng.below(10));
      }
    } else if (set == CharSet::alnum && (is_lower(c) || is_upper(c))) {
      o[i] = static_cast<char>((is_lower(c) ? 'a' : 'A') + rng.below(26));
    }
  }
}

void permute_shape_to(std::string_view value, CharSet set, const FormatCipher& cipher,
                      std::string& out) {
  Scratch& sc = scratch();
  auto& slots = sc.slots;
  auto& digits = sc.digits;
  auto& radices = sc.radices;
  classify(value, set, slots, digits);
  radices.resize(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) radices[i] = slots[i].radix;
  cipher.permute(digits, radices);
  size_t at = out.size();
  out.append(value);
  char* o = out.data() + at;
  for (size_t i = 0; i < slots.size(); ++i) o[slots[i].pos] = render(slots[i], digits[i]);
}

void permute_shapes(const ShapeBatch& in, CharSet set, const FormatCipher& cipher,
                    MaskedBatch& out) {
  // Every value's slots, digits and radices in shared buffers, each value's digits and radices
  // followed by the padding permute_many needs; viewed once the buffers stop growing.
  thread_local std::vector<Slot> slots;
  thread_local std::vector<uint16_t> digits, radices;
  thread_local std::vector<size_t> slot_ends, digit_from;
  thread_local std::vector<FpeValue> values;
  slots.clear();
  digits.clear();
  radices.clear();
  slot_ends.clear();
  digit_from.clear();
  for (size_t i = 0; i < in.size; ++i) {
    size_t first = slots.size();
    digit_from.push_back(digits.size());
    if (!in.nulls[i]) {
      classify_to(in.parts[i], set, slots, digits);
      for (size_t k = first; k < slots.size(); ++k)
        radices.push_back(static_cast<uint16_t>(slots[k].radix));
      digits.insert(digits.end(), kFpePad, 0);
      radices.insert(radices.end(), kFpePad, 1);
    }
    slot_ends.push_back(slots.size());
  }
  values.clear();
  for (size_t i = 0, from = 0; i < in.size; from = slot_ends[i++]) {
    if (!in.nulls[i])
      values.push_back(
          {digits.data() + digit_from[i], radices.data() + digit_from[i], slot_ends[i] - from});
  }
  cipher.permute_many(values.data(), values.size());
  for (size_t i = 0, from = 0; i < in.size; from = slot_ends[i++]) {
    size_t at = out.bytes.size();
    if (in.nulls[i]) {
      out.close(at, false);
      continue;
    }
    out.bytes.append(in.parts[i]);
    char* o = out.bytes.data() + at;
    const uint16_t* d = digits.data() + digit_from[i];
    for (size_t k = from; k < slot_ends[i]; ++k) o[slots[k].pos] = render(slots[k], d[k - from]);
    out.bytes.append(in.suffixes[i]);
    out.close(at, true);
  }
}

void permute_values(const ValueBatch& in, CharSet set, const FormatCipher& cipher, MaskedBatch& out,
                    std::optional<char> split) {
  thread_local std::vector<std::string_view> parts, suffixes;
  parts.resize(in.size);
  suffixes.resize(in.size);
  for (size_t i = 0; i < in.size; ++i) {
    std::string_view v = in.values[i];
    size_t at = split ? v.rfind(*split) : std::string_view::npos;
    parts[i] = at == std::string_view::npos ? v : v.substr(0, at);
    suffixes[i] = at == std::string_view::npos ? std::string_view() : v.substr(at);
  }
  permute_shapes({parts.data(), suffixes.data(), in.nulls, in.size}, set, cipher, out);
}

std::string randomize_shape(std::string_view value, CharSet set, Rng& rng) {
  std::string out;
  randomize_shape_to(value, set, rng, out);
  return out;
}

std::string permute_shape(std::string_view value, CharSet set, const FormatCipher& cipher) {
  std::string out;
  permute_shape_to(value, set, cipher, out);
  return out;
}

std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 1;
    if (i + len > s.size()) len = 1;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) {
        len = 1;
        break;
      }
    }
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace dbtwin::pipeline
