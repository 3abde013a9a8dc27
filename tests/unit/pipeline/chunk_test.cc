#include <gtest/gtest.h>

#include <random>

#include "os/files.h"
#include "pipeline/chunk_reader.h"
#include "pipeline/chunk_writer.h"
#include "support/temp_dir.h"
#include "unit/pipeline/memory_store.h"

namespace dbtwin::pipeline {
namespace {

using test::MemoryStore;

std::string random_bytes(size_t n, uint32_t seed, bool compressible) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(compressible ? 'a' + rng() % 4 : rng());
  return s;
}

// Writes `data` in uneven pieces and finishes.
Result<SealSummary> seal(MemoryStore& store, const std::string& dir, const SealOptions& o,
                         std::string_view data) {
  auto w = TRY(ChunkWriter::open(store, dir, o));
  size_t step = 1;
  while (!data.empty()) {
    size_t k = std::min(step, data.size());
    TRY(w->write(data.substr(0, k)));
    data.remove_prefix(k);
    step = step * 3 + 1;
    if (step > 300000) step = 7;
  }
  return w->finish();
}

Result<std::string> unseal(MemoryStore& store, const std::string& dir,
                           const std::vector<ChunkInfo>& chunks, const KeySource& key) {
  auto r = TRY(ChunkReader::open(store, dir, chunks, key));
  std::string out;
  char buf[70000];
  for (;;) {
    size_t k = TRY(r->read(buf, sizeof buf));
    if (k == 0) return out;
    out.append(buf, k);
  }
}

class ChunkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(generate_key_file(dir_ / "a.key").ok());
    ASSERT_TRUE(generate_key_file(dir_ / "b.key").ok());
  }
  KeySource key_file(const char* name = "a.key") {
    return {KeySource::Kind::key_file, dir_ / name, ""};
  }
  static KeySource passphrase(std::string p) { return {KeySource::Kind::passphrase, {}, p}; }

  // A sealed dump of several chunks, for the damage tests.
  SealSummary make(MemoryStore& store, bool encrypted, bool compress = true) {
    SealOptions o;
    o.compress = compress;
    o.block_bytes = 4096;
    o.chunk_bytes = 10000;
    if (encrypted) o.key = key_file();
    data_ = random_bytes(100000, 5, false);
    auto s = seal(store, "d1", o, data_);
    EXPECT_TRUE(s.ok()) << s.error().message;
    EXPECT_GE(s->chunks.size(), 5u);
    return *s;
  }

  test::TempDir dir_;
  std::string data_;
};

TEST_F(ChunkTest, RoundTripsAcrossSizesAndModes) {
  struct Mode {
    bool compress;
    int key;  // 0 none, 1 key file, 2 passphrase
  };
  for (Mode m : {Mode{true, 0}, Mode{false, 0}, Mode{true, 1}, Mode{false, 1}, Mode{true, 2}}) {
    for (size_t size :
         {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{100001}, size_t{3u << 20}}) {
      for (uint64_t chunk : {uint64_t{1}, uint64_t{5000}, uint64_t{32u << 20}}) {
        if (m.key == 2 && (chunk != 5000 || size > 100001)) continue;  // Argon2id is slow
        MemoryStore store;
        SealOptions o;
        o.compress = m.compress;
        o.block_bytes = 4096;
        o.chunk_bytes = chunk;
        o.threads = 3;
        if (m.key == 1) o.key = key_file();
        if (m.key == 2) o.key = passphrase("hunter2");
        std::string data = random_bytes(size, static_cast<uint32_t>(size), size % 2 == 0);
        auto s = seal(store, "dump-1", o, data);
        ASSERT_TRUE(s.ok()) << s.error().message;
        EXPECT_EQ(s->plain_bytes, size);
        EXPECT_EQ(s->encrypted, m.key != 0);
        EXPECT_EQ(s->compressed, m.compress);
        ASSERT_GE(s->chunks.size(), 1u);
        EXPECT_EQ(s->chunks[0].key, "chunk-000000");
        EXPECT_EQ(store.keys().size(), s->chunks.size());
        uint64_t stored = 0;
        for (auto& c : s->chunks) stored += c.size;
        EXPECT_EQ(stored, s->stored_bytes);
        auto back = unseal(store, "dump-1", s->chunks, o.key);
        ASSERT_TRUE(back.ok()) << back.error().message << " size " << size << " chunk " << chunk;
        EXPECT_TRUE(*back == data) << "size " << size << " chunk " << chunk;
        auto head = peek_header(store, "dump-1");
        ASSERT_TRUE(head.ok());
        EXPECT_EQ(head->encrypted, m.key != 0);
        EXPECT_EQ(head->kdf, m.key == 0 ? Kdf::none : m.key == 1 ? Kdf::key_file : Kdf::argon2id);
      }
    }
  }
}

