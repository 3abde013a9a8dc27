// Rules after parsing: pattern matching, the secret, validation of every transformer, and the
// digest that identifies a rule set in a dump's metadata.
#include "pipeline/rules.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "os/files.h"
#include "pipeline/rules_internal.h"

namespace dbtwin::pipeline {
namespace {

constexpr size_t kMinSecret = 16;

// Splits "a.b.c" into exactly three segments; false otherwise.
bool segments(std::string_view p, std::string_view out[3]) {
  size_t first = p.find('.');
  if (first == std::string_view::npos) return false;
  size_t second = p.find('.', first + 1);
  if (second == std::string_view::npos || p.find('.', second + 1) != std::string_view::npos) {
    return false;
  }
  out[0] = p.substr(0, first);
  out[1] = p.substr(first + 1, second - first - 1);
  out[2] = p.substr(second + 1);
  return true;
}

// Higher is more specific: a named column outweighs a named table, which outweighs a schema.
int specificity(std::string_view pattern) {
  std::string_view s[3];
  if (!segments(pattern, s)) return -1;
  return (s[0] != "*" ? 1 : 0) + (s[1] != "*" ? 2 : 0) + (s[2] != "*" ? 4 : 0);
}

// Transformers that use no randomness and so need no secret in any mode.
bool needs_key(const TransformerSpec& s) {
  static const std::set<std::string> keyless = {
      "transient", "null", "constant", "redacted", "mask", "regex-replace", "command"};
  if (s.name == "json-path" && s.options.is_object()) {
    for (const char* key : {"apply", "transformer"}) {
      if (s.options.contains(key) && s.options[key].is_string()) {
        return needs_key({s.options[key].get<std::string>(), {}, s.deterministic, false});
      }
    }
  }
  return !keyless.contains(s.name);
}

std::string hex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 0xf]);
  }
  return out;
}

// The canonical form: rules sorted by pattern, options with sorted keys (nlohmann::json sorts).
std::string digest_of(const Rules& r) {
  nlohmann::json cols = nlohmann::json::array();
  auto sorted = r.columns;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [pattern, s] : sorted) {
    cols.push_back({{"pattern", pattern},
                    {"transformer", s.name},
                    {"options", s.options},
                    {"deterministic", s.deterministic},
                    {"unique", s.unique}});
  }
  nlohmann::json starts = nlohmann::json::array();
  for (const auto& s : r.subset.starts) {
    starts.push_back({{"table", s.table}, {"percent", s.percent}, {"where", s.where}});
  }
  nlohmann::json vfks = nlohmann::json::array();
  for (const auto& v : r.subset.virtual_foreign_keys) {
    vfks.push_back({v.child_table, v.child_columns, v.parent_table, v.parent_columns});
  }
  nlohmann::json doc = {{"version", 1},
                        {"strict", r.strict},
                        {"deterministic", r.deterministic},
                        {"columns", cols},
                        {"subset",
                         {{"start", starts},
                          {"follow_children", r.subset.follow_children},
                          {"passthrough", r.subset.passthrough},
                          {"virtual_foreign_keys", vfks}}}};
  std::string text = doc.dump();
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  return "blake2b:" + hex(out, sizeof out);
}

}  // namespace

namespace detail {

Status check_pattern(std::string_view pattern) {
  std::string_view s[3];
  if (!segments(pattern, s)) {
    return err(Errc::invalid_argument,
               "bad pattern {}: expected <schema>.<table>.<column> (each a name or *)", pattern);
  }
  for (std::string_view seg : s) {
    if (seg.empty() || (seg != "*" && seg.find('*') != std::string_view::npos)) {
      return err(Errc::invalid_argument,
                 "bad pattern {}: a segment must be a whole name or *, not empty or partial",
                 pattern);
    }
  }
  return {};
}

Status finish_rules(Rules& r,
                    const std::function<std::optional<std::string>(const std::string&)>& getenv) {
  std::set<std::string> seen;
  bool keyed = false;
  for (const auto& [pattern, spec] : r.columns) {
    if (!seen.insert(pattern).second) {
      return err(Errc::invalid_argument, "rules: pattern {} appears twice", pattern);
    }
    keyed |= (spec.deterministic || spec.unique) && needs_key(spec);
  }
  std::optional<std::string> secret = getenv(r.secret_env);
  if (secret && !secret->empty()) {
    if (secret->size() < kMinSecret) {
      return err(Errc::invalid_argument,
                 "the masking secret in {} is too short: use at least {} "
                 "characters",
                 r.secret_env, kMinSecret);
    }
    r.secret = *secret;
    r.keys = keys_from_secret(*secret);
  } else if (keyed) {
    return err(Errc::invalid_argument,
               "deterministic and unique masking need a secret: set {} (secret_env) to at least {} "
               "random characters, or set deterministic: false",
               r.secret_env, kMinSecret);
  } else {
    r.keys = random_keys();
  }
  for (const auto& [pattern, spec] : r.columns) {
    TRY_CTX(make_transformer(spec, r.keys), fmt::format("rules: column {}", pattern));
  }
  r.digest = digest_of(r);
  return {};
}

}  // namespace detail

Result<Rules> load_rules(const std::filesystem::path& file) {
  std::string text = TRY(os::read_file(file));
  auto env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  return TRY_CTX(parse_rules(text, env), file.string());
}

bool pattern_matches(std::string_view pattern, std::string_view schema, std::string_view table,
                     std::string_view column) {
  std::string_view s[3];
  if (!segments(pattern, s)) return false;
  return (s[0] == "*" || s[0] == schema) && (s[1] == "*" || s[1] == table) &&
         (s[2] == "*" || s[2] == column);
}

const TransformerSpec* find_rule(const Rules& rules, std::string_view schema,
                                 std::string_view table, std::string_view column) {
  const TransformerSpec* best = nullptr;
  int best_score = -1;
  for (const auto& [pattern, spec] : rules.columns) {
    if (!pattern_matches(pattern, schema, table, column)) continue;
    int score = specificity(pattern);
    if (score > best_score) {  // ties: the first in the file wins
      best = &spec;
      best_score = score;
    }
  }
  return best;
}

}  // namespace dbtwin::pipeline
