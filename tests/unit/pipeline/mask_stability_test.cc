// Deterministic masks must not drift between dbtwin versions: a dump made before an upgrade and
// one made after must still join on masked columns, and a unique mask must stay the same
// bijection. These outputs are pinned from the version that wrote this test. If a change here is
// deliberate, say so in docs/masking.md ("Modes and the secret") and update the pins.
#include <gtest/gtest.h>
#include <sodium.h>

#include <optional>
#include <string>
#include <vector>

#include "pipeline/transform/transformer.h"

namespace dbtwin::pipeline {
namespace {

struct Pin {
  const char* transformer;
  bool unique;
  const char* input;
  const char* output;
};

TEST(MaskStability, DeterministicOutputsMatchThePinnedOnes) {
  const MaskKeys keys = keys_from_secret("a-test-secret-long-enough-1234");
  const Pin pins[] = {
      // Unique mode: the Feistel network over the value's shape; two blocks of lanes for the
      // long local part.
      {"email", true, "mary.smith42@sakila.example.org", "jnoc.wbazg81@sakila.example.org"},
      {"email", true, "a.very.long.local.part.with.many.letters.2024@x.org",
       "f.ndlm.ubzw.mvxdb.zogj.ryic.flgw.tsawksj.1988@x.org"},
      {"credit-card", true, "4111 1111 1111 1111", "7113 7511 9518 4160"},
      {"uuid", true, "123e4567-e89b-12d3-a456-426614174000",
       "a675be9e-ebb1-1375-a6bb-51609642dc73"},
      {"phone-number", true, "+1 (555) 010-9999", "+6 (813) 056-8165"},
      // Deterministic mode: a generator seeded by the keyed hash of the value.
      {"email", false, "mary.smith42@sakila.example.org", "halon.clayford737@example.net"},
      {"first-name", false, "Mary", "Valia"},
      {"credit-card", false, "4111 1111 1111 1111", "1988 0133 7145 2928"},
  };
  for (const Pin& p : pins) {
    TransformerSpec spec{p.transformer, nlohmann::json::object(), true, p.unique};
    auto t = make_transformer(spec, keys);
    ASSERT_TRUE(t.ok()) << p.transformer;
    auto out = (*t)->apply(std::string_view(p.input));
    ASSERT_TRUE(out.ok() && out->has_value()) << p.transformer << " " << p.input;
    EXPECT_EQ(**out, p.output) << p.transformer << (p.unique ? " (unique) " : " ") << p.input;
  }
}

// Every deterministic transformer, in both modes where it has them, over a few hundred inputs of
// every shape (the bench's rows, Unicode, escapes, empty, long, numbers, dates, addresses, odd
// values that some transformers refuse): one digest of the outputs per transformer, pinned from
// the version that wrote this test. A rewrite for speed must leave every digest as it is.
std::vector<std::string> stability_inputs() {
  std::vector<std::string> v = {"",
                                "a",
                                "Z",
                                "0",
                                "Mary",
                                "mary.smith42@sakila.example.org",
                                "O'Brien",
                                "Zoë Ünïcödé",
                                "名前",
                                "tab\there",
                                "new\nline",
                                "back\\slash",
                                "quote\"s",
                                std::string(300, 'x'),
                                std::string(70, '7'),
                                "-0.00",
                                "+12.5",
                                "12345678901234567890.5",
                                "3.14159",
                                "-42",
                                "2024-02-29",
                                "2024/02/29",
                                "2024-02-29 13:45:12.123+02",
                                "2024-02-30",
                                "1999-12-31T23:59",
                                "2001:db8::1",
                                "10.0.0.1/24",
                                "256.1.1.1",
                                "::ffff:10.1.2.3",
                                "123e4567-e89b-12d3-a456-426614174000",
                                "{123E4567-E89B-12D3-A456-426614174000}",
                                "DE89370400440532013000",
                                "GB82 WEST 1234 5698 7654 32",
                                "4111 1111 1111 1111",
                                "378282246310005",
                                "+1 (555) 010-9999",
                                "+44 20 7946 0958",
                                "x@y",
                                "@",
                                "no-at-sign",
                                "a.very.long.local.part.with.many.letters.2024@x.org",
                                "{\"a\": {\"b\": \"secret\"}}",
                                "[1, 2, 3]",
                                "{\"items\": [{\"email\": \"a@b.c\"}, {\"email\": \"d@e.f\"}]}"};
  for (long g = 1; g <= 300; g += 7) {
    long x = g * 977;
    v.push_back(fmt::format("first{}", x % 997));
    v.push_back(fmt::format("user{}@mail.example.com", x));
    v.push_back(fmt::format("+1 555 {:07}", x % 10000000));
    v.push_back(fmt::format("4111 1111 {:08}", x % 100000000));
    v.push_back(fmt::format("10.{}.{}.{}", x % 250, x % 251, x % 252));
    v.push_back(fmt::format("{}.{:02}", (x % 100000) / 100, x % 100));
    v.push_back(fmt::format("company{}", x % 5003));
  }
  return v;
}

std::string outputs_digest(const Transformer& t, const std::vector<std::string>& inputs) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  auto add = [&](std::string_view s) {
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>("\0"), 1);
  };
  for (const std::string& in : inputs) {
    auto out = t.apply(std::string_view(in));
    if (!out.ok()) {
      add(std::string("<error ") + errc_name(out.error().code) + ">");
    } else if (!out->has_value()) {
      add("<null>");
    } else {
      add(**out);
    }
  }
  auto null_out = t.apply(std::nullopt);
  add(null_out.ok() && null_out->has_value() ? **null_out : "<null or error>");
  unsigned char d[16];
  crypto_generichash_final(&st, d, sizeof d);
  std::string hex;
  for (unsigned char b : d) hex += fmt::format("{:02x}", b);
  return hex;
}

