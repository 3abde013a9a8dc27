// Internal to the rules code: shared between parsing and validation.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "pipeline/rules.h"

namespace dbtwin::pipeline::detail {

// invalid_argument unless `pattern` is three dot-separated segments, each a name or '*'.
Status check_pattern(std::string_view pattern);

// Resolves the secret, derives the keys, builds every transformer once to validate it, refuses
// duplicate patterns, and computes the digest.
Status finish_rules(Rules& r,
                    const std::function<std::optional<std::string>(const std::string&)>& getenv);

}  // namespace dbtwin::pipeline::detail
