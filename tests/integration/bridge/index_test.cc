// The index (metadata.json) on real bridges: concurrent publishers, withdrawal, bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "bridge/bridge.h"
#include "bridge/index.h"
#include "os/files.h"
#include "support/s3rver.h"
#include "support/temp_dir.h"

namespace dbtwin::test {
namespace {

using bridge::DumpManifest;

DumpManifest manifest(const std::string& name, int64_t created) {
  DumpManifest m;
  m.directory_name = name;
  m.created_at_ms = created;
  m.status = "complete";
  m.size = 42;
  m.compressed = m.encrypted = true;
  m.engine = "postgres";
  m.chunks = {{name + "/chunk-000000", 42, "ab"}};
  return m;
}

std::set<std::string> names(pipeline::ObjectStore& store) {
  std::set<std::string> out;
  auto dumps = bridge::list_dumps(store);
  EXPECT_TRUE(dumps.ok()) << dumps.error().message;
  if (dumps.ok())
    for (const auto& d : *dumps) out.insert(d.directory_name);
  return out;
}

// Two publishers at once, `rounds` times; each round both dumps must be listed afterwards.
void race_publishers(pipeline::ObjectStore& a, pipeline::ObjectStore& b, int rounds) {
  for (int r = 0; r < rounds; ++r) {
    std::string n1 = "dump-a" + std::to_string(r), n2 = "dump-b" + std::to_string(r);
    Status s1, s2;
    std::thread t1([&] { s1 = bridge::publish(a, manifest(n1, 1000 + 2 * r)); });
    std::thread t2([&] { s2 = bridge::publish(b, manifest(n2, 1001 + 2 * r)); });
    t1.join();
    t2.join();
    ASSERT_TRUE(s1.ok()) << s1.error().message;
    ASSERT_TRUE(s2.ok()) << s2.error().message;
    auto listed = names(a);
    ASSERT_TRUE(listed.count(n1) && listed.count(n2)) << "round " << r << " lost a dump";
    ASSERT_EQ(listed.size(), size_t(2 * (r + 1)));
  }
}

std::unique_ptr<pipeline::ObjectStore> open_or_fail(const std::string& url,
                                                    const bridge::BridgeOptions& o = {}) {
  auto s = bridge::open_bridge(url, o);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(BridgeIndex, ConcurrentPublishersOnOneFileStore) {
  TempDir tmp;
  auto store = open_or_fail("file://" + (tmp / "b").string());
  race_publishers(*store, *store, 20);
}

TEST(BridgeIndex, ConcurrentPublishersOnTwoFileStores) {
  TempDir tmp;
  auto a = open_or_fail("file://" + (tmp / "b").string());
  auto b = open_or_fail("file://" + (tmp / "b").string());
  race_publishers(*a, *b, 20);
}

TEST(BridgeIndex, ConcurrentPublishersOnTwoS3Stores) {
  std::string why;
  auto s3 = S3rver::start("idx", &why);
  if (!s3) GTEST_SKIP() << why;
  bridge::BridgeOptions o;
  o.endpoint = s3->endpoint();
  o.access_key = o.secret_key = S3rver::kKey;
  // S3 has no lock: the two stores only meet through the bucket, as two machines would.
  auto a = open_or_fail("s3://idx/p", o);
  auto b = open_or_fail("s3://idx/p", o);
  race_publishers(*a, *b, 20);
}

TEST(BridgeIndex, IndexIsRepliByteShaped) {
  TempDir tmp;
  auto store = open_or_fail("file://" + (tmp / "b").string());
  ASSERT_TRUE(bridge::publish(*store, manifest("dump-2", 2000)).ok());
  ASSERT_TRUE(bridge::publish(*store, manifest("dump-1", 1000)).ok());
  auto j = nlohmann::json::parse(os::read_file(tmp / "b/metadata.json").value());
  ASSERT_EQ(j["dumps"].size(), 2u);
  EXPECT_EQ(j["dumps"][0]["directory_name"], "dump-1") << "sorted by created_at";
  for (const char* f : {"directory_name", "size", "created_at", "compressed", "encrypted"})
    EXPECT_TRUE(j["dumps"][0].contains(f)) << f;
  EXPECT_FALSE(j["dumps"][0].contains("chunks")) << "chunk lists stay in dump.json";
  auto full = bridge::find_dump(*store, "dump-1");
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(full->chunks.size(), 1u);
  EXPECT_EQ(full->chunks[0].key, "dump-1/chunk-000000");
}

TEST(BridgeIndex, LatestIsNewestComplete) {
  TempDir tmp;
  auto store = open_or_fail("file://" + (tmp / "b").string());
  EXPECT_EQ(bridge::find_dump(*store, "latest").error().code, Errc::not_found);
  ASSERT_TRUE(bridge::publish(*store, manifest("dump-1", 1000)).ok());
  auto failed = manifest("dump-2", 2000);
  failed.status = "failed";
  failed.error = "source went away";
  ASSERT_TRUE(bridge::publish(*store, failed).ok());
  EXPECT_EQ(bridge::find_dump(*store, "latest")->directory_name, "dump-1");
  EXPECT_EQ(bridge::find_dump(*store, "dump-2")->error, "source went away");
  EXPECT_EQ(bridge::find_dump(*store, "dump-9").error().code, Errc::not_found);
}

TEST(BridgeIndex, WithdrawRemovesEntryManifestAndChunks) {
  TempDir tmp;
  auto store = open_or_fail("file://" + (tmp / "b").string());
  ASSERT_TRUE(store->put("dump-1/chunk-000000", "c").ok());
  ASSERT_TRUE(store->put("dump-1/chunk-000001", "c").ok());
  ASSERT_TRUE(bridge::publish(*store, manifest("dump-1", 1000)).ok());
  ASSERT_TRUE(bridge::publish(*store, manifest("dump-2", 2000)).ok());
  ASSERT_TRUE(bridge::withdraw(*store, "dump-1").ok());
  EXPECT_EQ(names(*store), std::set<std::string>{"dump-2"});
  EXPECT_TRUE(store->list("dump-1/")->empty());
  EXPECT_EQ(bridge::find_dump(*store, "dump-1").error().code, Errc::not_found);
}

TEST(BridgeIndex, MalformedFilesAreNamedAndRepaired) {
  TempDir tmp;
  auto store = open_or_fail("file://" + (tmp / "b").string());
  ASSERT_TRUE(bridge::publish(*store, manifest("dump-1", 1000)).ok());
  ASSERT_TRUE(store->put("metadata.json", "{not json").ok());
  auto listed = bridge::list_dumps(*store);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, Errc::invalid_argument);
  EXPECT_NE(listed.error().message.find("metadata.json"), std::string::npos)
      << listed.error().message;
  // A broken dump.json is left out of the index (with a warning) rather than hiding the others.
  ASSERT_TRUE(store->put("dump-3/dump.json", "[1,2").ok());
  ASSERT_TRUE(bridge::publish(*store, manifest("dump-2", 2000)).ok());
  EXPECT_EQ(names(*store), (std::set<std::string>{"dump-1", "dump-2"}));
  auto bad = bridge::find_dump(*store, "dump-3");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("dump-3/dump.json"), std::string::npos) << bad.error().message;
}

TEST(BridgeIndex, KeepsRepliBytesOwnEntries) {
  TempDir tmp;
  auto store = open_or_fail("file://" + (tmp / "b").string());
  ASSERT_TRUE(store
                  ->put("metadata.json",
                        R"({"dumps":[{"directory_name":"dump-5","size":10,"created_at":5,)"
                        R"("compressed":true,"encrypted":false}]})")
                  .ok());
  ASSERT_TRUE(bridge::publish(*store, manifest("dump-6", 6)).ok());
  EXPECT_EQ(names(*store), (std::set<std::string>{"dump-5", "dump-6"}));
}

TEST(BridgeIndex, HostileNamesAreRefusedBeforeAnyKeyUse) {
  TempDir tmp;
  auto store = open_or_fail("file://" + (tmp / "b").string());
  for (std::string name : std::vector<std::string>{"../x", "a;rm -rf", "", "A", ".hidden", "a/b",
                                                   std::string(64, 'a'), "x y"}) {
    auto m = manifest(name, 1);
    auto s = bridge::publish(*store, m);
    ASSERT_FALSE(s.ok()) << name;
    EXPECT_EQ(s.error().code, Errc::invalid_argument) << name;
    EXPECT_EQ(bridge::withdraw(*store, name).error().code, Errc::invalid_argument) << name;
    EXPECT_EQ(bridge::find_dump(*store, name).error().code, Errc::invalid_argument) << name;
  }
  EXPECT_FALSE(os::exists(tmp / "x"));
  EXPECT_TRUE(store->list("")->empty()) << "nothing was written";
  EXPECT_TRUE(bridge::validate_dump_name("dump-1700000000000").ok());
  EXPECT_TRUE(bridge::validate_dump_name("nightly_2024.01-a").ok());
}

}  // namespace
}  // namespace dbtwin::test