// mask_batch gives what apply gives value by value: over batches of every size around the
// lane count and the masker's group, with NULLs among the values; a batch holding a value that
// apply refuses fails.
void expect_batches_match_values(const Transformer& t, const std::vector<std::string>& inputs) {
  std::vector<std::optional<std::string>> want;
  std::vector<std::string_view> values;
  std::vector<uint8_t> nulls;
  std::vector<size_t> refused;
  for (size_t i = 0; i < inputs.size(); ++i) {
    bool null = i % 11 == 3;
    auto out = t.apply(null ? std::nullopt : std::optional<std::string_view>(inputs[i]));
    if (!out.ok()) {
      refused.push_back(i);
      continue;
    }
    want.push_back(*out);
    values.emplace_back(null ? std::string_view() : std::string_view(inputs[i]));
    nulls.push_back(null ? 1 : 0);
  }
  for (size_t size : {size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{64}, values.size()}) {
    for (size_t from = 0; from < values.size(); from += size) {
      size_t n = std::min(size, values.size() - from);
      MaskedBatch out;
      Status st = t.mask_batch({values.data() + from, nulls.data() + from, n}, out);
      ASSERT_TRUE(st.ok()) << t.name() << ": " << st.error().message;
      ASSERT_EQ(out.ends.size(), n) << t.name();
      for (size_t i = 0; i < n; ++i) {
        const auto& w = want[from + i];
        ASSERT_EQ(out.nulls[i] != 0, !w.has_value()) << t.name() << " value " << from + i;
        if (w) {
          ASSERT_EQ(out.at(i), *w) << t.name() << " value " << from + i;
        }
      }
    }
  }
  for (size_t i : refused) {
    std::string_view bad = inputs[i];
    std::string_view batch[3] = {"a", bad, "b"};
    uint8_t batch_nulls[3] = {};
    MaskedBatch out;
    EXPECT_FALSE(t.mask_batch({batch, batch_nulls, 3}, out).ok()) << t.name() << " input " << i;
  }
}

