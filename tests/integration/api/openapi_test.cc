// docs/openapi.yaml against the real daemon: the document lists exactly the routes that
// `dbtwin serve --print-routes` prints (both ways), it is sound (every $ref resolves, every path
// parameter is declared, open and guarded routes are marked), and every documented operation,
// sent to a running daemon on a real pool with PostgreSQL, answers one of its documented status
// codes with a body of the documented shape.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "api_world.h"
#include "base/strings.h"

namespace dbtwin {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using namespace test::api;

const std::string kToken = "openapi-token";
const std::set<std::string> kMethods = {"get", "put", "post", "delete", "patch", "head", "options"};

// YAML to JSON, keeping the document's order and its scalars' types (a quoted scalar is a
// string; a plain one may be a number, a boolean or null).
ordered_json to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      ordered_json out = ordered_json::object();
      for (const auto& kv : n) out[kv.first.as<std::string>()] = to_json(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      ordered_json out = ordered_json::array();
      for (const auto& item : n) out.push_back(to_json(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      std::string s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      if (s == "true" || s == "false") return s == "true";
      if (s == "null" || s == "~") return nullptr;
      static const std::regex integer(R"(-?[0-9]+)");
      if (std::regex_match(s, integer)) return std::stoll(s);
      return s;
    }
    default:
      return nullptr;
  }
}

ordered_json load_doc() {
  return to_json(YAML::LoadFile(std::string(DBTWIN_SOURCE_DIR) + "/docs/openapi.yaml"));
}

struct Operation {
  std::string method;  // upper case
  std::string path;
  ordered_json op;
  ordered_json path_item;
};

std::vector<Operation> operations(const ordered_json& doc) {
  std::vector<Operation> out;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (!kMethods.count(method)) continue;
      std::string upper;
      for (char c : method) upper.push_back(static_cast<char>(std::toupper(c)));
      out.push_back({upper, path, op, item});
    }
  }
  return out;
}

// The node a local $ref points at ("#/components/schemas/Clone"); null if it does not resolve.
const ordered_json* resolve(const ordered_json& doc, const std::string& ref) {
  if (!starts_with(ref, "#/")) return nullptr;
  const ordered_json* at = &doc;
  std::string rest = ref.substr(2);
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string key = rest.substr(0, slash);
    rest = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (!at->is_object() || !at->contains(key)) return nullptr;
    at = &(*at)[key];
  }
  return at;
}

const ordered_json& deref(const ordered_json& doc, const ordered_json& node) {
  if (node.is_object() && node.contains("$ref")) {
    if (const auto* target = resolve(doc, node["$ref"].get<std::string>())) return *target;
  }
  return node;
}

void collect_refs(const ordered_json& node, std::vector<std::string>* refs) {
  if (node.is_object()) {
    for (const auto& [k, v] : node.items()) {
      if (k == "$ref" && v.is_string()) refs->push_back(v.get<std::string>());
      collect_refs(v, refs);
    }
  } else if (node.is_array()) {
    for (const auto& v : node) collect_refs(v, refs);
  }
}

// Checks `v` against a schema of the document (type, nullable, enum, required, properties,
// items, oneOf); appends what does not match to *problems.
void check_schema(const json& v, const ordered_json& doc, const ordered_json& schema_in,
                  const std::string& where, std::vector<std::string>* problems) {
  const ordered_json& schema = deref(doc, schema_in);
  if (v.is_null()) {
    if (!schema.value("nullable", false)) problems->push_back(where + ": null is not allowed");
    return;
  }
  if (schema.contains("oneOf")) {
    for (const auto& alt : schema["oneOf"]) {
      std::vector<std::string> mine;
      check_schema(v, doc, alt, where, &mine);
      if (mine.empty()) return;
    }
    problems->push_back(where + ": matches no oneOf alternative: " + v.dump());
    return;
  }
  std::string type = schema.value("type", "");
  auto bad = [&](const std::string& what) {
    problems->push_back(where + ": " + what + ", got " + v.dump().substr(0, 200));
  };
  if (type == "object") {
    if (!v.is_object()) return bad("expected an object");
    if (schema.contains("required")) {
      for (const auto& k : schema["required"]) {
        if (!v.contains(k.get<std::string>())) bad("lacks required '" + k.get<std::string>() + "'");
      }
    }
    if (schema.contains("properties")) {
      for (const auto& [k, sub] : schema["properties"].items()) {
        if (v.contains(k)) check_schema(v[k], doc, sub, where + "." + k, problems);
      }
    }
  } else if (type == "array") {
    if (!v.is_array()) return bad("expected an array");
    for (size_t i = 0; i < v.size(); ++i) {
      check_schema(v[i], doc, schema["items"], where + "[" + std::to_string(i) + "]", problems);
    }
  } else if (type == "string") {
    if (!v.is_string()) return bad("expected a string");
    if (schema.contains("enum")) {
      bool listed = false;
      for (const auto& e : schema["enum"]) listed = listed || e == v;
      if (!listed) bad("not in the enum " + schema["enum"].dump());
    }
  } else if (type == "integer") {
    if (!v.is_number_integer()) bad("expected an integer");
  } else if (type == "number") {
    if (!v.is_number()) bad("expected a number");
  } else if (type == "boolean") {
    if (!v.is_boolean()) bad("expected a boolean");
  }
}

