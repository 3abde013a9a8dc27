// Transformers for structured identifiers: phone numbers, card numbers, IBANs, UUIDs and IP
// addresses. Each keeps the input's layout and produces a valid value (Luhn, ISO 7064 check
// digits, UUID version); unique mode permutes the payload with the format-preserving cipher.
#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <cstring>

#include "pipeline/transform/families.h"
#include "pipeline/transform/options.h"
#include "pipeline/transform/text_shape.h"

namespace dbtwin::pipeline::detail {
namespace {

using Out = Result<bool>;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// Base for the identifiers: holds the cipher and the option-less factory.
class Identifier : public Transformer {
 public:
  bool keeps_plain() const override { return true; }
  Identifier(const TransformerSpec& s, const MaskKeys& k)
      : Transformer(s, k), cipher_(k.key, s.name) {}

 protected:
  Error not_a(std::string_view what, std::string_view v) const {
    // The value itself stays out of the message: it is the data being masked.
    return err(Errc::invalid_argument, "transformer {}: a value ({} bytes) is not {}", name(),
               v.size(), what);
  }
  FormatCipher cipher_;
};

class Phone final : public Identifier {
 public:
  using Identifier::Identifier;
  Out transform_to(std::string_view v, std::string& out) const override {
    if (!unique()) return transform_with_rng_for(v, out);
    permute_shape_to(v, CharSet::digits, cipher_, out);
    return true;
  }
  Status mask_batch(const ValueBatch& in, MaskedBatch& out) const override {
    if (!unique()) return mask_batch_seeded(*this, in, out);
    permute_values(in, CharSet::digits, cipher_, out);
    return {};
  }
  Out transform_seeded(std::string_view v, Rng& rng, std::string& out) const override {
    randomize_shape_to(v, CharSet::digits, rng, out);
    return true;
  }
};

class CreditCard final : public Identifier {
 public:
  using Identifier::Identifier;
  Out transform_to(std::string_view v, std::string& result) const override {
    if (!unique()) return transform_with_rng_for(v, result);
    return card(v, nullptr, result);  // unique mode draws nothing
  }
  Status mask_batch(const ValueBatch& in, MaskedBatch& out) const override {
    return unique() ? Transformer::mask_batch(in, out) : mask_batch_seeded(*this, in, out);
  }
  Out transform_seeded(std::string_view v, Rng& rng, std::string& result) const override {
    return card(v, &rng, result);
  }

