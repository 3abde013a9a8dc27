// A transformer rewrites one column value. Each is built once per rule from its options and then
// shared by every worker thread, so apply() is const and thread-safe.
#pragma once

#include <algorithm>
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

// A group of one column's values, masked together (a batch of rows at a time).
struct ValueBatch {
  const std::string_view* values = nullptr;
  const uint8_t* nulls = nullptr;  // nonzero for NULL (its view is then empty)
  size_t size = 0;
};

// The outputs of a batch: value i's bytes end at ends[i] in `bytes`; nulls[i] for NULL.
struct MaskedBatch {
  std::string bytes;
  std::vector<size_t> ends;
  std::vector<uint8_t> nulls;

  void clear() {
    bytes.clear();
    ends.clear();
    nulls.clear();
  }
  std::string_view at(size_t i) const {
    size_t from = i == 0 ? 0 : ends[i - 1];
    return std::string_view(bytes).substr(from, ends[i] - from);
  }
  // Records the output that `bytes` ends with now (from `from`), or NULL (cut back to `from`).
  void close(size_t from, bool has_value) {
    if (!has_value) bytes.resize(from);
    ends.push_back(bytes.size());
    nulls.push_back(has_value ? 0 : 1);
  }
};

class Transformer {
 public:
  Transformer(const TransformerSpec& spec, const MaskKeys& keys)
      : name_(spec.name),
        deterministic_(spec.deterministic),
        unique_(spec.unique),
        keys_(keys),
        prf_(keys.key, spec.name) {}
  virtual ~Transformer() = default;

  // Appends the new value's bytes to `out` and returns true, or returns false for NULL. NULL
  // input stays NULL unless the transformer says otherwise. The input is a view, so that the
  // masker hands over a field in place when it has no escapes to decode, and the output goes
  // into the caller's buffer, so that masking allocates nothing per value. After an error, or
  // for NULL, the bytes of `out` past its old size are unspecified: the caller cuts them off.
  Result<bool> apply_to(std::optional<std::string_view> value, std::string& out) const {
    return value ? transform_to(*value, out) : null_to(out);
  }
  // apply_to for a non-NULL value and for NULL: the masker's calls, which pass no optional (one
  // passed by value goes through the stack, and its load missed store forwarding on every value).
  Result<bool> mask_to(std::string_view value, std::string& out) const {
    return transform_to(value, out);
  }
  Result<bool> mask_null_to(std::string& out) const { return null_to(out); }

  // Masks every value of `in`, appending to `out` (cleared by the caller) what apply_to gives
  // for each, in order. The same outputs as one value at a time; transformers that draw from
  // rng_for(value) compute the keyed hashes of the whole batch together.
  virtual Status mask_batch(const ValueBatch& in, MaskedBatch& out) const;

  // The same as a string of its own; nullopt is NULL.
  Result<std::optional<std::string>> apply(std::optional<std::string_view> value) const;

  const std::string& name() const { return name_; }

  // True when every output byte that a row format escapes (a backslash, or a control character)
  // came from the input: an output of an input with none needs no escaping, and the masker
  // skips looking. Fake values, digits and letters drawn in the input's shape qualify.
  virtual bool keeps_plain() const { return false; }

 protected:
  // Transforms a non-NULL value, as apply_to does.
  virtual Result<bool> transform_to(std::string_view value, std::string& out) const = 0;
  // The output for NULL: NULL (false) unless the transformer says otherwise.
  virtual Result<bool> null_to(std::string& /*out*/) const { return false; }

  // For a transformer whose output for a non-NULL value is a function of the value and of
  // rng_for(value) alone: that function. Such a transformer's transform_to is
  // transform_with_rng_for() and its mask_batch is mask_batch_seeded().
  virtual Result<bool> transform_seeded(std::string_view value, Rng& rng, std::string& out) const;
  Result<bool> transform_with_rng_for(std::string_view value, std::string& out) const {
    Rng rng = rng_for(value);
    return transform_seeded(value, rng, out);
  }
  // mask_batch through `self`'s transform_seeded (called directly, so that it inlines into the
  // loop), with the generators of deterministic mode seeded from hashes computed eight lanes at
  // a time.
  template <typename Self>
  Status mask_batch_seeded(const Self& self, const ValueBatch& in, MaskedBatch& out) const {
    if (!deterministic_) return mask_batch_unseeded(in, out);
    constexpr size_t kGroup = 64;  // no heap use per batch
    uint64_t seeds[kGroup][2];
    for (size_t base = 0; base < in.size; base += kGroup) {
      size_t n = std::min(kGroup, in.size - base);
      prf_.hash_many(in.values + base, n, seeds);
      for (size_t i = 0; i < n; ++i) {
        size_t from = out.bytes.size();
        bool has_value;
        if (in.nulls[base + i]) {
          has_value = TRY(null_to(out.bytes));
        } else {
          Rng rng = ShortPrf::rng_from_hash(seeds[i]);
          has_value = TRY(self.Self::transform_seeded(in.values[base + i], rng, out.bytes));
        }
        out.close(from, has_value);
      }
    }
    return {};
  }
  // The same without a secret: a generator per value from this thread's.
  Status mask_batch_unseeded(const ValueBatch& in, MaskedBatch& out) const;

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
