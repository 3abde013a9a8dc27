// Transformers that work on the characters of any text: transient, random, keep-first-char,
// redacted, mask, null, constant, hash and regex-replace.
#include <regex>

#include "pipeline/transform/families.h"
#include "pipeline/transform/options.h"
#include "pipeline/transform/text_shape.h"

namespace dbtwin::pipeline::detail {
namespace {

using Out = Result<bool>;

// No byte that a row format escapes: no backslash, no control character.
bool is_plain(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\') return false;
  }
  return true;
}

class Transient final : public Transformer {
 public:
  bool keeps_plain() const override { return true; }
  using Transformer::Transformer;
  Out transform_to(std::string_view v, std::string& out) const override {
    out.append(v);
    return true;
  }
};

class Random final : public Transformer {
 public:
  bool keeps_plain() const override { return true; }
  Random(const TransformerSpec& s, const MaskKeys& k) : Transformer(s, k), cipher_(k.key, s.name) {}
  Out transform_to(std::string_view v, std::string& out) const override {
    if (!unique()) return transform_with_rng_for(v, out);
    permute_shape_to(v, CharSet::alnum, cipher_, out);
    return true;
  }
  Status mask_batch(const ValueBatch& in, MaskedBatch& out) const override {
    if (!unique()) return mask_batch_seeded(*this, in, out);
    permute_values(in, CharSet::alnum, cipher_, out);
    return {};
  }
  Out transform_seeded(std::string_view v, Rng& rng, std::string& out) const override {
    randomize_shape_to(v, CharSet::alnum, rng, out);
    return true;
  }

 private:
  FormatCipher cipher_;
};

class KeepFirstChar final : public Transformer {
 public:
  bool keeps_plain() const override { return true; }
  using Transformer::Transformer;
  Out transform_to(std::string_view v, std::string& out) const override {
    return transform_with_rng_for(v, out);
  }
  Status mask_batch(const ValueBatch& in, MaskedBatch& out) const override {
    return mask_batch_seeded(*this, in, out);
  }
  Out transform_seeded(std::string_view v, Rng& rng, std::string& out) const override {
    auto cps = code_points(v);
    if (cps.empty()) return true;
    size_t first = cps[0].size();
    out.append(v.substr(0, first));
    randomize_shape_to(v.substr(first), CharSet::alnum, rng, out);
    return true;
  }
};

// Keeps the first `keep` code points and appends `width` characters (RepliByte's redacted:
// "1234 1234" -> "123******"). Values no longer than `keep` are replaced entirely.
class Redacted final : public Transformer {
 public:
  bool keeps_plain() const override { return is_plain(ch_); }
  Redacted(const TransformerSpec& s, const MaskKeys& k, std::string ch, int64_t width, int64_t keep)
      : Transformer(s, k), ch_(std::move(ch)), width_(width), keep_(keep) {}
  Out transform_to(std::string_view v, std::string& out) const override {
    auto cps = code_points(v);
    size_t keep = cps.size() > static_cast<size_t>(keep_) ? static_cast<size_t>(keep_) : 0;
    for (size_t i = 0; i < keep; ++i) out.append(cps[i]);
    size_t width = width_ >= 0 ? static_cast<size_t>(width_) : cps.size() - keep;
    for (size_t i = 0; i < width; ++i) out.append(ch_);
    return true;
  }

 private:
  std::string ch_;
  int64_t width_;  // -1: as many as the characters replaced
  int64_t keep_;
};

// Keeps keep_first and keep_last code points and masks the middle; when the value is too short
// to keep both ends and still hide something, everything is masked.
class Mask final : public Transformer {
 public:
  bool keeps_plain() const override { return is_plain(ch_); }
  Mask(const TransformerSpec& s, const MaskKeys& k, std::string ch, size_t first, size_t last)
      : Transformer(s, k), ch_(std::move(ch)), first_(first), last_(last) {}
  Out transform_to(std::string_view v, std::string& out) const override {
    auto cps = code_points(v);
    size_t first = first_, last = last_;
    if (first + last >= cps.size()) first = last = 0;
    for (size_t i = 0; i < cps.size(); ++i) {
      bool kept = i < first || i >= cps.size() - last;
      out.append(kept ? cps[i] : std::string_view(ch_));
    }
    return true;
  }

 private:
  std::string ch_;
  size_t first_, last_;
};

class Null final : public Transformer {
 public:
  using Transformer::Transformer;
  Out transform_to(std::string_view, std::string&) const override { return false; }
};

class Constant final : public Transformer {
 public:
  bool keeps_plain() const override { return !value_ || is_plain(*value_); }
  Constant(const TransformerSpec& s, const MaskKeys& k, std::optional<std::string> value)
      : Transformer(s, k), value_(std::move(value)) {}
  Out null_to(std::string& out) const override {
    if (!value_) return false;
    out.append(*value_);
    return true;
  }
  Out transform_to(std::string_view, std::string& out) const override { return null_to(out); }

