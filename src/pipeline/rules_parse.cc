// Reading the rules YAML into Rules: our format and RepliByte's. Errors name the line.
#include <yaml-cpp/yaml.h>

#include <cstdlib>

#include "pipeline/rules.h"
#include "pipeline/rules_internal.h"

namespace dbtwin::pipeline {
namespace {

template <typename... Args>
Error at(const YAML::Node& n, fmt::format_string<Args...> f, Args&&... args) {
  std::string what = fmt::format(f, std::forward<Args>(args)...);
  YAML::Mark m = n.Mark();
  if (m.is_null()) return err(Errc::invalid_argument, "rules: {}", what);
  return err(Errc::invalid_argument, "rules line {}: {}", m.line + 1, what);
}

// A plain scalar becomes a JSON number, boolean or null when it reads as one; a quoted scalar
// stays a string.
nlohmann::json scalar_to_json(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  nlohmann::json j = nlohmann::json::parse(s, nullptr, false);
  if (!j.is_discarded() && j.is_number()) return j;
  return s;
}

nlohmann::json to_json(const YAML::Node& n) {
  if (n.IsScalar()) return scalar_to_json(n);
  if (n.IsSequence()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& e : n) a.push_back(to_json(e));
    return a;
  }
  if (n.IsMap()) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& kv : n) o[kv.first.Scalar()] = to_json(kv.second);
    return o;
  }
  return nullptr;
}

Result<bool> get_bool(const YAML::Node& n, std::string_view key) {
  nlohmann::json j = n.IsScalar() ? scalar_to_json(n) : nlohmann::json();
  if (!j.is_boolean()) return at(n, "{} must be true or false", key);
  return j.get<bool>();
}

Result<std::string> get_string(const YAML::Node& n, std::string_view key) {
  if (!n.IsScalar() || n.Scalar().empty()) return at(n, "{} must be a non-empty string", key);
  return n.Scalar();
}

Result<std::vector<std::string>> get_strings(const YAML::Node& n, std::string_view key) {
  if (!n.IsSequence()) return at(n, "{} must be a list", key);
  std::vector<std::string> out;
  for (const auto& e : n) out.push_back(TRY(get_string(e, key)));
  return out;
}

// `email` or {transformer: email, deterministic: false, unique: true, <options>...}
Result<TransformerSpec> parse_spec(const YAML::Node& n, bool deterministic) {
  TransformerSpec spec;
  spec.deterministic = deterministic;
  if (n.IsScalar()) {
    spec.name = TRY(get_string(n, "a rule's transformer"));
    return spec;
  }
  if (!n.IsMap()) return at(n, "a rule must be a transformer name or a mapping");
  for (const auto& kv : n) {
    std::string key = kv.first.Scalar();
    if (key == "transformer") {
      spec.name = TRY(get_string(kv.second, "transformer"));
    } else if (key == "deterministic") {
      spec.deterministic = TRY(get_bool(kv.second, "deterministic"));
    } else if (key == "unique") {
      spec.unique = TRY(get_bool(kv.second, "unique"));
    } else {
      spec.options[key] = to_json(kv.second);
    }
  }
  if (spec.name.empty()) return at(n, "a rule needs transformer: <name>");
  return spec;
}

Status parse_columns(const YAML::Node& n, Rules& r) {
  if (!n.IsMap()) return at(n, "columns must be a mapping of pattern: transformer");
  for (const auto& kv : n) {
    std::string pattern = kv.first.Scalar();
    TRY_CTX(detail::check_pattern(pattern), fmt::format("rules line {}", kv.first.Mark().line + 1));
    TransformerSpec spec = TRY(parse_spec(kv.second, r.deterministic));
    r.columns.emplace_back(pattern, std::move(spec));
  }
  return {};
}

// RepliByte: [{database, table, columns: [{name, transformer_name, transformer_options}]}]
Status parse_replibyte(const YAML::Node& n, Rules& r) {
  if (!n.IsSequence()) return at(n, "transformers must be a list");
  for (const auto& t : n) {
    if (!t.IsMap() || !t["database"] || !t["table"] || !t["columns"]) {
      return at(t, "each transformers entry needs database, table and columns");
    }
    std::string prefix = TRY(get_string(t["database"], "database")) + "." +
                         TRY(get_string(t["table"], "table")) + ".";
    if (!t["columns"].IsSequence()) return at(t["columns"], "columns must be a list");
    for (const auto& c : t["columns"]) {
      if (!c.IsMap() || !c["name"] || !c["transformer_name"]) {
        return at(c, "each column needs name and transformer_name");
      }
      std::string pattern = prefix + TRY(get_string(c["name"], "name"));
      TRY_CTX(detail::check_pattern(pattern), fmt::format("rules line {}", c.Mark().line + 1));
      TransformerSpec spec;
      spec.name = TRY(get_string(c["transformer_name"], "transformer_name"));
      spec.deterministic = r.deterministic;
      if (c["transformer_options"]) {
        if (!c["transformer_options"].IsMap()) {
          return at(c["transformer_options"], "transformer_options must be a mapping");
        }
        spec.options = to_json(c["transformer_options"]);
      }
      r.columns.emplace_back(pattern, std::move(spec));
    }
  }
  return {};
}

