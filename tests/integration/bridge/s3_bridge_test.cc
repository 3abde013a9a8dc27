// The s3:// bridge against a real S3-compatible server (s3rver), and interoperability with the
// real aws CLI in both directions.
#include <gtest/gtest.h>

#include "bridge/bridge.h"
#include "bridge/s3_store.h"
#include "os/files.h"
#include "store_checks.h"
#include "support/s3rver.h"

namespace dbtwin::test {
namespace {

bridge::BridgeOptions s3_options(const S3rver& s3) {
  bridge::BridgeOptions o;
  o.endpoint = s3.endpoint();
  o.access_key = S3rver::kKey;
  o.secret_key = S3rver::kSecret;
  o.s3_page_size = 2;  // 5 objects take 3 pages
  return o;
}

class S3Bridge : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    s3_ = S3rver::start("dumps", &why);
    if (!s3_) GTEST_SKIP() << why;
    auto store = bridge::open_bridge("s3://dumps/team/x", s3_options(*s3_));
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
  }
  bridge::S3Store& s3store() { return dynamic_cast<bridge::S3Store&>(*store_); }
  std::unique_ptr<S3rver> s3_;
  std::unique_ptr<pipeline::ObjectStore> store_;
};

TEST_F(S3Bridge, SharedBehaviour) {
  EXPECT_EQ(store_->describe(), "s3://dumps/team/x");
  check_small_objects(*store_);
  check_missing_and_remove(*store_);
  check_put_replaces(*store_);
  check_uncommitted_invisible(*store_);
  check_hostile_keys(*store_);
  uint64_t pages = s3store().list_pages();
  check_list_paginates(*store_);
  EXPECT_GE(s3store().list_pages() - pages, 3u) << "page size 2 must take 3 pages for 5 objects";
}

TEST_F(S3Bridge, BigObjectUsesMultipart) {
  EXPECT_EQ(s3store().multipart_uploads(), 0u);
  check_big_object(*store_, (17 << 20) + 123);  // 3 parts of 8 MiB
  EXPECT_EQ(s3store().multipart_uploads(), 1u);
  // s3rver's ETags are whole-object MD5s (no "-N" suffix), so the aws CLI checks the size.
  auto head = s3_->aws({"s3api", "head-object", "--bucket", "dumps", "--key", "team/x/big/object"});
  if (head.ok() && head->exit_code == 0) {
    EXPECT_NE(head->out.find(std::to_string((17 << 20) + 123)), std::string::npos) << head->out;
  }
  // Exactly one part's worth stays a single PUT.
  write_in_pieces(*store_, "big/exact", pattern_bytes(8 << 20, 3), 1 << 20);
  EXPECT_EQ(s3store().multipart_uploads(), 1u);
}

TEST_F(S3Bridge, AwsCliReadsOurObjectsAndWeReadItsObjects) {
  auto probe = s3_->aws({"--version"});
  if (!probe.ok()) GTEST_SKIP() << probe.error().message;
  ASSERT_TRUE(store_->put("ours/hello.txt", "written by dbtwin\n").ok());
  TempDir tmp;
  auto got =
      s3_->aws({"s3", "cp", "s3://dumps/team/x/ours/hello.txt", (tmp / "hello.txt").string()});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->exit_code, 0) << got->err;
  EXPECT_EQ(os::read_file(tmp / "hello.txt").value_or(""), "written by dbtwin\n");

  std::string big = pattern_bytes((9 << 20) + 5, 11);  // the CLI uploads this in parts
  ASSERT_TRUE(os::write_file(tmp / "big.bin", big).ok());
  auto put = s3_->aws({"s3", "cp", (tmp / "big.bin").string(), "s3://dumps/team/x/theirs/big.bin"});
  ASSERT_TRUE(put.ok());
  ASSERT_EQ(put->exit_code, 0) << put->err;
  EXPECT_TRUE(read_all(*store_, "theirs/big.bin") == big);
  auto listed = store_->list("theirs/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].size, big.size());
}

TEST_F(S3Bridge, KeysWithSpecialCharactersRoundTrip) {
  std::string key = "odd/a b+c&d=e%f~g'h\"i<j>.txt";
  ASSERT_TRUE(store_->put(key, "odd").ok());
  EXPECT_EQ(store_->get(key)->value_or(""), "odd");
  auto listed = store_->list("odd/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, key);
}

TEST_F(S3Bridge, MissingBucketIsAClearErrorWithoutSecrets) {
  auto o = s3_options(*s3_);
  o.secret_key = "very-secret-value";
  auto store = bridge::open_bridge("s3://no-such-bucket", o);
  ASSERT_TRUE(store.ok());
  auto put = (*store)->put("k", "v");
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.error().message.find("NoSuchBucket"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("404"), std::string::npos) << put.error().message;
  EXPECT_EQ(put.error().message.find("very-secret-value"), std::string::npos);
  auto got = (*store)->get("k");
  ASSERT_FALSE(got.ok()) << "a missing bucket is not a missing object";
}

TEST_F(S3Bridge, CredentialsFromEnvironmentAndFile) {
  TempDir tmp;
  ASSERT_TRUE(
      os::write_file(tmp / "credentials",
                     "[default]\naws_access_key_id = nope\naws_secret_access_key = nope\n"
                     "[s3rver]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n",
                     0600)
          .ok());
  bridge::BridgeOptions o;
  o.endpoint = s3_->endpoint();
  o.credentials_file = tmp / "credentials";
  o.profile = "s3rver";
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  auto store = bridge::open_bridge("s3://dumps", o);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_TRUE((*store)->put("from-file", "ok").ok());
  o.profile = "missing";
  auto none = bridge::open_bridge("s3://dumps", o);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::unavailable);
}

}  // namespace
}  // namespace dbtwin::test
