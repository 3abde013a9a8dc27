#include "pipeline/transform/options.h"

namespace dbtwin::pipeline {

const nlohmann::json* Options::find(const std::string& key) {
  seen_.insert(key);
  if (!spec_.options.is_object()) return nullptr;
  auto it = spec_.options.find(key);
  if (it == spec_.options.end() || it->is_null()) return nullptr;
  return &*it;
}

Error Options::bad(const std::string& key, const std::string& why) const {
  return err(Errc::invalid_argument, "transformer {}: option {} {}", spec_.name, key, why);
}

Result<std::string> Options::text(const std::string& key, std::string fallback) {
  auto v = TRY(optional_text(key));
  return v ? *v : std::move(fallback);
}

Result<std::optional<std::string>> Options::optional_text(const std::string& key) {
  const nlohmann::json* j = find(key);
  if (j == nullptr) return std::optional<std::string>();
  if (j->is_string()) return std::optional<std::string>(j->get<std::string>());
  if (j->is_number() || j->is_boolean()) return std::optional<std::string>(j->dump());
  return bad(key, "must be a string");
}

Result<int64_t> Options::integer(const std::string& key, int64_t fallback, int64_t min,
                                 int64_t max) {
  const nlohmann::json* j = find(key);
  if (j == nullptr) return fallback;
  int64_t v = 0;
  if (j->is_number_integer()) {
    v = j->get<int64_t>();
  } else if (j->is_string()) {
    try {
      size_t used = 0;
      v = std::stoll(j->get<std::string>(), &used);
      if (used != j->get<std::string>().size()) return bad(key, "must be an integer");
    } catch (const std::exception&) {
      return bad(key, "must be an integer");
    }
  } else {
    return bad(key, "must be an integer");
  }
  if (v < min || v > max) return bad(key, fmt::format("must be between {} and {}", min, max));
  return v;
}

Result<std::optional<double>> Options::number(const std::string& key) {
  const nlohmann::json* j = find(key);
  if (j == nullptr) return std::optional<double>();
  if (j->is_number()) return std::optional<double>(j->get<double>());
  if (j->is_string()) {
    try {
      size_t used = 0;
      double v = std::stod(j->get<std::string>(), &used);
      if (used == j->get<std::string>().size()) return std::optional<double>(v);
    } catch (const std::exception&) {
    }
  }
  return bad(key, "must be a number");
}

Result<std::vector<std::string>> Options::text_list(const std::string& key) {
  const nlohmann::json* j = find(key);
  std::vector<std::string> out;
  if (j == nullptr) return out;
  if (!j->is_array()) return bad(key, "must be a list of strings");
  for (const auto& e : *j) {
    if (!e.is_string()) return bad(key, "must be a list of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::optional<nlohmann::json> Options::raw(const std::string& key) {
  const nlohmann::json* j = find(key);
  if (j == nullptr) return std::nullopt;
  return *j;
}

Status Options::finish() const {
  if (!spec_.options.is_object()) {
    if (spec_.options.is_null()) return {};
    return err(Errc::invalid_argument, "transformer {}: options must be a mapping", spec_.name);
  }
  for (const auto& [key, value] : spec_.options.items()) {
    if (!seen_.contains(key)) {
      return err(Errc::invalid_argument, "transformer {}: unknown option {}", spec_.name, key);
    }
  }
  return {};
}

}  // namespace dbtwin::pipeline