TEST_F(ChunkTest, CompressionShrinksText) {
  MemoryStore store;
  SealOptions o;
  std::string data = random_bytes(4u << 20, 1, true);
  auto s = seal(store, "d", o, data);
  ASSERT_TRUE(s.ok());
  EXPECT_LT(s->stored_bytes, data.size() / 2);
}

TEST_F(ChunkTest, MissingLastChunkIsTruncated) {
  for (bool enc : {false, true}) {
    MemoryStore store;
    auto s = make(store, enc);
    store.objects().erase("d1/" + s.chunks.back().key);
    auto r = unseal(store, "d1", s.chunks, key_file());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("dump d1 is truncated: chunk"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("missing"), std::string::npos);
  }
}

TEST_F(ChunkTest, ManifestWithoutLastChunkIsTruncated) {
  // The chunk list itself lost its tail: the stream must still notice.
  MemoryStore store;
  auto s = make(store, true);
  s.chunks.pop_back();
  auto r = unseal(store, "d1", s.chunks, key_file());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
}

TEST_F(ChunkTest, LastChunkCutShortIsTruncated) {
  for (bool enc : {false, true}) {
    MemoryStore store;
    auto s = make(store, enc);
    auto& obj = store.objects()["d1/" + s.chunks.back().key];
    obj.resize(obj.size() - 10);
    auto r = unseal(store, "d1", s.chunks, key_file());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
    // Even if the manifest agrees with the cut size, the checksum and final tag catch it.
    s.chunks.back().size = obj.size();
    r = unseal(store, "d1", s.chunks, key_file());
    ASSERT_FALSE(r.ok());
  }
}

TEST_F(ChunkTest, SwappedChunksAreRefused) {
  for (bool enc : {false, true}) {
    MemoryStore store;
    auto s = make(store, enc);
    std::swap(store.objects()["d1/chunk-000001"], store.objects()["d1/chunk-000002"]);
    auto r = unseal(store, "d1", s.chunks, key_file());
    ASSERT_FALSE(r.ok());
    // Plain: the checksum at the chunk's end. Encrypted: the first block already fails.
    const char* want = enc ? "dump d1 is tampered or reordered: a block of chunk 1"
                           : "chunk 1 of dump d1 is corrupt (checksum mismatch)";
    EXPECT_NE(r.error().message.find(want), std::string::npos) << r.error().message;
    // A manifest rewritten to match the swap still fails: secretstream sees the reordering.
    if (enc) {
      std::swap(s.chunks[1].size, s.chunks[2].size);
      std::swap(s.chunks[1].blake2b, s.chunks[2].blake2b);
      r = unseal(store, "d1", s.chunks, key_file());
      ASSERT_FALSE(r.ok());
      EXPECT_NE(r.error().message.find("tampered or reordered"), std::string::npos)
          << r.error().message;
    }
  }
}

TEST_F(ChunkTest, EveryFlippedByteIsRefused) {
  for (bool enc : {false, true}) {
    MemoryStore store;
    auto s = make(store, enc);
    std::mt19937 rng(9);
    for (size_t c = 0; c < s.chunks.size(); ++c) {
      auto& obj = store.objects()["d1/" + s.chunks[c].key];
      for (size_t pos : {size_t{0}, size_t{20}, size_t{kChunkHeaderBytes + 2}, obj.size() / 2,
                         obj.size() - 1, size_t(rng() % obj.size())}) {
        if (pos >= obj.size()) continue;
        obj[pos] ^= 0x10;
        auto r = unseal(store, "d1", s.chunks, key_file());
        EXPECT_FALSE(r.ok()) << "chunk " << c << " byte " << pos;
        obj[pos] ^= 0x10;
      }
    }
    ASSERT_TRUE(unseal(store, "d1", s.chunks, key_file()).ok());
  }
}

TEST_F(ChunkTest, TamperedEncryptedBlockIsTamperedEvenWithMatchingManifest) {
  MemoryStore store;
  auto s = make(store, true);
  auto& obj = store.objects()["d1/chunk-000002"];
  obj[obj.size() / 2] ^= 1;
  // An attacker who also rewrites the manifest: authentication still fails.
  std::string digest;
  {
    unsigned char d[crypto_generichash_BYTES];
    crypto_generichash(d, sizeof d, reinterpret_cast<const unsigned char*>(obj.data()), obj.size(),
                       nullptr, 0);
    for (unsigned char c : d) digest += fmt::format("{:02x}", c);
  }
  s.chunks[2].blake2b = digest;
  auto r = unseal(store, "d1", s.chunks, key_file());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("tampered or reordered"), std::string::npos)
      << r.error().message;
}

