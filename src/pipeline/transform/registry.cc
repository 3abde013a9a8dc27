// The transformer registry: names (with RepliByte's spellings as aliases), documentation, and
// which modes each transformer supports.
#include <sodium.h>

#include <algorithm>

#include "pipeline/transform/families.h"
#include "pipeline/transform/transformer.h"

namespace dbtwin::pipeline {
namespace {

using detail::Factory;

struct Entry {
  TransformerDoc doc;
  Factory factory;
  std::vector<const char*> aliases;
};

const std::vector<Entry>& registry() {
  using namespace detail;  // NOLINT: the factories
  static const std::vector<Entry> entries = {
      {{"address", "a made-up street address: number, street name", "", true, false},
       make_address,
       {}},
      {{"city", "a made-up city name", "", true, false}, make_city, {}},
      {{"command", "pipes each value through a long-lived external program, one line per value",
        "argv (list; required)", false, false},
       make_command,
       {}},
      {{"company", "a made-up company name", "", true, false}, make_company, {}},
      {{"constant", "replaces every value (NULL too) with a fixed value",
        "value (string or null; required)", true, false},
       make_constant,
       {}},
      {{"country", "a country name", "", true, false}, make_country, {}},
      {{"credit-card", "a Luhn-valid card number with the input's digit count and separators", "",
        true, true},
       make_credit_card,
       {"card-number"}},
      {{"email",
        "a made-up address at an example domain; unique: the local part is permuted and "
        "the domain kept",
        "", true, true},
       make_email,
       {}},
      {{"first-name", "a made-up first name", "", true, false}, make_first_name, {}},
      {{"full-name", "a made-up first and last name", "", true, false}, make_full_name, {}},
      {{"hash", "hexadecimal keyed BLAKE2b of the value",
        "length (hex characters, 8-128; "
        "default 32)",
        true, false},
       make_hash,
       {}},
      {{"iban", "an IBAN with the same country and shape and valid check digits", "", true, true},
       make_iban,
       {}},
      {{"ip", "an IP address of the same family (IPv4 or IPv6)", "", true, true}, make_ip, {}},
      {{"json-path", "applies a transformer to the values a path selects inside a JSON document",
        "path (e.g. $.a.b, $.items[*].email; required), apply (the transformer; required), options",
        true, false},
       make_json_path,
       {}},
      {{"keep-first-char", "keeps the first character and randomizes the rest like random", "",
        true, false},
       make_keep_first_char,
       {}},
      {{"last-name", "a made-up last name", "", true, false}, make_last_name, {}},
      {{"mask", "replaces the middle with a character, keeping a few characters at each end",
        "keep_first (default 0), keep_last (default 0), character (default '*')", true, false},
       make_mask,
       {}},
      {{"noise",
        "moves a number by up to ±spread of its value (keeping its decimal places) or a "
        "date by up to ±days",
        "spread (default 0.1), min, max, days (default 30)", true, false},
       make_noise,
       {}},
      {{"null", "replaces every value with NULL", "", true, false}, make_null, {}},
      {{"phone-number", "keeps the format and replaces every digit", "", true, true},
       make_phone_number,
       {}},
      {{"random",
        "same length and character classes: letters (keeping case) and digits "
        "replaced, everything else kept",
        "", true, true},
       make_random,
       {}},
      {{"random-date", "a valid date or date-time in the same format (ISO when unrecognised)",
        "min, max (YYYY-MM-DD; default 1970-01-01 and 2030-12-31)", true, false},
       make_random_date,
       {}},
      {{"redacted", "keeps the first characters and replaces the rest (RepliByte's redacted)",
        "character (default '*'), width (default: the rest's length), keep (default 3)", true,
        false},
       make_redacted,
       {}},
      {{"regex-replace",
        "replaces every match of a regular expression (ECMAScript; $1 in the "
        "replacement)",
        "pattern (required), replacement (default '')", true, false},
       make_regex_replace,
       {}},
      {{"transient", "leaves the value unchanged", "", true, true}, make_transient, {}},
      {{"username", "a made-up user name; unique: the value's letters and digits permuted", "",
        true, true},
       make_username,
       {}},
      {{"uuid",
        "a random version-4 UUID; unique: the hex digits permuted (version and variant "
        "kept)",
        "", true, true},
       make_uuid,
       {}},
  };
  return entries;
}

const Entry* find_entry(std::string_view name) {
  for (const Entry& e : registry()) {
    if (e.doc.name == name) return &e;
    for (const char* a : e.aliases) {
      if (name == a) return &e;
    }
  }
  return nullptr;
}

}  // namespace

MaskKeys keys_from_secret(std::string_view secret) {
  MaskKeys k;
  // A fixed context string separates these keys from any other use of the same secret.
  static constexpr std::string_view kContext = "dbtwin masking key v1";
  crypto_generichash(k.key.data(), k.key.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                     reinterpret_cast<const unsigned char*>(kContext.data()), kContext.size());
  k.from_secret = true;
  return k;
}

MaskKeys random_keys() {
  if (sodium_init() < 0) std::abort();  // libsodium cannot work at all: nothing sane to do
  MaskKeys k;
  randombytes_buf(k.key.data(), k.key.size());
  return k;
}

Result<std::optional<std::string>> Transformer::apply(std::optional<std::string_view> value) const {
  std::string out;
  bool has_value = TRY(apply_to(value, out));
  if (!has_value) return std::optional<std::string>();
  return std::optional<std::string>(std::move(out));
}

Status Transformer::mask_batch(const ValueBatch& in, MaskedBatch& out) const {
  for (size_t i = 0; i < in.size; ++i) {
    size_t from = out.bytes.size();
    bool has_value = TRY(in.nulls[i] ? null_to(out.bytes) : transform_to(in.values[i], out.bytes));
    out.close(from, has_value);
  }
  return {};
}

Result<bool> Transformer::transform_seeded(std::string_view, Rng&, std::string&) const {
  return err(Errc::internal, "transformer {} draws from no per-value generator", name_);
}

Status Transformer::mask_batch_unseeded(const ValueBatch& in, MaskedBatch& out) const {
  for (size_t i = 0; i < in.size; ++i) {
    size_t from = out.bytes.size();
    bool has_value =
        TRY(in.nulls[i] ? null_to(out.bytes) : transform_with_rng_for(in.values[i], out.bytes));
    out.close(from, has_value);
  }
  return {};
}

Rng Transformer::rng_for(std::string_view value) const {
  if (deterministic_) return prf_.rng(value);
  return thread_rng();
}

std::optional<std::string> canonical_transformer_name(std::string_view name) {
  const Entry* e = find_entry(name);
  if (e == nullptr) return std::nullopt;
  return e->doc.name;
}

Result<std::unique_ptr<Transformer>> make_transformer(const TransformerSpec& spec,
                                                      const MaskKeys& keys) {
  const Entry* e = find_entry(spec.name);
  if (e == nullptr) {
    return err(Errc::invalid_argument,
               "unknown transformer {} (dbtwin transformers list shows them all)", spec.name);
  }
  if (spec.unique && !e->doc.unique_ok) {
    return err(Errc::invalid_argument,
               "transformer {} cannot keep distinct values distinct (unique: true); use one of "
               "random, email, username, phone-number, credit-card, iban, uuid, ip",
               e->doc.name);
  }
  TransformerSpec canonical = spec;
  canonical.name = e->doc.name;
  return e->factory(canonical, keys);
}

std::vector<TransformerDoc> transformer_docs() {
  std::vector<TransformerDoc> out;
  for (const Entry& e : registry()) out.push_back(e.doc);
  std::sort(out.begin(), out.end(),
            [](const TransformerDoc& a, const TransformerDoc& b) { return a.name < b.name; });
  return out;
}

}  // namespace dbtwin::pipeline
