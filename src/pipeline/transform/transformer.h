// A transformer rewrites one column value. Each is built once per rule from its options and then
// shared by every worker thread, so apply() is const and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "pipeline/transform/rng.h"

namespace dbtwin::pipeline {

// One rule's transformer as the rules file names it.
struct TransformerSpec {
  std::string name;
  nlohmann::json options = nlohmann::json::object();
  bool deterministic = true;
  bool unique = false;
};

// The key material every transformer of one rule set shares. `key` derives from the secret, or is
// random for a run without one (then only non-deterministic rules exist).
struct MaskKeys {
  MaskKey key{};
  bool from_secret = false;
};
// Derives the keys from the user's secret (any length; validated by the rules parser).
MaskKeys keys_from_secret(std::string_view secret);
// A random key for runs without a secret.
MaskKeys random_keys();

class Transformer {
 public:
  Transformer(const TransformerSpec& spec, const MaskKeys& keys)
      : name_(spec.name),
        deterministic_(spec.deterministic),
        unique_(spec.unique),
        keys_(keys),
        prf_(keys.key, spec.name) {}
  virtual ~Transformer() = default;

  // The new value; nullopt is NULL. NULL input stays NULL unless the transformer says otherwise.
  // A view, so that the masker hands over a field in place when it has no escapes to decode.
  virtual Result<std::optional<std::string>> apply(std::optional<std::string_view> value) const;

  const std::string& name() const { return name_; }

 protected:
  // Transforms a non-NULL value.
  virtual Result<std::optional<std::string>> transform(std::string_view value) const = 0;

  // The generator for one value: keyed by (name, value) in deterministic mode, so equal inputs
  // give equal outputs in every table and run; a fast per-thread generator otherwise.
  Rng rng_for(std::string_view value) const;
  bool unique() const { return unique_; }
  const MaskKeys& keys() const { return keys_; }

 private:
  std::string name_;
  bool deterministic_;
  bool unique_;
  MaskKeys keys_;
  ShortPrf prf_;  // keyed by the transformer's name, so equal values mask equally across tables
};

struct TransformerDoc {
  std::string name;
  std::string description;  // one line
  std::string options;      // e.g. "character (default '*'), width (default: the value's length)"
  bool deterministic_ok = true;
  bool unique_ok = false;
};

// Builds the transformer a spec names; invalid_argument for an unknown name, a bad or unknown
// option, or `unique` on a transformer that cannot be a bijection.
Result<std::unique_ptr<Transformer>> make_transformer(const TransformerSpec& spec,
                                                      const MaskKeys& keys);

// Every transformer, sorted by name, for `dbtwin transformers list` and the docs.
std::vector<TransformerDoc> transformer_docs();

// The registry's canonical name for `name` (resolving RepliByte's aliases), or nullopt.
std::optional<std::string> canonical_transformer_name(std::string_view name);

}  // namespace dbtwin::pipeline
