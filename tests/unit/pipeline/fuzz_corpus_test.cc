// The fuzz targets' seed corpus (tests/fuzz/corpus) must stay valid input: a seed the parser
// refuses outright teaches the fuzzer nothing. Regenerate with fuzz_make_corpus when the
// format changes.
#include <gtest/gtest.h>

#include <filesystem>

#include "fuzz/chunk_stream_input.h"
#include "fuzz/fuzz_key.h"
#include "os/files.h"
#include "pipeline/chunk_reader.h"
#include "pipeline/frames.h"
#include "unit/pipeline/memory_store.h"
#include "unit/pipeline/pipeline_fakes.h"

namespace dbtwin::pipeline {
namespace {

namespace fs = std::filesystem;

fs::path corpus(const char* target) {
  return fs::path(DBTWIN_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / target;
}

TEST(FuzzCorpus, FrameSeedsParse) {
  int seen = 0;
  for (const auto& e : fs::directory_iterator(corpus("fuzz_frames"))) {
    auto bytes = os::read_file(e.path());
    ASSERT_TRUE(bytes.ok());
    test::StringSource src(*bytes);
    FrameReader reader(src);
    Frame f;
    Result<bool> more = true;
    while (more.ok() && *more) more = reader.next(f);
    EXPECT_TRUE(more.ok()) << e.path() << ": " << more.error().message;
    ++seen;
  }
  EXPECT_GE(seen, 2);
}

// Every seed reads to its end: single and multi-chunk dumps, with the key file or the passphrase.
TEST(FuzzCorpus, ChunkSeedsUnsealWithTheFuzzKeys) {
  int seen = 0, multi = 0, passphrase = 0;
  for (const auto& e : fs::directory_iterator(corpus("fuzz_chunk_stream"))) {
    auto bytes = os::read_file(e.path());
    ASSERT_TRUE(bytes.ok());
    auto in = fuzz::split_chunk_stream_input(reinterpret_cast<const uint8_t*>(bytes->data()),
                                             bytes->size());
    ASSERT_TRUE(in != nullptr) << e.path();
    multi += in->chunks.size() > 1;
    passphrase += in->key.kind == KeySource::Kind::passphrase;
    auto reader = ChunkReader::open(in->store, "d", in->chunks, in->key);
    ASSERT_TRUE(reader.ok()) << e.path() << ": " << reader.error().message;
    FrameReader frames(**reader);
    Frame f;
    Result<bool> more = true;
    while (more.ok() && *more) more = frames.next(f);
    EXPECT_TRUE(more.ok()) << e.path() << ": " << more.error().message;
    ++seen;
  }
  EXPECT_GE(seen, 4);
  EXPECT_GE(multi, 2);
  EXPECT_GE(passphrase, 1);
}

TEST(FuzzCorpus, HeaderSeedsDecode) {
  for (const auto& e : fs::directory_iterator(corpus("fuzz_chunk_header"))) {
    auto bytes = os::read_file(e.path());
    ASSERT_TRUE(bytes.ok());
    EXPECT_TRUE(decode_chunk_header(*bytes).ok()) << e.path();
  }
}

}  // namespace
}  // namespace dbtwin::pipeline
