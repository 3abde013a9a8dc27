#include "pipeline/keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "os/files.h"
#include "support/temp_dir.h"

namespace dbtwin::pipeline {
namespace {

bool same(const SecretKey& a, const SecretKey& b) {
  return std::equal(a.data(), a.data() + kKeyBytes, b.data());
}

TEST(Keys, GeneratedKeyFileIsPrivateHexAndLoads) {
  test::TempDir dir;
  auto path = dir / "dump.key";
  ASSERT_TRUE(generate_key_file(path).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto text = os::read_file(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->size(), 65u);
  auto key = load_key_file(path);
  ASSERT_TRUE(key.ok()) << key.error().message;
  // Never overwrites a key.
  auto again = generate_key_file(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::already_exists);
}

TEST(Keys, RawAndHexFormsGiveTheSameKey) {
  test::TempDir dir;
  std::string raw(32, '\0');
  std::string hex;
  for (int i = 0; i < 32; ++i) {
    raw[i] = static_cast<char>(i * 7);
    hex += fmt::format("{:02X}", i * 7 & 0xff);
  }
  ASSERT_TRUE(os::write_file(dir / "raw", raw, 0600).ok());
  ASSERT_TRUE(os::write_file(dir / "hex", hex, 0600).ok());
  ASSERT_TRUE(os::write_file(dir / "hexnl", hex + "\n", 0600).ok());
  auto a = load_key_file(dir / "raw");
  auto b = load_key_file(dir / "hex");
  auto c = load_key_file(dir / "hexnl");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(same(*a, *b));
  EXPECT_TRUE(same(*a, *c));
  EXPECT_EQ(key_check(*a), key_check(*b));
}

TEST(Keys, MalformedKeyFilesAreRefused) {
  test::TempDir dir;
  ASSERT_TRUE(os::write_file(dir / "short", "abc", 0600).ok());
  ASSERT_TRUE(os::write_file(dir / "nothex", std::string(64, 'g'), 0600).ok());
  for (const char* name : {"short", "nothex", "absent"}) {
    auto k = load_key_file(dir / name);
    EXPECT_FALSE(k.ok()) << name;
  }
  EXPECT_EQ(load_key_file(dir / "short").error().code, Errc::invalid_argument);
}

TEST(Keys, PassphraseDerivationIsDeterministicPerSalt) {
  KdfParams p = new_kdf_params();
  EXPECT_EQ(p.opslimit, 2u);
  EXPECT_EQ(p.memlimit_kib, 19u * 1024);
  auto a = derive_key("correct horse", p);
  auto b = derive_key("correct horse", p);
  auto c = derive_key("wrong horse", p);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(same(*a, *b));
  EXPECT_FALSE(same(*a, *c));
  KdfParams other = new_kdf_params();
  auto d = derive_key("correct horse", other);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(same(*a, *d));
  EXPECT_NE(key_check(*a), key_check(*c));
}

TEST(Keys, DerivationRefusesHostileParameters) {
  KdfParams p = new_kdf_params();
  p.memlimit_kib = 4u << 20;  // 4 GiB
  EXPECT_FALSE(derive_key("x", p).ok());
  p = new_kdf_params();
  p.opslimit = 1000;
  EXPECT_FALSE(derive_key("x", p).ok());
  EXPECT_FALSE(derive_key("", new_kdf_params()).ok());
}

}  // namespace
}  // namespace dbtwin::pipeline
