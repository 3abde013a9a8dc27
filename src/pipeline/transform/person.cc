// Fake-data transformers: names, e-mail addresses, user names, postal addresses, cities,
// countries and companies. Deterministic mode picks from the lists with the keyed generator, so
// the same input always gets the same fake value.
#include <cctype>

#include "pipeline/transform/fake_data.h"
#include "pipeline/transform/families.h"
#include "pipeline/transform/options.h"
#include "pipeline/transform/text_shape.h"

namespace dbtwin::pipeline::detail {
namespace {

using Out = Result<std::optional<std::string>>;
using List = std::vector<std::string>;

const std::string& pick(const List& list, Rng& rng) {
  return list[rng.below(list.size())];
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A transformer whose output is a function of a generator seeded by the value.
template <typename Make>
class Picker final : public Transformer {
 public:
  Picker(const TransformerSpec& s, const MaskKeys& k, Make make)
      : Transformer(s, k), make_(std::move(make)) {}
  Out transform(std::string_view v) const override {
    Rng rng = rng_for(v);
    return std::optional<std::string>(make_(rng));
  }

 private:
  Make make_;
};

template <typename Make>
Result<TransformerPtr> picker(const TransformerSpec& s, const MaskKeys& k, Make make) {
  Options o(s);
  TRY(o.finish());
  return TransformerPtr(std::make_unique<Picker<Make>>(s, k, std::move(make)));
}

// Unique mode permutes the letters and digits of the value; otherwise a fake value is made.
template <typename Make>
class PermuteOrPick final : public Transformer {
 public:
  PermuteOrPick(const TransformerSpec& s, const MaskKeys& k, Make make)
      : Transformer(s, k), cipher_(k.key, s.name), make_(std::move(make)) {}
  Out transform(std::string_view v) const override {
    if (unique()) return std::optional<std::string>(permute(v));
    Rng rng = rng_for(v);
    return std::optional<std::string>(make_(v, rng));
  }

 private:
  std::string permute(std::string_view v) const {
    if (name() != "email") return permute_shape(v, CharSet::alnum, cipher_);
    // The domain is kept: distinct addresses differ in the local part or in the domain, and
    // the permutation is a bijection on local parts, so they stay distinct.
    size_t at = v.rfind('@');
    if (at == std::string_view::npos) return permute_shape(v, CharSet::alnum, cipher_);
    std::string out = permute_shape(v.substr(0, at), CharSet::alnum, cipher_);
    return out.append(v.substr(at));
  }
  FormatCipher cipher_;
  Make make_;
};

template <typename Make>
Result<TransformerPtr> permute_or_pick(const TransformerSpec& s, const MaskKeys& k, Make make) {
  Options o(s);
  TRY(o.finish());
  return TransformerPtr(std::make_unique<PermuteOrPick<Make>>(s, k, std::move(make)));
}

}  // namespace

Result<TransformerPtr> make_first_name(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k, [](Rng& r) { return pick(fake::first_names(), r); });
}

Result<TransformerPtr> make_last_name(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k, [](Rng& r) { return pick(fake::last_names(), r); });
}

Result<TransformerPtr> make_full_name(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k, [](Rng& r) {
    std::string first = pick(fake::first_names(), r);
    return first + " " + pick(fake::last_names(), r);
  });
}

Result<TransformerPtr> make_city(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k, [](Rng& r) { return pick(fake::cities(), r); });
}

Result<TransformerPtr> make_country(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k, [](Rng& r) { return pick(fake::countries(), r); });
}

Result<TransformerPtr> make_address(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k, [](Rng& r) {
    int64_t number = r.between(1, 999);
    return fmt::format("{} {}", number, pick(fake::streets(), r));
  });
}

Result<TransformerPtr> make_company(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k, [](Rng& r) {
    std::string out = pick(fake::company_words(), r);
    out.append(" ").append(pick(fake::company_kinds(), r));
    return out.append(" ").append(pick(fake::company_suffixes(), r));
  });
}

Result<TransformerPtr> make_email(const TransformerSpec& s, const MaskKeys& k) {
  return permute_or_pick(s, k, [](std::string_view, Rng& r) {
    std::string first = lower(pick(fake::first_names(), r));
    std::string last = lower(pick(fake::last_names(), r));
    int64_t n = r.between(1, 999);
    return fmt::format("{}.{}{}@{}", first, last, n, pick(fake::email_domains(), r));
  });
}

Result<TransformerPtr> make_username(const TransformerSpec& s, const MaskKeys& k) {
  return permute_or_pick(s, k, [](std::string_view, Rng& r) {
    std::string first = lower(pick(fake::first_names(), r));
    std::string last = lower(pick(fake::last_names(), r));
    return fmt::format("{}{}{}", first, last.substr(0, 1), r.between(10, 9999));
  });
}

}  // namespace dbtwin::pipeline::detail