TEST_F(ChunkTest, KeyChecks) {
  MemoryStore store;
  auto s = make(store, true);
  auto wrong = ChunkReader::open(store, "d1", s.chunks, key_file("b.key"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message, "wrong key for dump d1");
  EXPECT_EQ(wrong.error().code, Errc::invalid_argument);
  auto missing = ChunkReader::open(store, "d1", s.chunks, KeySource{});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "dump d1 is encrypted: give --key-file or --passphrase-env");
  auto pass = ChunkReader::open(store, "d1", s.chunks, passphrase("x"));
  ASSERT_FALSE(pass.ok());
  EXPECT_NE(pass.error().message.find("key file"), std::string::npos);

  MemoryStore plain_store;
  auto p = make(plain_store, false);
  auto plain = unseal(plain_store, "d1", p.chunks, key_file());
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_TRUE(*plain == data_);
}

TEST_F(ChunkTest, WrongPassphraseIsDetected) {
  MemoryStore store;
  SealOptions o;
  o.key = passphrase("right");
  auto s = seal(store, "d", o, "hello");
  ASSERT_TRUE(s.ok());
  auto r = ChunkReader::open(store, "d", s->chunks, passphrase("wrong"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "wrong key for dump d");
  auto k = ChunkReader::open(store, "d", s->chunks, key_file());
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.error().message.find("passphrase"), std::string::npos);
}

TEST_F(ChunkTest, ChunkListOutOfOrderIsRefused) {
  MemoryStore store;
  auto s = make(store, false);
  std::swap(s.chunks[0], s.chunks[1]);
  auto r = ChunkReader::open(store, "d1", s.chunks, KeySource{});
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(ChunkReader::open(store, "d1", {}, KeySource{}).ok());
}

TEST_F(ChunkTest, AbandonedWriterRemovesItsChunks) {
  MemoryStore store;
  {
    SealOptions o;
    o.block_bytes = 1000;
    o.chunk_bytes = 2000;
    auto w = ChunkWriter::open(store, "d", o);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write(random_bytes(50000, 3, false)).ok());
    EXPECT_GT(store.keys().size(), 3u);
  }
  EXPECT_TRUE(store.keys().empty());
}

TEST_F(ChunkTest, StoreErrorsReachTheWriter) {
  MemoryStore store(MemoryStore::Options{false, 20000});
  SealOptions o;
  o.block_bytes = 1000;
  o.chunk_bytes = 5000;
  auto s = seal(store, "d", o, random_bytes(100000, 1, false));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::no_space);
  EXPECT_TRUE(store.keys().empty());
}

TEST_F(ChunkTest, OptionsAreChecked) {
  MemoryStore store;
  SealOptions o;
  o.block_bytes = 0;
  EXPECT_FALSE(ChunkWriter::open(store, "d", o).ok());
  o = SealOptions{};
  o.block_bytes = 17u << 20;
  EXPECT_FALSE(ChunkWriter::open(store, "d", o).ok());
  o = SealOptions{};
  o.level = 99;
  EXPECT_FALSE(ChunkWriter::open(store, "d", o).ok());
  o = SealOptions{};
  o.key = key_file("absent.key");
  EXPECT_FALSE(ChunkWriter::open(store, "d", o).ok());
}

// 300 MB through 1 MiB blocks: the writer never holds more than threads + 2 blocks.
TEST_F(ChunkTest, MemoryStaysFlat) {
  MemoryStore store(MemoryStore::Options{true, UINT64_MAX});
  SealOptions o;
  o.block_bytes = 1u << 20;
  o.chunk_bytes = 8u << 20;
  o.threads = 2;
  o.level = 1;
  o.key = key_file();
  auto w = ChunkWriter::open(store, "big", o);
  ASSERT_TRUE(w.ok());
  std::string piece = random_bytes(3u << 20, 4, true);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE((*w)->write(piece).ok());
  auto s = (*w)->finish();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->plain_bytes, 300u << 20);
  EXPECT_LE((*w)->peak_blocks(), ChunkWriter::max_blocks(o.threads));  // 300 MiB in 8 blocks
  EXPECT_GE((*w)->peak_blocks(), 2u);
}

}  // namespace
}  // namespace dbtwin::pipeline
