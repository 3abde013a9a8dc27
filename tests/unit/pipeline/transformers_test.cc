#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/types.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>

#include "pipeline/transform/families.h"
#include "pipeline/transform/text_shape.h"
#include "pipeline/transform/transformer.h"

namespace dbtwin::pipeline {
namespace {

constexpr const char* kSecret = "a-test-secret-long-enough-1234";

std::unique_ptr<Transformer> make(const std::string& name, nlohmann::json options = {},
                                  bool unique = false, bool deterministic = true,
                                  const char* secret = kSecret) {
  if (options.is_null()) options = nlohmann::json::object();
  TransformerSpec spec{name, options, deterministic, unique};
  auto t = make_transformer(spec, keys_from_secret(secret));
  EXPECT_TRUE(t.ok()) << name << ": " << (t.ok() ? "" : t.error().message);
  return t.ok() ? std::move(*t) : nullptr;
}

std::string run(const Transformer& t, const std::string& v) {
  auto r = t.apply(std::optional<std::string>(v));
  EXPECT_TRUE(r.ok()) << t.name() << ": " << (r.ok() ? "" : r.error().message);
  if (!r.ok() || !r->has_value()) return "<null>";
  return **r;
}

bool valid_utf8(std::string_view s) {
  for (auto cp : code_points(s)) {
    if (cp.size() == 1 && static_cast<unsigned char>(cp[0]) >= 0x80) return false;
  }
  return true;
}

bool luhn_valid(const std::string& s) {
  std::string digits;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  }
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return !digits.empty() && sum % 10 == 0;
}

bool iban_valid(const std::string& s) {
  std::string c;
  for (char ch : s) {
    if (std::isalnum(static_cast<unsigned char>(ch))) c.push_back(ch);
  }
  std::string r = c.substr(4) + c.substr(0, 4);
  int mod = 0;
  for (char ch : r) {
    if (std::isdigit(static_cast<unsigned char>(ch))) {
      mod = (mod * 10 + ch - '0') % 97;
    } else {
      mod = (mod * 100 + std::toupper(ch) - 'A' + 10) % 97;
    }
  }
  return mod == 1;
}

const std::vector<std::pair<std::string, nlohmann::json>>& all_transformers() {
  static const std::vector<std::pair<std::string, nlohmann::json>> list = {
      {"transient", {}},
      {"random", {}},
      {"first-name", {}},
      {"last-name", {}},
      {"full-name", {}},
      {"email", {}},
      {"keep-first-char", {}},
      {"phone-number", {}},
      {"credit-card", {}},
      {"redacted", {}},
      {"random-date", {}},
      {"null", {}},
      {"constant", {{"value", "x"}}},
      {"hash", {}},
      {"mask", {{"keep_first", 1}}},
      {"username", {}},
      {"address", {}},
      {"city", {}},
      {"country", {}},
      {"company", {}},
      {"uuid", {}},
      {"ip", {}},
      {"iban", {}},
      {"regex-replace", {{"pattern", "[0-9]"}, {"replacement", "#"}}},
  };
  return list;
}

TEST(Transformers, EveryDocumentedTransformerIsListed) {
  std::set<std::string> names;
  for (const auto& d : transformer_docs()) names.insert(d.name);
  for (const auto& [name, opts] : all_transformers()) EXPECT_TRUE(names.contains(name)) << name;
  for (const char* n : {"noise", "json-path", "command"}) EXPECT_TRUE(names.contains(n)) << n;
  EXPECT_EQ(canonical_transformer_name("card-number"), "credit-card");
}

TEST(Transformers, NullStaysNullExceptForNullAndConstant) {
  for (const auto& [name, opts] : all_transformers()) {
    auto t = make(name, opts);
    ASSERT_TRUE(t);
    auto r = t->apply(std::nullopt);
    ASSERT_TRUE(r.ok()) << name;
    if (name == "constant") {
      EXPECT_EQ(*r, std::optional<std::string>("x"));
    } else {
      EXPECT_FALSE(r->has_value()) << name;
    }
  }
  auto c = make("constant", {{"value", nullptr}});
  EXPECT_FALSE(c->apply(std::optional<std::string>("a"))->has_value());
}

TEST(Transformers, EmptyLongAndUnicodeValuesAreHandled) {
  std::string long_value(200000, 'a');
  long_value += "Zürich 東京 🙂 0123";
  for (const auto& [name, opts] : all_transformers()) {
    auto t = make(name, opts);
    for (const std::string& v :
         {std::string(), long_value, std::string("Zoë 🙂 Ünïcode 42")}) {
      auto r = t->apply(std::optional<std::string>(v));
      ASSERT_TRUE(r.ok()) << name << ": " << r.error().message;
      if (r->has_value()) {
        EXPECT_TRUE(valid_utf8(**r)) << name;
      }
    }
  }
}

TEST(Transformers, DeterministicAcrossCallsAndTablesButNotAcrossSecrets) {
  for (const auto& [name, opts] : all_transformers()) {
    if (name == "transient" || name == "null" || name == "constant" || name == "redacted" ||
        name == "mask" || name == "regex-replace") {
      continue;  // no randomness to key
    }
    auto a = make(name, opts);
    auto b = make(name, opts);  // another table's instance of the same rule
    auto other = make(name, opts, false, true, "another-secret-that-is-long");
    std::string v = "Jane.Doe+42@Company.example 2024-02-29 10.1.2.3";
    EXPECT_EQ(run(*a, v), run(*a, v)) << name;
    EXPECT_EQ(run(*a, v), run(*b, v)) << name;
    // One value could collide by chance; ten in a row cannot.
    int same = 0;
    for (int i = 0; i < 10; ++i) {
      std::string w = v + std::to_string(i);
      same += run(*a, w) == run(*other, w);
    }
    EXPECT_LT(same, 10) << name;
  }
}

TEST(Transformers, NonDeterministicModeVaries) {
  auto t = make("random", {}, false, false);
  std::string v(40, 'x');
  EXPECT_NE(run(*t, v), run(*t, v));
}

TEST(Transformers, RandomKeepsLengthAndCharacterClasses) {
  for (bool unique : {false, true}) {
    auto t = make("random", {}, unique);
    std::string in = "Hello World-42 é_0099";
    std::string out = run(*t, in);
    ASSERT_EQ(out.size(), in.size());
    EXPECT_NE(out, in);
    for (size_t i = 0; i < in.size(); ++i) {
      unsigned char a = in[i], b = out[i];
      int want = std::islower(a) ? 1 : std::isupper(a) ? 2 : std::isdigit(a) ? 3 : 0;
      int got = std::islower(b) ? 1 : std::isupper(b) ? 2 : std::isdigit(b) ? 3 : 0;
      EXPECT_EQ(want, got) << out;
      if (want == 0) {
        EXPECT_EQ(a, b) << out;
      }
    }
    EXPECT_EQ(out.substr(18, 1), "0");  // a leading zero stays a leading zero
  }
}

TEST(Transformers, RandomKeepsIntegersValid) {
  auto t = make("random", {}, true);
  for (int i = 0; i < 1000; ++i) {
    std::string in = std::to_string(1000 + i * 7919);
    std::string out = run(*t, in);
    EXPECT_EQ(out.size(), in.size());
    EXPECT_NE(out[0], '0') << out;
  }
}

// 100k distinct inputs give 100k distinct outputs for every unique-capable transformer.
void expect_unique(const std::string& name, const std::function<std::string(int)>& input) {
  auto t = make(name, {}, true);
  ASSERT_TRUE(t);
  std::set<std::string> outs;
  std::set<std::string> ins;
  for (int i = 0; i < 100000; ++i) {
    std::string in = input(i);
    ins.insert(in);
    outs.insert(run(*t, in));
  }
  EXPECT_EQ(ins.size(), 100000u) << name << ": the test's inputs must be distinct";
  EXPECT_EQ(outs.size(), ins.size()) << name;
}

TEST(Transformers, UniqueModeIsABijection) {
  expect_unique("random", [](int i) { return fmt::format("user{}", i); });
  expect_unique("random", [](int i) { return std::to_string(100000 + i); });
  expect_unique("transient", [](int i) { return std::to_string(i); });
  expect_unique("email", [](int i) { return fmt::format("p{}@corp.example", i); });
  expect_unique("username", [](int i) { return fmt::format("jd{}", i); });
  expect_unique("phone-number", [](int i) { return fmt::format("+33 6 {:08d}", i); });
  // Only the payload is permuted: the inputs are valid card numbers (their check digit fixed).
  expect_unique("credit-card", [](int i) {
    std::string payload = fmt::format("411111111{:06d}", i);
    return payload + detail::luhn_check_digit(payload);
  });
  expect_unique("iban", [](int i) { return fmt::format("FR76 3000 6000 0112 3456 {:05d} 89", i); });
  expect_unique("uuid", [](int i) { return fmt::format("123e4567-e89b-42d3-a456-{:012x}", i); });
  expect_unique("ip",
                [](int i) { return fmt::format("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255); });
  expect_unique("ip",
                [](int i) { return fmt::format("2001:db8::{:x}:{:x}", i >> 16, i & 0xffff); });
}

TEST(Transformers, UniqueIsRefusedWhereABijectionIsImpossible) {
  for (const char* name : {"first-name", "hash", "mask", "redacted", "null", "constant", "noise",
                           "random-date", "keep-first-char", "city"}) {
    auto r =
        make_transformer({name, nlohmann::json::object(), true, true}, keys_from_secret(kSecret));
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_NE(r.error().message.find("unique"), std::string::npos) << r.error().message;
  }
}

TEST(Transformers, UnknownNamesAndOptionsAreErrors) {
  auto keys = keys_from_secret(kSecret);
  auto r = make_transformer({"no-such", {}, true, false}, keys);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown transformer no-such"), std::string::npos);
  r = make_transformer({"mask", {{"keep_frist", 1}}, true, false}, keys);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown option keep_frist"), std::string::npos);
  r = make_transformer({"hash", {{"length", "x"}}, true, false}, keys);
  EXPECT_FALSE(r.ok());
  r = make_transformer({"regex-replace", {{"pattern", "("}}, true, false}, keys);
  EXPECT_FALSE(r.ok());
  r = make_transformer({"constant", {}, true, false}, keys);
  EXPECT_FALSE(r.ok());
  r = make_transformer({"noise", {{"min", 5}, {"max", 1}}, true, false}, keys);
  EXPECT_FALSE(r.ok());
}

TEST(Transformers, CardNumbersAreLuhnValidAndKeepSeparators) {
  for (bool unique : {false, true}) {
    auto t = make("credit-card", {}, unique);
    for (const char* in : {"4111 1111 1111 1111", "5500-0000-0000-0004", "4012888888881881"}) {
      std::string out = run(*t, in);
      EXPECT_TRUE(luhn_valid(out)) << out;
      EXPECT_EQ(out.size(), std::string(in).size());
      for (size_t i = 0; i < out.size(); ++i) {
        EXPECT_EQ(std::isdigit((unsigned char)out[i]) != 0,
                  std::isdigit((unsigned char)in[i]) != 0);
      }
    }
  }
  EXPECT_EQ(run(*make("credit-card"), "n/a").size(), 16u);
  EXPECT_TRUE(luhn_valid(run(*make("credit-card"), "n/a")));
}

TEST(Transformers, IbansHaveValidCheckDigitsAndTheSameCountry) {
  for (bool unique : {false, true}) {
    auto t = make("iban", {}, unique);
    for (const char* in :
         {"DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819", "FR7630006000011234567890189"}) {
      std::string out = run(*t, in);
      EXPECT_TRUE(iban_valid(out)) << out;
      EXPECT_EQ(out.substr(0, 2), std::string(in).substr(0, 2));
      EXPECT_EQ(out.size(), std::string(in).size());
      EXPECT_NE(out, in);
    }
  }
  EXPECT_TRUE(iban_valid(run(*make("iban"), "garbage")));
  EXPECT_FALSE(make("iban", {}, true)->apply(std::optional<std::string>("garbage")).ok());
}

TEST(Transformers, PhoneNumbersKeepTheirFormat) {
  auto t = make("phone-number");
  std::string out = run(*t, "+1 (555) 010-9999 ext. 12");
  EXPECT_TRUE(std::regex_match(out, std::regex(R"(\+\d \(\d{3}\) \d{3}-\d{4} ext\. \d{2})")))
      << out;
}

TEST(Transformers, FakeDataLooksRight) {
  EXPECT_TRUE(std::regex_match(run(*make("email"), "a@b.c"),
                               std::regex(R"([a-z]+\.[a-z]+\d+@example\.(com|org|net))")));
  std::string unique_email = run(*make("email", {}, true), "john.doe@corp.example");
  EXPECT_TRUE(std::regex_match(unique_email, std::regex(R"([a-z]{4}\.[a-z]{3}@corp\.example)")))
      << unique_email;
  EXPECT_TRUE(
      std::regex_match(run(*make("full-name"), "x"), std::regex(R"([A-Z][a-z]+ [A-Z][a-z]+)")));
  EXPECT_TRUE(
      std::regex_match(run(*make("address"), "x"), std::regex(R"(\d+ [A-Z][a-z]+ [A-Z][a-z]+)")));
  EXPECT_FALSE(run(*make("company"), "x").empty());
  EXPECT_FALSE(run(*make("country"), "x").empty());
  EXPECT_FALSE(run(*make("city"), "x").empty());
  EXPECT_TRUE(std::regex_match(run(*make("username"), "x"), std::regex(R"([a-z]+\d+)")));
}

TEST(Transformers, KeepFirstCharKeepsAWholeCodePoint) {
  auto t = make("keep-first-char");
  std::string out = run(*t, "Émile");
  EXPECT_EQ(out.substr(0, 2), "É");
  EXPECT_EQ(out.size(), std::string("Émile").size());
}

TEST(Transformers, RedactedMatchesRepliByte) {
  EXPECT_EQ(run(*make("redacted"), "1234 1234 1234 1234"), "123****************");
  EXPECT_EQ(run(*make("redacted", {{"character", "#"}, {"width", 20}}), "1234 1234 1234 1234"),
            "123####################");
  EXPECT_EQ(run(*make("redacted"), "ab"), "**");
  EXPECT_EQ(run(*make("redacted"), "日本語テキスト"), "日本語****");
}

TEST(Transformers, MaskKeepsTheEnds) {
  auto t = make("mask", {{"keep_first", 2}, {"keep_last", 3}, {"character", "x"}});
  EXPECT_EQ(run(*t, "4111111111111234"), "41xxxxxxxxxxx234");
  EXPECT_EQ(run(*t, "abcd"), "xxxx");
  EXPECT_EQ(run(*make("mask", {{"keep_last", 1}}), "çaé"), "**é");
}

TEST(Transformers, HashIsKeyedHexOfTheRequestedLength) {
  auto t = make("hash", {{"length", 16}});
  std::string out = run(*t, "secret");
  EXPECT_TRUE(std::regex_match(out, std::regex("[0-9a-f]{16}")));
  EXPECT_NE(
      out, run(*make("hash", {{"length", 16}}, false, true, "a-different-secret-value"), "secret"));
  EXPECT_EQ(run(*make("hash"), "x").size(), 32u);
}

TEST(Transformers, RegexReplace) {
  auto t = make("regex-replace", {{"pattern", "(\\w+)@(\\w+)"}, {"replacement", "$2 at $1"}});
  EXPECT_EQ(run(*t, "mail bob@home now"), "mail home at bob now");
}

TEST(Transformers, RandomDateKeepsTheFormat) {
  auto t = make("random-date", {{"min", "2000-01-01"}, {"max", "2000-12-31"}});
  EXPECT_TRUE(std::regex_match(run(*t, "1985-06-15"), std::regex(R"(2000-\d\d-\d\d)")));
  EXPECT_TRUE(std::regex_match(run(*t, "1985/06/15"), std::regex(R"(2000/\d\d/\d\d)")));
  std::string dt = run(*t, "1985-06-15 23:59:59.123456+02");
  EXPECT_TRUE(std::regex_match(dt, std::regex(R"(2000-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+02)")))
      << dt;
  EXPECT_TRUE(
      std::regex_match(run(*t, "1985-06-15T08:30Z"), std::regex(R"(2000-\d\d-\d\dT\d\d:\d\dZ)")));
  EXPECT_TRUE(std::regex_match(run(*t, "not a date"), std::regex(R"(2000-\d\d-\d\d)")));
  EXPECT_TRUE(std::regex_match(run(*t, "2021-02-30"), std::regex(R"(2000-\d\d-\d\d)")));
  for (int i = 0; i < 500; ++i) {
    std::string d = run(*t, std::to_string(i));
    int month = std::stoi(d.substr(5, 2)), day = std::stoi(d.substr(8, 2));
    EXPECT_TRUE(month >= 1 && month <= 12 && day >= 1 && day <= 31) << d;
  }
}

TEST(Transformers, NoiseStaysWithinSpreadAndBounds) {
  auto t = make("noise", {{"spread", 0.1}, {"min", 0}, {"max", 105}});
  for (int i = 0; i < 200; ++i) {
    std::string in = fmt::format("{}.50", 100 + i % 3);
    std::string out = run(*t, in);
    ASSERT_TRUE(std::regex_match(out, std::regex(R"(\d+\.\d\d)"))) << out;
    double v = std::stod(out);
    EXPECT_GE(v, 90.0);
    EXPECT_LE(v, 105.0);
  }
  EXPECT_TRUE(std::regex_match(run(*t, "42"), std::regex(R"(\d+)")));
  auto d = make("noise", {{"days", 3}});
  std::string moved = run(*d, "2024-03-01 12:00:00");
  EXPECT_TRUE(std::regex_match(moved, std::regex(R"(2024-0[23]-\d\d 12:00:00)"))) << moved;
  EXPECT_FALSE(d->apply(std::optional<std::string>("abc")).ok());
}

// numeric columns dump with a sign, huge magnitudes and long fractions: each keeps its count of
// decimals, and "-0" never appears.
TEST(Transformers, NoiseKeepsTheDecimalsOfAnyNumericText) {
  auto t = make("noise", {{"spread", 0.5}});
  std::string decimals70 = "1." + std::string(69, '0') + "1";
  std::string out = run(*t, decimals70);
  EXPECT_TRUE(std::regex_match(out, std::regex(R"(\d\.\d{70})"))) << out;
  out = run(*t, "+12.5");
  EXPECT_TRUE(std::regex_match(out, std::regex(R"(\d+\.\d)"))) << out;
  out = run(*t, "-3");
  EXPECT_TRUE(std::regex_match(out, std::regex(R"(-?\d)"))) << out;
  out = run(*t, "9" + std::string(300, '9') + ".25");
  EXPECT_TRUE(std::regex_match(out, std::regex(R"(\d{300,302}\.\d\d)"))) << out.size();
  EXPECT_EQ(run(*t, "0.00"), "0.00");
  EXPECT_EQ(run(*t, "-0.00"), "0.00");
}

TEST(Transformers, JsonPathTransformsOnlyTheSelectedValues) {
  auto t = make("json-path", {{"path", "$.items[*].email"},
                              {"transformer", "constant"},
                              {"options", {{"value", "x@example.com"}}}});
  std::string in = R"({"z":1,"items":[{"email":"a@b.c","n":2},{"email":"d@e.f"}],"a":"keep"})";
  EXPECT_EQ(
      run(*t, in),
      R"({"z":1,"items":[{"email":"x@example.com","n":2},{"email":"x@example.com"}],"a":"keep"})");
  std::string untouched = "{ \"other\" : 1 }";
  EXPECT_EQ(run(*t, untouched), untouched);
  EXPECT_FALSE(t->apply(std::optional<std::string>("not json")).ok());
  auto n = make("json-path",
                {{"path", "$.a.b"}, {"transformer", "noise"}, {"options", {{"spread", 0}}}});
  EXPECT_EQ(run(*n, R"({"a":{"b":7}})"), R"({"a":{"b":7}})");
  auto bad =
      make_transformer({"json-path", {{"path", "a.b"}, {"transformer", "null"}}, true, false},
                       keys_from_secret(kSecret));
  EXPECT_FALSE(bad.ok());
}

std::vector<pid_t> children_of_self() {
  std::vector<pid_t> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream f(e.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state;
    pid_t ppid;
    rest >> state >> ppid;
    if (ppid == getpid()) out.push_back(std::stoi(name));
  }
  return out;
}

TEST(Transformers, CommandPipesValuesThroughAChild) {
  if (!std::filesystem::exists("/usr/bin/stdbuf") || !std::filesystem::exists("/usr/bin/tr")) {
    GTEST_SKIP() << "needs /usr/bin/stdbuf and /usr/bin/tr";
  }
  auto before = children_of_self().size();
  {
    auto t = make("command", {{"argv", {"/usr/bin/stdbuf", "-oL", "/usr/bin/tr", "a-z", "A-Z"}}});
    EXPECT_EQ(run(*t, "hello"), "HELLO");
    EXPECT_EQ(run(*t, "back \\ slash\\"), "BACK \\ SLASH\\");
    // (tr a-z A-Z would also turn the "\n" escape into "\N"; tr x y leaves it alone.)
    auto xy = make("command", {{"argv", {"/usr/bin/stdbuf", "-oL", "/usr/bin/tr", "x", "y"}}});
    EXPECT_EQ(run(*xy, "two\nlines x"), "two\nlines y");
    EXPECT_EQ(run(*t, std::string(300000, 'q')), std::string(300000, 'Q'));
    EXPECT_FALSE(t->apply(std::nullopt)->has_value());  // \N comes back as \N
    EXPECT_EQ(children_of_self().size(), before + 2);
  }
  EXPECT_EQ(children_of_self().size(), before);  // reaped on destruction: no zombie
}

TEST(Transformers, CommandReportsAKilledChild) {
  if (!std::filesystem::exists("/usr/bin/stdbuf") || !std::filesystem::exists("/usr/bin/tr")) {
    GTEST_SKIP() << "needs /usr/bin/stdbuf and /usr/bin/tr";
  }
  auto before = children_of_self();
  auto t = make("command", {{"argv", {"/usr/bin/stdbuf", "-oL", "/usr/bin/tr", "a", "b"}}});
  EXPECT_EQ(run(*t, "aa"), "bb");
  auto now = children_of_self();
  ASSERT_EQ(now.size(), before.size() + 1);
  pid_t child = 0;
  for (pid_t p : now) {
    if (std::find(before.begin(), before.end(), p) == before.end()) child = p;
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  auto r = t->apply(std::optional<std::string>("aa"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("command"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("stopped answering"), std::string::npos) << r.error().message;
  EXPECT_EQ(children_of_self().size(), before.size());  // reaped at once
  EXPECT_FALSE(t->apply(std::optional<std::string>("aa")).ok());
  auto missing = make_transformer({"command", {{"argv", {"/no/such/program"}}}, true, false},
                                  keys_from_secret(kSecret));
  EXPECT_FALSE(missing.ok());
}

TEST(Transformers, UuidAndIpKeepTheirForm) {
  std::regex uuid(R"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})");
  EXPECT_TRUE(std::regex_match(run(*make("uuid"), "whatever"), uuid));
  EXPECT_TRUE(
      std::regex_match(run(*make("uuid", {}, true), "123e4567-e89b-42d3-a456-426614174000"), uuid));
  EXPECT_TRUE(
      std::regex_match(run(*make("ip"), "192.168.1.1"), std::regex(R"(\d+\.\d+\.\d+\.\d+)")));
  EXPECT_NE(run(*make("ip"), "::1").find(':'), std::string::npos);
  EXPECT_TRUE(std::regex_match(run(*make("ip", {}, true), "10.0.0.0/8"),
                               std::regex(R"(\d+\.\d+\.\d+\.\d+/8)")));
}

// The ip transformer reads IPv4 itself: it must accept exactly what inet_pton accepts, and read
// the same bytes, on dotted quads of every near-miss shape and on random strings.
TEST(Transformers, Ipv4ParserAgreesWithInetPton) {
  std::vector<std::string> cases = {
      "0.0.0.0",   "255.255.255.255", "256.1.1.1",  "01.2.3.4",
      "1.2.3",     "1.2.3.4.",        ".1.2.3.4",   "1..2.3",
      "1.2.3.4.5", "1.2.3.04",        "10.0.0.1",   "1.2.3.4 ",
      "",          "1.2.3.255",       "1.2.3.2555", std::string("1.2.3.4\0junk", 12),
      "0.00.1.1"};
  std::mt19937 gen(5);
  const char alphabet[] = "0123456789.....x ";
  for (int i = 0; i < 200000; ++i) {
    std::string s;
    for (size_t n = gen() % 17; n > 0; --n) s.push_back(alphabet[gen() % (sizeof alphabet - 1)]);
    cases.push_back(s);
  }
  for (const std::string& c : cases) {
    unsigned char want[4] = {}, got[4] = {};
    bool ok = inet_pton(AF_INET, std::string(c.c_str()).c_str(), want) == 1;
    ASSERT_EQ(detail::parse_ipv4(c, got), ok) << "'" << c << "'";
    if (ok) {
      ASSERT_EQ(std::memcmp(want, got, 4), 0) << c;
    }
  }
}

}  // namespace
}  // namespace dbtwin::pipeline