TEST(MaskStability, EveryTransformerKeepsItsOutputs) {
  const MaskKeys keys = keys_from_secret("a-test-secret-long-enough-1234");
  struct Case {
    const char* transformer;
    const char* options;  // JSON
    bool unique;
    const char* digest;
  };
  const Case cases[] = {
      {"transient", "{}", false, "389d09ea26e0293f69a44b208941daa2"},
      {"random", "{}", false, "5b0b6fa64e27609c488d640b252e73cd"},
      {"random", "{}", true, "5a9cc91245ca55596b3792d3fa5322d9"},
      {"keep-first-char", "{}", false, "a6458355214f8416d4df83b5e036aa55"},
      {"redacted", "{}", false, "bd0fda1e6bc725b6b9909021899d2a3c"},
      {"redacted", R"({"character": "#", "width": 4, "keep": 1})", false,
       "3141cacd675c6a9d3e746bbebcfc5cf0"},
      {"mask", R"({"keep_first": 2, "keep_last": 3})", false, "10696cd42658c1c7ff902e7f70a75f0c"},
      {"null", "{}", false, "1d08d8e013dccc0b1c5feaf191621bc8"},
      {"constant", R"({"value": "fixed"})", false, "2237a424ec82741bb53a978d09cfe57c"},
      {"hash", "{}", false, "686736f41adad968d1f6585118719110"},
      {"hash", R"({"length": 9})", false, "2abed93ade330ffac9974944e6875cff"},
      {"regex-replace", R"({"pattern": "[0-9]", "replacement": "#"})", false,
       "ebba2ce14ad17eb881385a847bacc83c"},
      {"first-name", "{}", false, "29e434f4ce2541941e21ce0d55c2f7f3"},
      {"last-name", "{}", false, "7267aba13bef6f15dd6ef805e0e7459d"},
      {"full-name", "{}", false, "130a761c77fb5879b726c55bb5c388e7"},
      {"email", "{}", false, "5fa4f00738d850ce46f02a32879264e4"},
      {"email", "{}", true, "526963e3b6720c2160ba3236aa6f4958"},
      {"username", "{}", false, "cfcf9e4e2b506c2eadc54bd26b908397"},
      {"username", "{}", true, "5d207831d7f09dd46027c09501ec1868"},
      {"address", "{}", false, "5a91b384d73457f058bbdb0a0e3f7c0f"},
      {"city", "{}", false, "3c21bc5d351dbfcb7c426413cbce6a67"},
      {"country", "{}", false, "68d61f3a3e2c46a59e9aa69f23c028b0"},
      {"company", "{}", false, "a00691f8cde67c49fbfe5234ab5a9017"},
      {"phone-number", "{}", false, "a8a0f9a0c308becc6f20fcf4660f78ae"},
      {"phone-number", "{}", true, "7e81a4ec0c6c88b97c7a137a6db1582c"},
      {"credit-card", "{}", false, "9c5dc53f73389bab8160d05aa2c6b18c"},
      {"credit-card", "{}", true, "bf08ecd291fb72b5d20e4eea433a41f6"},
      {"iban", "{}", false, "aaec1ba7a9b77f2f09c6da7efb9b1db3"},
      {"iban", "{}", true, "b7a7c385667fc2e2241014ba2ec03c8a"},
      {"uuid", "{}", false, "951551f51363b9b8e367cf49a30c75f3"},
      {"uuid", "{}", true, "87b5689cc63a94f6ceff1281f5cbaae1"},
      {"ip", "{}", false, "e5fa1f35bc0838aceca33640af3c7278"},
      {"ip", "{}", true, "edb9919d09cddaa96cc7b80138170459"},
      {"noise", "{}", false, "b7a22b8c6ba7a9d441978302383cb3e7"},
      {"noise", R"({"spread": 0.5, "min": 0, "max": 1000, "days": 3})", false,
       "1e3b1748b52e829583290618c753c655"},
      {"random-date", "{}", false, "a9a9580e102e6e3ec664b23327c667b0"},
      {"json-path", R"({"path": "$.a.b", "apply": "first-name"})", false,
       "dae2434edf2f6a885f7a3efb7a4d7495"},
      {"json-path", R"({"path": "$.items[*].email", "apply": "email", "options": {}})", false,
       "8a25675c34f1c228849a68d7ffab5cfd"},
  };
  const std::vector<std::string> inputs = stability_inputs();
  for (const Case& c : cases) {
    TransformerSpec spec{c.transformer, nlohmann::json::parse(c.options), true, c.unique};
    auto t = make_transformer(spec, keys);
    ASSERT_TRUE(t.ok()) << c.transformer << ": " << t.error().message;
    EXPECT_EQ(outputs_digest(**t, inputs), c.digest)
        << c.transformer << " " << c.options << (c.unique ? " unique" : "");
    expect_batches_match_values(**t, inputs);
  }
}

// Values so long that a Feistel half's round message exceeds what the hash lanes take (over 250
// positions): those rounds are hashed apart, and must give what the lanes would. Pinned from
// the version before the lanes existed.
TEST(MaskStability, VeryLongValuesKeepTheirOutputs) {
  const MaskKeys keys = keys_from_secret("a-test-secret-long-enough-1234");
  std::vector<std::string> inputs;
  for (size_t n : {520, 1100}) {
    std::string v;
    for (size_t i = 0; i < n; ++i) v.push_back("aZ7-q9"[i % 6]);
    inputs.push_back(v);
  }
  const std::pair<const char*, const char*> cases[] = {
      {"random", "bf7fce3971e0bfba8896537e6ab78673"},
      {"username", "5f0a27782add23e3fd7512a6b26f89ea"}};
  for (const auto& [name, digest] : cases) {
    TransformerSpec spec{name, nlohmann::json::object(), true, true};
    auto t = make_transformer(spec, keys);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(outputs_digest(**t, inputs), digest) << name;
    expect_batches_match_values(**t, inputs);
  }
}

}  // namespace
}  // namespace dbtwin::pipeline
