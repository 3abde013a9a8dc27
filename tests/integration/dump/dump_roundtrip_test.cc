// `dbtwin dump create` and `dump restore` end to end through the real CLI on a file bridge, with
// Pagila on PostgreSQL and Sakila on MariaDB: an encrypted dump restores into a new database with
// equal row counts and per-table checksums and every schema object, and into a new template ready
// to clone; a missing or wrong key, a tampered, truncated or reordered chunk, an unknown or hostile
// name and a non-empty target are refused, leaving no temporary database behind; list, show and
// delete keep the RepliByte-shaped index right.
#include <gtest/gtest.h>

#include <fstream>

#include "base/strings.h"
#include "dump_world.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::DumpWorld;

class DumpRoundTrip : public test::DumpTest {
 protected:
  // A restore that must fail, saying `expected`, without leaving any database behind.
  void expect_refused(const std::vector<std::string>& args, const std::string& expected) {
    auto r = w_->run(args);
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_NE(r.err.find(expected), std::string::npos) << "stderr: " << r.err;
    EXPECT_TRUE(w_->databases_like("dbtwin").empty()) << "a temporary database was left";
    EXPECT_TRUE(w_->databases_like("refused").empty()) << "the target was created";
  }
};

void flip_byte(const fs::path& file, std::streamoff at) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(at);
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x40);
  f.seekp(at);
  f.write(&c, 1);
}

TEST_P(DumpRoundTrip, EncryptedDumpRestoresExactlyAndBadInputIsRefused) {
  auto key = w_->keygen("dump.key");
  auto made =
      w_->run({"--json", "dump", "create", "--source", w_->source_url(), "--bridge", w_->bridge(),
               "--name", "full", "--key-file", key.string(), "--chunk-size", "256K"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto mj = made.json();
  EXPECT_EQ(mj["dump"]["status"], "complete");
  EXPECT_EQ(mj["dump"]["encrypted"], true);
  EXPECT_GT(mj["stats"]["rows"].get<int64_t>(), 40000);

  // The index has RepliByte's fields.
  auto index = json::parse(test::read_text(w_->bridge_dir() / "metadata.json"));
  ASSERT_EQ(index["dumps"].size(), 1u);
  const auto& e = index["dumps"][0];
  EXPECT_EQ(e["directory_name"], "full");
  EXPECT_GT(e["size"].get<int64_t>(), 0);
  EXPECT_GT(e["created_at"].get<int64_t>(), 1'600'000'000'000);  // epoch milliseconds
  EXPECT_EQ(e["compressed"], true);
  EXPECT_EQ(e["encrypted"], true);
  EXPECT_EQ(e["engine"], GetParam());
  auto chunks = test::chunk_files(w_->bridge_dir() / "full");
  ASSERT_GE(chunks.size(), 2u) << "a 256K chunk size should give several chunks";

  // Into a new database on the source's server: the same rows, byte for byte, and schema.
  std::string copy = w_->url_for("copy1");
  auto restored =
      w_->run({"dump", "restore", w_->bridge(), "full", "--key-file", key.string(), "--to", copy});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(w_->checksums(copy), w_->checksums(w_->source_url()));
  EXPECT_EQ(w_->schema_objects(copy), w_->schema_objects(w_->source_url()));
  EXPECT_TRUE(w_->databases_like("dbtwin").empty());

  // Into a new template, then a clone of it.
  auto into = w_->run({"dump", "restore", w_->bridge(), "latest", "--key-file", key.string(),
                       "--template", "restored"});
  ASSERT_EQ(into.exit_code, 0) << into.err;
  auto c = w_->world().create_clone("restored", "r1");
  EXPECT_EQ(w_->checksums(test::url_of(c)), w_->checksums(w_->source_url()));

  std::string refused = w_->url_for("refused");
  // Keys: none, a wrong one.
  expect_refused({"dump", "restore", w_->bridge(), "full", "--to", refused}, "encrypted");
  auto other = w_->keygen("other.key");
  expect_refused(
      {"dump", "restore", w_->bridge(), "full", "--key-file", other.string(), "--to", refused},
      "wrong key");
  std::vector<std::string> restore_refused = {"dump",       "restore",    w_->bridge(), "full",
                                              "--key-file", key.string(), "--to",       refused};
  // A tampered byte in the middle of a chunk.
  auto size = fs::file_size(chunks[1]);
  flip_byte(chunks[1], static_cast<std::streamoff>(size / 2));
  expect_refused(restore_refused, "chunk");
  flip_byte(chunks[1], static_cast<std::streamoff>(size / 2));
  // Two chunks swapped.
  fs::rename(chunks[0], w_->scratch() / "c0");
  fs::rename(chunks[1], chunks[0]);
  fs::rename(w_->scratch() / "c0", chunks[1]);
  expect_refused(restore_refused, "chunk");
  fs::rename(chunks[0], w_->scratch() / "c0");
  fs::rename(chunks[1], chunks[0]);
  fs::rename(w_->scratch() / "c0", chunks[1]);
  // The last chunk gone, then cut short.
  fs::rename(chunks.back(), w_->scratch() / "last");
  expect_refused(restore_refused, "truncated");
  fs::copy_file(w_->scratch() / "last", chunks.back());
  fs::resize_file(chunks.back(), fs::file_size(chunks.back()) / 2);
  expect_refused(restore_refused, "chunk");
  fs::remove(chunks.back());
  fs::rename(w_->scratch() / "last", chunks.back());

  // Names: unknown, hostile; a non-empty target without --replace; then with it.
  expect_refused({"dump", "restore", w_->bridge(), "nosuch", "--to", refused}, "nosuch");
  for (std::string bad : {"../x", "a;rm -rf"}) {
    auto r = w_->run(
        {"dump", "create", "--source", w_->source_url(), "--bridge", w_->bridge(), "--name", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    expect_refused({"dump", "restore", w_->bridge(), bad, "--to", refused}, "");
  }
  EXPECT_FALSE(fs::exists(w_->bridge_dir().parent_path() / "x"));
  auto again =
      w_->run({"dump", "restore", w_->bridge(), "full", "--key-file", key.string(), "--to", copy});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("already"), std::string::npos) << again.err;
  auto replaced = w_->run({"dump", "restore", w_->bridge(), "full", "--key-file", key.string(),
                           "--to", copy, "--replace"});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_EQ(w_->checksums(copy), w_->checksums(w_->source_url()));
  EXPECT_TRUE(w_->databases_like("dbtwin").empty());

  // A second, unencrypted dump; list, show; then keep only the newest.
  auto second = w_->run({"dump", "create", "--source", w_->source_url(), "--bridge", w_->bridge(),
                         "--name", "second"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto list = w_->run({"--json", "dump", "list", w_->bridge()}).json();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["directory_name"], "second");  // newest first
  auto shown = w_->run({"--json", "dump", "show", w_->bridge(), "second"}).json();
  EXPECT_EQ(shown["encrypted"], false);
  EXPECT_EQ(shown["rows"], mj["stats"]["rows"]);
  auto del = w_->run({"dump", "delete", w_->bridge(), "--keep-last", "1"});
  EXPECT_EQ(del.exit_code, 0) << del.err;
  list = w_->run({"--json", "dump", "list", w_->bridge()}).json();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["directory_name"], "second");
  EXPECT_FALSE(fs::exists(w_->bridge_dir() / "full"));
  EXPECT_NE(w_->run({"dump", "delete", w_->bridge(), "full"}).exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, DumpRoundTrip, ::testing::Values("postgres", "mariadb"),
                         test::engine_name);

}  // namespace
}  // namespace dbtwin
