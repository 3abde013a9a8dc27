// json-path: applies another transformer to the scalars a path selects inside a JSON value.
// Key order is kept (ordered_json); a document where the path selects nothing is left
// byte-identical.
#include "pipeline/transform/families.h"
#include "pipeline/transform/options.h"

namespace dbtwin::pipeline::detail {
namespace {

using Out = Result<bool>;
using Json = nlohmann::ordered_json;

struct Step {
  enum Kind { key, index, all } kind = key;
  std::string name;
  size_t at = 0;
};

// $.a.b, $.items[*].email, $['odd key'][0], $.*
Result<std::vector<Step>> parse_path(std::string_view p) {
  auto bad = [&](std::string_view why) {
    return err(Errc::invalid_argument, "transformer json-path: path {} {}", p, why);
  };
  if (p.empty() || p[0] != '$') return bad("must start with $");
  std::vector<Step> steps;
  size_t i = 1;
  while (i < p.size()) {
    if (p[i] == '.') {
      size_t end = p.find_first_of(".[", i + 1);
      std::string name(p.substr(i + 1, end == std::string_view::npos ? end : end - i - 1));
      if (name.empty()) return bad("has an empty key");
      steps.push_back(name == "*" ? Step{Step::all, "", 0} : Step{Step::key, name, 0});
      i = end == std::string_view::npos ? p.size() : end;
    } else if (p[i] == '[') {
      size_t end = p.find(']', i);
      if (end == std::string_view::npos) return bad("has an unclosed [");
      std::string_view inner = p.substr(i + 1, end - i - 1);
      if (inner == "*") {
        steps.push_back({Step::all, "", 0});
      } else if (inner.size() >= 2 && (inner[0] == '\'' || inner[0] == '"') &&
                 inner.back() == inner[0]) {
        steps.push_back({Step::key, std::string(inner.substr(1, inner.size() - 2)), 0});
      } else if (!inner.empty() && inner.find_first_not_of("0123456789") == std::string::npos) {
        steps.push_back({Step::index, "", std::stoul(std::string(inner))});
      } else {
        return bad("has a bracket that is neither [n], [*] nor ['key']");
      }
      i = end + 1;
    } else {
      return bad("must separate steps with . or [");
    }
  }
  return steps;
}

class JsonPath final : public Transformer {
 public:
  JsonPath(const TransformerSpec& s, const MaskKeys& k, std::vector<Step> steps,
           std::unique_ptr<Transformer> inner)
      : Transformer(s, k), steps_(std::move(steps)), inner_(std::move(inner)) {}

  Out transform_to(std::string_view v, std::string& out) const override {
    Json doc = Json::parse(v, nullptr, false);
    if (doc.is_discarded()) {
      return err(Errc::invalid_argument, "transformer json-path: a value ({} bytes) is not JSON",
                 v.size());
    }
    bool changed = false;
    TRY(walk(doc, 0, changed));
    out.append(changed ? std::string_view(doc.dump()) : v);
    return true;
  }

 private:
  Status walk(Json& node, size_t depth, bool& changed) const {
    if (depth == steps_.size()) return leaf(node, changed);
    const Step& s = steps_[depth];
    if (s.kind == Step::key) {
      if (node.is_object() && node.contains(s.name)) return walk(node[s.name], depth + 1, changed);
    } else if (s.kind == Step::index) {
      if (node.is_array() && s.at < node.size()) return walk(node[s.at], depth + 1, changed);
    } else if (node.is_array() || node.is_object()) {
      for (auto& child : node) TRY(walk(child, depth + 1, changed));
    }
    return {};
  }

  // Strings are transformed as they are; numbers and booleans as their JSON text, and stay
  // numbers when the result still reads as one. JSON null stays null, containers are skipped.
  Status leaf(Json& node, bool& changed) const {
    if (node.is_null() || node.is_object() || node.is_array()) return {};
    bool was_string = node.is_string();
    std::string text = was_string ? node.get<std::string>() : node.dump();
    auto out = TRY(inner_->apply(std::string_view(text)));
    changed = true;
    if (!out) {
      node = nullptr;
    } else if (!was_string) {
      Json num = Json::parse(*out, nullptr, false);
      node = (!num.is_discarded() && num.is_primitive()) ? num : Json(*out);
    } else {
      node = *out;
    }
    return {};
  }

  std::vector<Step> steps_;
  std::unique_ptr<Transformer> inner_;
};

}  // namespace

Result<TransformerPtr> make_json_path(const TransformerSpec& s, const MaskKeys& k) {
  Options o(s);
  auto path = TRY(o.optional_text("path"));
  // `apply` names the inner transformer in our inline rule form, where `transformer` is taken by
  // the rule itself; `transformer` works inside RepliByte's transformer_options.
  auto inner_name = TRY(o.optional_text("apply"));
  auto inner_alias = TRY(o.optional_text("transformer"));
  if (inner_name && inner_alias) return o.bad("apply", "and transformer are the same option");
  if (!inner_name) inner_name = inner_alias;
  std::optional<nlohmann::json> inner_options = o.raw("options");
  TRY(o.finish());
  if (!path) return o.bad("path", "is required");
  if (!inner_name) return o.bad("apply", "is required (the transformer to apply)");
  if (*inner_name == "json-path") return o.bad("apply", "cannot be json-path itself");
  auto steps = TRY(parse_path(*path));
  TransformerSpec inner{*inner_name, inner_options.value_or(nlohmann::json::object()),
                        s.deterministic, false};
  auto transformer = TRY_CTX(make_transformer(inner, k), "json-path");
  return TransformerPtr(std::make_unique<JsonPath>(s, k, std::move(steps), std::move(transformer)));
}

}  // namespace dbtwin::pipeline::detail