 private:
  std::optional<std::string> value_;
};

// Always keyed, in either mode: an unkeyed hash of a low-entropy value (a phone number) is
// reversible by trying every candidate.
class Hash final : public Transformer {
 public:
  bool keeps_plain() const override { return true; }
  Hash(const TransformerSpec& s, const MaskKeys& k, size_t length)
      : Transformer(s, k), length_(length) {}
  Out transform_to(std::string_view v, std::string& out) const override {
    unsigned char digest[64];
    digest64(v, digest);
    static constexpr char kHex[] = "0123456789abcdef";
    for (size_t i = 0; i < length_; ++i) {
      unsigned char b = digest[i / 2];
      out.push_back(kHex[i % 2 == 0 ? b >> 4 : b & 0xf]);
    }
    return true;
  }

 private:
  void digest64(std::string_view v, unsigned char out[64]) const {
    unsigned char a[32], b[32];
    keyed_hash(keys().key, {"hash", v}, a);
    keyed_hash(keys().key, {"hash2", v}, b);
    std::copy(a, a + 32, out);
    std::copy(b, b + 32, out + 32);
  }
  size_t length_;
};

class RegexReplace final : public Transformer {
 public:
  RegexReplace(const TransformerSpec& s, const MaskKeys& k, std::regex re, std::string repl)
      : Transformer(s, k), re_(std::move(re)), repl_(std::move(repl)) {}
  Out transform_to(std::string_view v, std::string& out) const override {
    std::regex_replace(std::back_inserter(out), v.begin(), v.end(), re_, repl_);
    return true;
  }

 private:
  std::regex re_;  // compiled once; std::regex matching is const and thread-safe
  std::string repl_;
};

template <typename T>
Result<TransformerPtr> without_options(const TransformerSpec& s, const MaskKeys& k) {
  Options o(s);
  TRY(o.finish());
  return TransformerPtr(std::make_unique<T>(s, k));
}

Result<std::string> one_character(Options& o, const char* key) {
  std::string ch = TRY(o.text(key, "*"));
  if (ch.empty() || code_points(ch).size() != 1) return o.bad(key, "must be one character");
  if (ch == "\t" || ch == "\n") return o.bad(key, "must be printable");
  return ch;
}

}  // namespace

Result<TransformerPtr> make_transient(const TransformerSpec& s, const MaskKeys& k) {
  return without_options<Transient>(s, k);
}
Result<TransformerPtr> make_random(const TransformerSpec& s, const MaskKeys& k) {
  return without_options<Random>(s, k);
}
Result<TransformerPtr> make_keep_first_char(const TransformerSpec& s, const MaskKeys& k) {
  return without_options<KeepFirstChar>(s, k);
}
Result<TransformerPtr> make_null(const TransformerSpec& s, const MaskKeys& k) {
  return without_options<Null>(s, k);
}

Result<TransformerPtr> make_redacted(const TransformerSpec& s, const MaskKeys& k) {
  Options o(s);
  std::string ch = TRY(one_character(o, "character"));
  int64_t width = TRY(o.integer("width", -1, 0, 1 << 20));
  int64_t keep = TRY(o.integer("keep", 3, 0, 1 << 20));
  TRY(o.finish());
  return TransformerPtr(std::make_unique<Redacted>(s, k, ch, width, keep));
}

Result<TransformerPtr> make_mask(const TransformerSpec& s, const MaskKeys& k) {
  Options o(s);
  std::string ch = TRY(one_character(o, "character"));
  int64_t first = TRY(o.integer("keep_first", 0, 0, 1 << 20));
  int64_t last = TRY(o.integer("keep_last", 0, 0, 1 << 20));
  TRY(o.finish());
  return TransformerPtr(std::make_unique<Mask>(s, k, ch, first, last));
}

Result<TransformerPtr> make_constant(const TransformerSpec& s, const MaskKeys& k) {
  if (!s.options.is_object() || !s.options.contains("value")) {
    return err(Errc::invalid_argument, "transformer constant: option value is required");
  }
  Options o(s);
  std::optional<std::string> value = TRY(o.optional_text("value"));
  TRY(o.finish());
  return TransformerPtr(std::make_unique<Constant>(s, k, std::move(value)));
}

Result<TransformerPtr> make_hash(const TransformerSpec& s, const MaskKeys& k) {
  Options o(s);
  int64_t length = TRY(o.integer("length", 32, 8, 128));
  TRY(o.finish());
  return TransformerPtr(std::make_unique<Hash>(s, k, static_cast<size_t>(length)));
}

Result<TransformerPtr> make_regex_replace(const TransformerSpec& s, const MaskKeys& k) {
  Options o(s);
  auto pattern = TRY(o.optional_text("pattern"));
  std::string repl = TRY(o.text("replacement", ""));
  TRY(o.finish());
  if (!pattern) return o.bad("pattern", "is required");
  try {
    std::regex re(*pattern, std::regex::ECMAScript | std::regex::optimize);
    return TransformerPtr(std::make_unique<RegexReplace>(s, k, std::move(re), std::move(repl)));
  } catch (const std::regex_error& e) {
    return o.bad("pattern", fmt::format("is not a valid regular expression ({})", e.what()));
  }
}

}  // namespace dbtwin::pipeline::detail