 private:
  // `rng`: the generator of the non-unique mode (nullptr in unique mode).
  Out card(std::string_view v, Rng* rng, std::string& result) const {
    // Positions on the stack for any card-sized value (a vector past that): this runs once per
    // card in a dump, and allocations and push_back showed in profiles.
    constexpr size_t kStack = 40;
    size_t stack_pos[kStack];
    thread_local std::vector<size_t> heap_pos;
    size_t count = 0;
    for (char c : v) count += is_digit(c);
    bool plain16 = count < 2;
    if (plain16) {
      if (unique()) return not_a("a card number", v);
      count = 16;  // nothing to keep: a plain 16-digit number
    }
    size_t* pos = stack_pos;
    if (count > kStack) {
      heap_pos.resize(count);
      pos = heap_pos.data();
    }
    size_t at = result.size();
    if (plain16) {
      result.append(16, '0');
      for (size_t i = 0; i < 16; ++i) pos[i] = i;
    } else {
      result.append(v);
      for (size_t i = 0, k = 0; i < v.size(); ++i) {
        if (is_digit(v[i])) pos[k++] = i;
      }
    }
    char* out = result.data() + at;
    size_t n = count - 1;  // the last digit is the check digit
    if (unique()) {
      thread_local std::vector<uint32_t> digits, tens;
      digits.resize(n);
      for (size_t i = 0; i < n; ++i) digits[i] = v[pos[i]] - '0';
      tens.assign(n, 10);
      cipher_.permute(digits, tens);
      for (size_t i = 0; i < n; ++i) out[pos[i]] = static_cast<char>('0' + digits[i]);
    } else {
      for (size_t i = 0; i < n; ++i)
        out[pos[i]] = static_cast<char>('0' + (i == 0 ? 1 + rng->below(9) : rng->below(10)));
    }
    // The check digit over the payload, read back from where it was written.
    int sum = 0;
    bool twice = true;  // the digit next to the check digit is doubled
    for (size_t i = n; i-- > 0;) {
      int d = out[pos[i]] - '0';
      sum += twice ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d;
      twice = !twice;
    }
    out[pos[n]] = static_cast<char>('0' + (10 - sum % 10) % 10);
    return true;
  }
};

class Iban final : public Identifier {
 public:
  using Identifier::Identifier;
  Out transform_to(std::string_view v, std::string& result) const override {
    std::vector<size_t> pos;  // the letters and digits; anything else is a separator
    for (size_t i = 0; i < v.size(); ++i) {
      if (is_alnum(v[i])) pos.push_back(i);
    }
    bool valid = pos.size() >= 5 && pos.size() <= 34 && std::isalpha((unsigned char)v[pos[0]]) &&
                 std::isalpha((unsigned char)v[pos[1]]) && is_digit(v[pos[2]]) &&
                 is_digit(v[pos[3]]);
    if (!valid) {
      if (unique()) return not_a("an IBAN", v);
      return transform_to("DE00000000000000000000", result);  // unrecognised: German-shaped
    }
    std::string bban;
    for (size_t i = 4; i < pos.size(); ++i) bban.push_back(v[pos[i]]);
    if (unique()) {
      bban = permute_shape(bban, CharSet::alnum, cipher_);
    } else {
      Rng rng = rng_for(v);
      bban = randomize_shape(bban, CharSet::alnum, rng);
    }
    std::string country{v[pos[0]], v[pos[1]]};
    std::string check = iban_check_digits(country, bban);
    std::string out(v);
    out[pos[2]] = check[0];
    out[pos[3]] = check[1];
    for (size_t i = 4; i < pos.size(); ++i) out[pos[i]] = bban[i - 4];
    result.append(out);
    return true;
  }
};

class Uuid final : public Identifier {
 public:
  using Identifier::Identifier;
  Out transform_to(std::string_view v, std::string& result) const override {
    if (unique()) return permuted(v, result);
    return transform_with_rng_for(v, result);
  }
  Status mask_batch(const ValueBatch& in, MaskedBatch& out) const override {
    return unique() ? Transformer::mask_batch(in, out) : mask_batch_seeded(*this, in, out);
  }
  Out transform_seeded(std::string_view v, Rng& rng, std::string& result) const override {
    std::string hex = randomize_shape(std::string(32, '0'), CharSet::hex, rng);
    hex[12] = '4';                   // version 4
    hex[16] = "89ab"[rng.below(4)];  // RFC 4122 variant
    bool upper = !v.empty() && v.find_first_of("abcdef") == std::string_view::npos &&
                 v.find_first_of("ABCDEF") != std::string_view::npos;
    std::string out = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
                      hex.substr(16, 4) + "-" + hex.substr(20);
    if (upper) {
      for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    result.append(out);
    return true;
  }

 private:
  Out permuted(std::string_view v, std::string& result) const {
    size_t hex_count = 0;
    for (char c : v) {
      if (std::isxdigit(static_cast<unsigned char>(c))) {
        ++hex_count;
      } else if (c != '-' && c != '{' && c != '}') {
        return not_a("a UUID", v);
      }
    }
    if (hex_count != 32) return not_a("a UUID", v);
    // The version and variant digits are kept so that a valid UUID stays one. permute_shape on
    // the hex class would change them, so they are cut out and put back.
    std::string hex;
    std::vector<size_t> pos;
    for (size_t i = 0; i < v.size(); ++i) {
      if (std::isxdigit(static_cast<unsigned char>(v[i]))) pos.push_back(i);
    }
    for (size_t i = 0; i < 32; ++i) {
      if (i != 12 && i != 16) hex.push_back(v[pos[i]]);
    }
    std::string permuted = permute_shape(hex, CharSet::hex, cipher_);
    std::string out(v);
    for (size_t i = 0, j = 0; i < 32; ++i) {
      if (i == 12 || i == 16) continue;
      out[pos[i]] = permuted[j++];
    }
    // The kept digits follow the case the permutation chose for the rest.
    bool upper = permuted.find_first_of("ABCDEF") != std::string::npos;
    bool lower = permuted.find_first_of("abcdef") != std::string::npos;
    for (size_t i : {pos[12], pos[16]}) {
      auto c = static_cast<unsigned char>(out[i]);
      if (upper && !lower) out[i] = static_cast<char>(std::toupper(c));
      if (!upper) out[i] = static_cast<char>(std::tolower(c));
    }
    result.append(out);
    return true;
  }
};

}  // namespace

bool parse_ipv4(std::string_view text, unsigned char out[4]) {
  // glibc's inet_pton4, step for step, the current octet in a register; a NUL ends the text, as
  // it ends inet_pton's C string.
  unsigned char tmp[4] = {};
  unsigned octet = 0;
  int octets = 0;
  bool saw_digit = false;
  for (char c : text) {
    if (c == '\0') break;
    if (c >= '0' && c <= '9') {
      if (saw_digit && octet == 0) return false;  // a leading zero
      octet = octet * 10 + static_cast<unsigned>(c - '0');
      if (octet > 255) return false;
      if (!saw_digit) {
        if (++octets > 4) return false;
        saw_digit = true;
      }
    } else if (c == '.' && saw_digit) {
      if (octets == 4) return false;
      tmp[octets - 1] = static_cast<unsigned char>(octet);
      octet = 0;
      saw_digit = false;
    } else {
      return false;
    }
  }
  if (octets < 4) return false;
  tmp[3] = static_cast<unsigned char>(octet);
  std::memcpy(out, tmp, 4);
  return true;
}

namespace {

// Dotted-quad text for an IPv4 address; glibc's inet_ntop goes through snprintf, which was most
// of this transformer's time.
void append_ipv4(std::string& out, const unsigned char b[4]) {
  char text[16];
  char* p = text;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) *p++ = '.';
    p = std::to_chars(p, text + sizeof text, b[i]).ptr;
  }
  out.append(text, static_cast<size_t>(p - text));
}

class Ip final : public Identifier {
 public:
  using Identifier::Identifier;
  Out transform_to(std::string_view v, std::string& out) const override {
    if (!unique()) return transform_with_rng_for(v, out);
    return address(v, nullptr, out);  // unique mode draws nothing
  }
  Status mask_batch(const ValueBatch& in, MaskedBatch& out) const override {
    return unique() ? Transformer::mask_batch(in, out) : mask_batch_seeded(*this, in, out);
  }
  Out transform_seeded(std::string_view v, Rng& rng, std::string& out) const override {
    return address(v, &rng, out);
  }

