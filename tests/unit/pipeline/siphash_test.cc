// The inline SipHash must be libsodium's crypto_shorthash_siphashx24, bit for bit: masks made
// before it replaced libsodium's in the hot paths must stay the same.
#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <random>
#include <string>
#include <vector>

#include "pipeline/transform/siphash.h"
#include "pipeline/transform/siphash_many.h"

namespace dbtwin::pipeline {
namespace {

TEST(SipHash, EqualsLibsodiumOnEveryLengthAndAlignment) {
  ASSERT_GE(sodium_init(), 0);
  std::mt19937_64 gen(42);
  std::string buffer(200, '\0');
  for (char& c : buffer) c = static_cast<char>(gen());
  for (int trial = 0; trial < 50; ++trial) {
    unsigned char key_bytes[16];
    for (auto& b : key_bytes) b = static_cast<unsigned char>(gen());
    sip::Key key = sip::key_of(key_bytes);
    for (size_t len = 0; len <= 70; ++len) {
      size_t offset = gen() % 8;  // unaligned starts too
      std::string_view data(buffer.data() + offset, len);
      unsigned char want[16], got[16];
      crypto_shorthash_siphashx24(want, reinterpret_cast<const unsigned char*>(data.data()), len,
                                  key_bytes);
      sip::hash128(key, data, got);
      ASSERT_EQ(std::memcmp(want, got, 16), 0) << "length " << len << " trial " << trial;
    }
  }
}

TEST(SipHash, PackedWordsGiveTheSameHashAsTheBytes) {
  std::mt19937_64 gen(7);
  unsigned char key_bytes[16];
  for (auto& b : key_bytes) b = static_cast<unsigned char>(gen());
  sip::Key key = sip::key_of(key_bytes);
  for (size_t len = 0; len <= 40; ++len) {
    std::string bytes(len, '\0');
    uint64_t words[6] = {};
    for (size_t i = 0; i < len; ++i) {
      bytes[i] = static_cast<char>(gen());
      words[i / 8] |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * (i % 8));
    }
    uint64_t a[2], b[2];
    sip::hash128(key, bytes, a);
    sip::hash128_words(key, words, len, b);
    EXPECT_EQ(a[0], b[0]) << len;
    EXPECT_EQ(a[1], b[1]) << len;
  }
}

// Every instruction set this CPU has, against the scalar hash: batches of every size around the
// lane count, messages of mixed lengths (so lanes finish at different blocks), one key or eight.
TEST(SipHash, EightLanesEqualTheScalarHashOnEveryInstructionSet) {
  std::mt19937_64 gen(3);
  std::string buffer(256, '\0');
  for (char& c : buffer) c = static_cast<char>(gen());
  std::vector<std::string> isas = sip::supported_lanes_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.back(), "generic");
  std::string best = sip::lanes_isa();
  for (const std::string& isa : isas) {
    ASSERT_TRUE(sip::use_lanes_isa(isa));
    EXPECT_EQ(sip::lanes_isa(), isa);
    for (size_t n = 0; n <= 27; ++n) {
      unsigned char kb[16];
      for (auto& b : kb) b = static_cast<unsigned char>(gen());
      sip::Key key = sip::key_of(kb);
      std::vector<std::string_view> data;
      for (size_t i = 0; i < n; ++i) data.emplace_back(buffer.data() + gen() % 64, gen() % 70);
      std::vector<std::array<uint64_t, 2>> out(n);
      sip::hash128_many(key, data.data(), n, reinterpret_cast<uint64_t(*)[2]>(out.data()));
      for (size_t i = 0; i < n; ++i) {
        uint64_t want[2];
        sip::hash128(key, data[i], want);
        ASSERT_EQ(out[i][0], want[0]) << isa << " n=" << n << " i=" << i;
        ASSERT_EQ(out[i][1], want[1]) << isa << " n=" << n << " i=" << i;
      }
    }
    for (int trial = 0; trial < 200; ++trial) {
      sip::Key keys[sip::kLanes];
      uint64_t words[sip::kLanes][6] = {};
      const uint64_t* ptrs[sip::kLanes];
      size_t len[sip::kLanes];
      for (size_t j = 0; j < sip::kLanes; ++j) {
        keys[j] = {gen(), gen()};
        len[j] = gen() % 41;
        for (size_t b = 0; b < len[j]; ++b) words[j][b / 8] |= (gen() & 0xff) << (8 * (b % 8));
        ptrs[j] = j == 5 && trial % 3 == 0 ? nullptr : words[j];  // a skipped lane
      }
      uint64_t out[sip::kLanes][2];
      sip::hash128_words_x8(keys, ptrs, len, out);
      for (size_t j = 0; j < sip::kLanes; ++j) {
        if (ptrs[j] == nullptr) continue;
        uint64_t want[2];
        sip::hash128_words(keys[j], words[j], len[j], want);
        ASSERT_EQ(out[j][0], want[0]) << isa << " lane " << j;
        ASSERT_EQ(out[j][1], want[1]) << isa << " lane " << j;
      }
    }
  }
  EXPECT_TRUE(sip::use_lanes_isa(best));
  EXPECT_FALSE(sip::use_lanes_isa("sse9"));
}

}  // namespace
}  // namespace dbtwin::pipeline