Result<SubsetStart> parse_start(const YAML::Node& n) {
  if (!n.IsMap() || !n["table"]) return at(n, "each subset start needs a table");
  SubsetStart s;
  s.table = TRY(get_string(n["table"], "table"));
  if (n["percent"] && n["where"]) return at(n, "a subset start takes percent or where, not both");
  if (n["percent"]) {
    nlohmann::json p = scalar_to_json(n["percent"]);
    if (!p.is_number() || p.get<double>() <= 0 || p.get<double>() > 100) {
      return at(n["percent"], "percent must be a number in (0, 100]");
    }
    s.percent = p.get<double>();
  } else if (n["where"]) {
    s.where = TRY(get_string(n["where"], "where"));
  } else {
    return at(n, "a subset start needs percent or where");
  }
  return s;
}

Result<VirtualForeignKey> parse_vfk(const YAML::Node& n) {
  if (!n.IsMap() || !n["child"] || !n["columns"] || !n["parent"] || !n["parent_columns"]) {
    return at(n, "a virtual foreign key needs child, columns, parent and parent_columns");
  }
  VirtualForeignKey v;
  v.child_table = TRY(get_string(n["child"], "child"));
  v.child_columns = TRY(get_strings(n["columns"], "columns"));
  v.parent_table = TRY(get_string(n["parent"], "parent"));
  v.parent_columns = TRY(get_strings(n["parent_columns"], "parent_columns"));
  if (v.child_columns.empty() || v.child_columns.size() != v.parent_columns.size()) {
    return at(n, "columns and parent_columns must have the same, non-zero, length");
  }
  return v;
}

Status parse_subset(const YAML::Node& n, SubsetSpec& s) {
  if (!n.IsMap()) return at(n, "subset must be a mapping");
  for (const auto& kv : n) {
    std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "start") {
      if (!v.IsSequence()) return at(v, "subset start must be a list");
      for (const auto& e : v) s.starts.push_back(TRY(parse_start(e)));
    } else if (key == "follow_children") {
      s.follow_children = TRY(get_bool(v, "follow_children"));
    } else if (key == "passthrough") {
      s.passthrough = TRY(get_strings(v, "passthrough"));
    } else if (key == "virtual_foreign_keys") {
      if (!v.IsSequence()) return at(v, "virtual_foreign_keys must be a list");
      for (const auto& e : v) s.virtual_foreign_keys.push_back(TRY(parse_vfk(e)));
    } else {
      return at(kv.first, "unknown subset key {}", key);
    }
  }
  return {};
}

// Our keys first (deterministic must be known before the rules that inherit it).
Status parse_document(const YAML::Node& root, Rules& r) {
  if (!root.IsMap()) return at(root, "the rules file must be a mapping");
  for (const auto& kv : root) {
    std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "version") {
      if (!v.IsScalar() || v.Scalar() != "1") return at(v, "version must be 1");
    } else if (key == "strict") {
      r.strict = TRY(get_bool(v, "strict"));
    } else if (key == "deterministic") {
      r.deterministic = TRY(get_bool(v, "deterministic"));
    } else if (key == "secret_env") {
      r.secret_env = TRY(get_string(v, "secret_env"));
    } else if (key != "columns" && key != "subset" && key != "transformers" && key != "source" &&
               key != "datastore" && key != "destination") {
      return at(kv.first, "unknown key {}", key);
    }
  }
  if (root["columns"]) TRY(parse_columns(root["columns"], r));
  if (root["transformers"]) TRY(parse_replibyte(root["transformers"], r));
  // RepliByte nests its list under source:; its other keys (connection_uri...) are not ours.
  if (root["source"] && root["source"].IsMap() && root["source"]["transformers"]) {
    TRY(parse_replibyte(root["source"]["transformers"], r));
  }
  if (root["subset"]) TRY(parse_subset(root["subset"], r.subset));
  return {};
}

}  // namespace

Result<Rules> parse_rules(
    std::string_view yaml,
    const std::function<std::optional<std::string>(const std::string&)>& getenv) {
  Rules r;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) return err(Errc::invalid_argument, "rules: the file is empty");
    TRY(parse_document(root, r));
  } catch (const YAML::Exception& e) {
    return err(Errc::invalid_argument, "rules line {}: malformed YAML: {}", e.mark.line + 1, e.msg);
  }
  TRY(detail::finish_rules(r, getenv));
  return r;
}

}  // namespace dbtwin::pipeline
