// Masking rules: which transformer rewrites which column, read from a YAML file (our format, or
// RepliByte's `transformers:` list so its users can bring their configuration).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "pipeline/subset.h"
#include "pipeline/transform/transformer.h"

namespace dbtwin::pipeline {

struct Rules {
  // Patterns "<schema-or-database>.<table>.<column>", each segment a name or '*', in file order.
  std::vector<std::pair<std::string, TransformerSpec>> columns;
  bool strict = false;        // refuse to dump a column no rule covers
  bool deterministic = true;  // the default mode of every rule
  std::string secret_env = "DBTWIN_MASK_SECRET";
  std::string secret;  // the resolved value; empty when none was needed or set
  MaskKeys keys;       // derived from the secret, or random without one
  SubsetSpec subset;
  std::string digest;  // "blake2b:<hex>" of the canonical rules (never of the secret)
};

// Parses and validates a rules document: every transformer is built once to check its options.
// invalid_argument naming the line for malformed YAML, an unknown key or transformer, bad
// options, a bad pattern, `unique` on a transformer that cannot keep values distinct, and a
// deterministic or unique rule without a secret.
Result<Rules> parse_rules(
    std::string_view yaml,
    const std::function<std::optional<std::string>(const std::string&)>& getenv);

// Reads and parses a rules file, with the secret from the process environment.
Result<Rules> load_rules(const std::filesystem::path& file);

// The rule for one column: the most specific matching pattern (a named column beats '*', then
// a named table, then a named schema). nullptr when no rule covers it.
const TransformerSpec* find_rule(const Rules& rules, std::string_view schema,
                                 std::string_view table, std::string_view column);

// True when `pattern` matches the column (segment by segment, '*' matching any name).
bool pattern_matches(std::string_view pattern, std::string_view schema, std::string_view table,
                     std::string_view column);

}  // namespace dbtwin::pipeline