 private:
  // `rng`: the generator of the non-unique mode (nullptr in unique mode).
  Out address(std::string_view v, Rng* rng, std::string& out) const {
    // A CIDR suffix (PostgreSQL inet/cidr) is kept; only the address changes.
    size_t slash = v.find('/');
    std::string_view addr = v.substr(0, slash);
    std::string_view suffix = slash == std::string_view::npos ? "" : v.substr(slash);
    char text[INET6_ADDRSTRLEN];  // inet_pton reads a C string
    unsigned char bytes[16];
    int family = 0;
    size_t len = 0;
    if (addr.size() < sizeof text) {
      if (parse_ipv4(addr, bytes)) {
        family = AF_INET;
        len = 4;
      } else {
        std::memcpy(text, addr.data(), addr.size());
        text[addr.size()] = '\0';
        if (inet_pton(AF_INET6, text, bytes) == 1) {
          family = AF_INET6;
          len = 16;
        }
      }
    }
    if (family == 0) {
      if (unique()) return not_a("an IP address", v);
      family = AF_INET;
      len = 4;
      suffix = "";
    }
    if (unique()) {
      std::vector<uint32_t> digits(bytes, bytes + len);
      cipher_.permute(digits, std::vector<uint32_t>(len, 256));
      for (size_t i = 0; i < len; ++i) bytes[i] = static_cast<unsigned char>(digits[i]);
    } else {
      for (size_t i = 0; i < len; ++i) bytes[i] = static_cast<unsigned char>(rng->below(256));
    }
    if (family == AF_INET) {
      append_ipv4(out, bytes);
    } else {
      if (inet_ntop(family, bytes, text, sizeof text) == nullptr) return not_a("an IP address", v);
      out.append(text);
    }
    out.append(suffix);
    return true;
  }
};

template <typename T>
Result<TransformerPtr> no_options(const TransformerSpec& s, const MaskKeys& k) {
  Options o(s);
  TRY(o.finish());
  return TransformerPtr(std::make_unique<T>(s, k));
}

}  // namespace

char luhn_check_digit(std::string_view payload) {
  int sum = 0;
  bool twice = true;  // the digit next to the check digit is doubled
  for (size_t i = payload.size(); i-- > 0;) {
    int d = payload[i] - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string iban_check_digits(std::string_view country, std::string_view bban) {
  // ISO 7064 MOD 97-10 over BBAN + country + "00", letters as 10..35, computed piecewise.
  std::string text = std::string(bban) + std::string(country) + "00";
  int mod = 0;
  for (char c : text) {
    auto u = static_cast<unsigned char>(std::toupper(static_cast<unsigned char>(c)));
    if (std::isdigit(u)) {
      mod = (mod * 10 + (u - '0')) % 97;
    } else {
      mod = (mod * 100 + (u - 'A' + 10)) % 97;
    }
  }
  return fmt::format("{:02d}", 98 - mod);
}

Result<TransformerPtr> make_phone_number(const TransformerSpec& s, const MaskKeys& k) {
  return no_options<Phone>(s, k);
}
Result<TransformerPtr> make_credit_card(const TransformerSpec& s, const MaskKeys& k) {
  return no_options<CreditCard>(s, k);
}
Result<TransformerPtr> make_iban(const TransformerSpec& s, const MaskKeys& k) {
  return no_options<Iban>(s, k);
}
Result<TransformerPtr> make_uuid(const TransformerSpec& s, const MaskKeys& k) {
  return no_options<Uuid>(s, k);
}
Result<TransformerPtr> make_ip(const TransformerSpec& s, const MaskKeys& k) {
  return no_options<Ip>(s, k);
}

}  // namespace dbtwin::pipeline::detail