bool is_open(const Operation& o) {
  return o.op.contains("security") && o.op["security"].is_array() && o.op["security"].empty();
}

std::set<std::pair<std::string, std::string>> printed_routes(const test::Cli& cli) {
  auto r = cli.run({"serve", "--print-routes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::set<std::pair<std::string, std::string>> out;
  std::istringstream in(r.out);
  std::string method, path;
  while (in >> method >> path) out.emplace(method, path);
  return out;
}

TEST(OpenApi, DocumentListsExactlyTheDaemonsRoutes) {
  ordered_json doc;
  ASSERT_NO_THROW(doc = load_doc());
  EXPECT_TRUE(starts_with(doc.value("openapi", ""), "3.0")) << doc.value("openapi", "");
  std::string why;
  auto world = test::CliWorld::make(test::pool_case("copy"), &why);
  if (!world) GTEST_SKIP() << why;
  auto served = printed_routes(world->cli());
  ASSERT_FALSE(served.empty());

  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& o : operations(doc)) documented.emplace(o.method, o.path);
  for (const auto& r : documented)
    EXPECT_TRUE(served.count(r)) << r.first << " " << r.second << " is documented, not served";
  for (const auto& r : served)
    EXPECT_TRUE(documented.count(r)) << r.first << " " << r.second << " is served, not documented";

  // Bearer auth is declared and required by default; only /healthz and the page are open.
  const auto& scheme = doc["components"]["securitySchemes"]["bearerAuth"];
  EXPECT_EQ(scheme.value("type", ""), "http");
  EXPECT_EQ(scheme.value("scheme", ""), "bearer");
  EXPECT_EQ(doc["security"], ordered_json::parse(R"([{"bearerAuth":[]}])"));

  std::set<std::string> ids;
  for (const auto& o : operations(doc)) {
    const std::string what = o.method + " " + o.path;
    const bool open = o.path == "/healthz" || o.path == "/ui" || o.path == "/ui/";
    EXPECT_EQ(is_open(o), open) << what << ": security";
    ASSERT_TRUE(o.op.contains("responses")) << what;
    EXPECT_EQ(o.op["responses"].contains("401"), !open) << what << ": documents 401";
    bool success = false;
    for (const auto& [code, resp] : o.op["responses"].items()) {
      EXPECT_TRUE(std::regex_match(code, std::regex("[1-5][0-9][0-9]"))) << what << " " << code;
      success = success || code[0] == '2' || code[0] == '3';
      EXPECT_TRUE(deref(doc, resp).contains("description")) << what << " " << code;
    }
    EXPECT_TRUE(success) << what << " documents no success";
    auto id = o.op.value("operationId", "");
    EXPECT_FALSE(id.empty()) << what;
    EXPECT_TRUE(ids.insert(id).second) << "operationId " << id << " twice";

    // Every {param} of the path is declared as a path parameter.
    std::set<std::string> declared;
    for (const auto* where : {&o.path_item, &o.op}) {
      if (!where->contains("parameters")) continue;
      for (const auto& p : (*where)["parameters"]) {
        const auto& param = deref(doc, p);
        if (param.value("in", "") == "path") declared.insert(param.value("name", ""));
      }
    }
    static const std::regex param(R"(\{([a-z_]+)\})");
    std::set<std::string> used;
    for (std::sregex_iterator it(o.path.begin(), o.path.end(), param), end; it != end; ++it)
      used.insert((*it)[1]);
    EXPECT_EQ(used, declared) << what << ": path parameters";
  }

  std::vector<std::string> refs;
  collect_refs(doc, &refs);
  EXPECT_GT(refs.size(), 50u);
  for (const auto& ref : refs) EXPECT_TRUE(resolve(doc, ref)) << "dangling $ref " << ref;
}

// The body a client would send for `o`: its JSON example, else its form example.
std::pair<std::string, std::string> example_body(const Operation& o) {
  if (!o.op.contains("requestBody")) return {"", "application/json"};
  const auto& content = o.op["requestBody"]["content"];
  if (content.contains("application/json") && content["application/json"].contains("example"))
    return {content["application/json"]["example"].dump(), "application/json"};
  const char* form = "application/x-www-form-urlencoded";
  if (content.contains(form) && content[form].contains("example")) {
    std::string body;
    for (const auto& [k, v] : content[form]["example"].items()) {
      body += (body.empty() ? "" : "&") + k + "=" +
              url_encode(v.is_string() ? v.get<std::string>() : v.dump());
    }
    return {body, form};
  }
  return {"", "application/json"};
}

TEST(OpenApi, EveryOperationAnswersADocumentedStatus) {
  const ordered_json doc = load_doc();
  std::string why;
  auto world = ApiWorld::make("xfs", &why, {"DBTWIN_API_TOKEN=" + kToken});
  if (!world && !why.empty()) GTEST_SKIP() << why;
  ASSERT_TRUE(world);
  const auto& d = world->daemon();
  json job;
  ASSERT_TRUE(world->make_template("shop", "postgres", 10, nullptr, &job).is_object());
  ASSERT_TRUE(world->make_clone({{"template", "shop"}, {"name", "c1"}}).is_object());

  // Real resources behind the path parameters: the template, a clone, a job, a myaas name.
  auto concrete = [&](const std::string& path) {
    std::string p = path;
    if (starts_with(p, "/v1/templates/"))
      p = std::regex_replace(p, std::regex(R"(\{name\})"), "shop");
    if (starts_with(p, "/v1/clones/")) p = std::regex_replace(p, std::regex(R"(\{name\})"), "c1");
    p = std::regex_replace(p, std::regex(R"(\{id\})"), std::to_string(job["id"].get<int64_t>()));
    p = std::regex_replace(p, std::regex(R"(\{template\})"), "shop");
    p = std::regex_replace(p, std::regex(R"(\{name\})"), "m1");
    return p;
  };

  // Everything but DELETE first, in the document's order; then the DELETEs.
  auto ops = operations(doc);
  std::stable_partition(ops.begin(), ops.end(),
                        [](const Operation& o) { return o.method != "DELETE"; });
  ASSERT_GT(ops.size(), 25u);
  for (const auto& o : ops) {
    const std::string path = concrete(o.path);
    const std::string what = o.method + " " + path;
    const auto& responses = o.op["responses"];
    auto [body, type] = example_body(o);

    // Without the token: only the open routes answer, the others say 401 as documented.
    auto anonymous = d.request(o.method, path, body, "-", type);
    if (is_open(o)) {
      EXPECT_TRUE(responses.contains(std::to_string(anonymous.status)))
          << what << " without a token answered " << anonymous.status;
    } else {
      EXPECT_EQ(anonymous.status, 401) << what << " without a token";
    }

    auto r = d.request(o.method, path, body, kToken, type);
    const std::string code = std::to_string(r.status);
    ASSERT_TRUE(responses.contains(code))
        << what << " answered " << r.status << ", documented: " << responses.dump() << "\n"
        << r.body;
    const auto& resp = deref(doc, responses[code]);
    if (!resp.contains("content")) {
      EXPECT_TRUE(r.body.empty()) << what << " " << code << " has a body: " << r.body;
      continue;
    }
    const auto& content = resp["content"];
    std::string got_type = r.headers.count("Content-Type") ? r.headers.at("Content-Type") : "";
    bool type_documented = false;
    for (const auto& [media, _] : content.items())
      type_documented = type_documented || starts_with(got_type, media);
    EXPECT_TRUE(type_documented) << what << " " << code << ": Content-Type " << got_type;
    if (!content.contains("application/json")) continue;
    auto j = json::parse(r.body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << what << " " << code << ": not JSON: " << r.body;
    std::vector<std::string> problems;
    check_schema(j, doc, content["application/json"]["schema"], what + " " + code, &problems);
    for (const auto& p : problems) ADD_FAILURE() << p;
  }
  // The examples are real requests: POST /v1/clones's made its clone, the myaas one was deleted.
  EXPECT_EQ(d.get("/v1/clones/ci-42").status, 200);
  EXPECT_EQ(d.get("/db/shop/m1").status, 404);
  world->wait_jobs();
}

}  // namespace
}  // namespace dbtwin
