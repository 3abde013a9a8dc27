// Fake-data transformers: names, e-mail addresses, user names, postal addresses, cities,
// countries and companies. Deterministic mode picks from the lists with the keyed generator, so
// the same input always gets the same fake value.
#include <cctype>
#include <charconv>

#include "pipeline/transform/fake_data.h"
#include "pipeline/transform/families.h"
#include "pipeline/transform/options.h"
#include "pipeline/transform/text_shape.h"

namespace dbtwin::pipeline::detail {
namespace {

using Out = Result<bool>;
using List = std::vector<std::string>;

const std::string& pick(const List& list, Rng& rng) {
  return list[rng.below(list.size())];
}

void append_lower(std::string& out, std::string_view s) {
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
}

void append_number(std::string& out, int64_t n) {
  char text[24];
  char* end = std::to_chars(text, text + sizeof text, n).ptr;
  out.append(text, static_cast<size_t>(end - text));
}

// A transformer whose output is a function of a generator seeded by the value: `make(rng, out)`
// appends it.
template <typename Make>
class Picker final : public Transformer {
 public:
  bool keeps_plain() const override { return true; }
  Picker(const TransformerSpec& s, const MaskKeys& k, Make make)
      : Transformer(s, k), make_(std::move(make)) {}
  Out transform_to(std::string_view v, std::string& out) const override {
    return transform_with_rng_for(v, out);
  }
  Status mask_batch(const ValueBatch& in, MaskedBatch& out) const override {
    return mask_batch_seeded(*this, in, out);
  }
  Out transform_seeded(std::string_view, Rng& rng, std::string& out) const override {
    make_(rng, out);
    return true;
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
  bool keeps_plain() const override { return true; }
  PermuteOrPick(const TransformerSpec& s, const MaskKeys& k, Make make)
      : Transformer(s, k), cipher_(k.key, s.name), make_(std::move(make)) {}
  Out transform_to(std::string_view v, std::string& out) const override {
    if (!unique()) return transform_with_rng_for(v, out);
    permute(v, out);
    return true;
  }
  Status mask_batch(const ValueBatch& in, MaskedBatch& out) const override {
    if (!unique()) return mask_batch_seeded(*this, in, out);
    // As permute() below, for the whole batch at once.
    permute_values(in, CharSet::alnum, cipher_, out,
                   name() == "email" ? std::optional<char>('@') : std::nullopt);
    return {};
  }
  Out transform_seeded(std::string_view, Rng& rng, std::string& out) const override {
    make_(rng, out);
    return true;
  }

 private:
  void permute(std::string_view v, std::string& out) const {
    if (name() != "email") return permute_shape_to(v, CharSet::alnum, cipher_, out);
    // The domain is kept: distinct addresses differ in the local part or in the domain, and
    // the permutation is a bijection on local parts, so they stay distinct.
    size_t at = v.rfind('@');
    if (at == std::string_view::npos) return permute_shape_to(v, CharSet::alnum, cipher_, out);
    permute_shape_to(v.substr(0, at), CharSet::alnum, cipher_, out);
    out.append(v.substr(at));
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

// The draws of each generator below come in a fixed order (the order of the output's parts):
// changing it would change every deterministic mask made with the same secret. The lists are
// captured once: fetching a function-local static costs a guard check per value.

Result<TransformerPtr> make_first_name(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k, [&first_names = fake::first_names()](Rng& r, std::string& out) {
    out.append(pick(first_names, r));
  });
}

Result<TransformerPtr> make_last_name(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k, [&last_names = fake::last_names()](Rng& r, std::string& out) {
    out.append(pick(last_names, r));
  });
}

Result<TransformerPtr> make_full_name(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k,
                [&first_names = fake::first_names(), &last_names = fake::last_names()](
                    Rng& r, std::string& out) {
                  out.append(pick(first_names, r)).append(" ");
                  out.append(pick(last_names, r));
                });
}

Result<TransformerPtr> make_city(const TransformerSpec& s, const MaskKeys& k) {
  return picker(
      s, k, [&cities = fake::cities()](Rng& r, std::string& out) { out.append(pick(cities, r)); });
}

Result<TransformerPtr> make_country(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k, [&countries = fake::countries()](Rng& r, std::string& out) {
    out.append(pick(countries, r));
  });
}

Result<TransformerPtr> make_address(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k, [&streets = fake::streets()](Rng& r, std::string& out) {
    append_number(out, r.between(1, 999));
    out.append(" ").append(pick(streets, r));
  });
}

Result<TransformerPtr> make_company(const TransformerSpec& s, const MaskKeys& k) {
  return picker(s, k,
                [&company_words = fake::company_words(), &company_kinds = fake::company_kinds(),
                 &company_suffixes = fake::company_suffixes()](Rng& r, std::string& out) {
                  out.append(pick(company_words, r)).append(" ");
                  out.append(pick(company_kinds, r)).append(" ");
                  out.append(pick(company_suffixes, r));
                });
}

Result<TransformerPtr> make_email(const TransformerSpec& s, const MaskKeys& k) {
  return permute_or_pick(s, k,
                         [&first_names = fake::first_names(), &last_names = fake::last_names(),
                          &email_domains = fake::email_domains()](Rng& r, std::string& out) {
                           append_lower(out, pick(first_names, r));
                           out.push_back('.');
                           append_lower(out, pick(last_names, r));
                           append_number(out, r.between(1, 999));
                           out.push_back('@');
                           out.append(pick(email_domains, r));
                         });
}

Result<TransformerPtr> make_username(const TransformerSpec& s, const MaskKeys& k) {
  return permute_or_pick(s, k,
                         [&first_names = fake::first_names(), &last_names = fake::last_names()](
                             Rng& r, std::string& out) {
                           append_lower(out, pick(first_names, r));
                           const std::string& last = pick(last_names, r);
                           append_lower(out, std::string_view(last).substr(0, 1));
                           append_number(out, r.between(10, 9999));
                         });
}

}  // namespace dbtwin::pipeline::detail
