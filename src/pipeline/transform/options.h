// Reads a transformer's options from its spec, checking types and ranges and refusing options
// the transformer does not know, so a typo in the rules file is an error and not a silent no-op.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "pipeline/transform/transformer.h"

namespace dbtwin::pipeline {

class Options {
 public:
  explicit Options(const TransformerSpec& spec) : spec_(spec) {}

  Result<std::string> text(const std::string& key, std::string fallback);
  Result<std::optional<std::string>> optional_text(const std::string& key);
  Result<int64_t> integer(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  Result<std::optional<double>> number(const std::string& key);
  Result<std::vector<std::string>> text_list(const std::string& key);
  // The raw JSON of an option (nullopt when absent), e.g. a nested transformer's options.
  std::optional<nlohmann::json> raw(const std::string& key);
  // invalid_argument naming the first option no reader asked for.
  Status finish() const;
  // An error about this transformer's option `key`.
  Error bad(const std::string& key, const std::string& why) const;

 private:
  const nlohmann::json* find(const std::string& key);
  const TransformerSpec& spec_;
  std::set<std::string> seen_;
};

}  // namespace dbtwin::pipeline
