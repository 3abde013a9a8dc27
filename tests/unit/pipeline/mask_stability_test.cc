// Deterministic masks must not drift between dbtwin versions: a dump made before an upgrade and
// one made after must still join on masked columns, and a unique mask must stay the same
// bijection. These outputs are pinned from the version that wrote this test. If a change here is
// deliberate, say so in docs/masking.md ("Modes and the secret") and update the pins.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace dbtwin::pipeline
