// Writes the fuzz targets' seed corpus: small valid inputs of every kind each parser accepts.
// Run once and commit the output; scripts/fuzz.sh can regenerate it.
//   fuzz_make_corpus CORPUS_DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "chunk_stream_input.h"
#include "fuzz_key.h"
#include "pipeline/chunk_writer.h"
#include "pipeline/frames.h"
#include "unit/pipeline/memory_store.h"
#include "unit/pipeline/pipeline_fakes.h"

namespace {

using namespace dbtwin::pipeline;
namespace fs = std::filesystem;

DumpHeader header(size_t tables) {
  DumpHeader h;
  h.database = "shop";
  h.server_version = "15.4";
  for (uint32_t i = 0; i < tables; ++i) {
    TableInfo t;
    t.id = i;
    t.schema = "public";
    t.name = "t" + std::to_string(i);
    t.columns = {{"id", "integer", false, false, true}, {"v", "text", false, true, false}};
    t.primary_key = {"id"};
    h.tables.push_back(t);
  }
  return h;
}

std::string stream(size_t tables, size_t rows) {
  dbtwin::test::StringSink sink;
  FrameWriter w(sink);
  (void)w.header(header(tables));
  (void)w.pre_data("CREATE TABLE t0 (id int, v text);");
  for (uint32_t t = 0; t < tables; ++t) {
    std::string lines;
    for (size_t r = 0; r < rows; ++r)
      lines += std::to_string(r) + "\tv\\t" + std::to_string(r) + "\n";
    if (rows) (void)w.data(t, lines);
    (void)w.table_done(t, rows);
  }
  (void)w.post_data("CREATE INDEX ON t0 (id);");
  (void)w.end(tables, tables * rows);
  return sink.data;
}

void save(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

enum class Key { none, key_file, passphrase };

// The dump's chunks, in order.
std::vector<std::string> sealed(const std::string& plain, bool compress, Key key,
                                size_t chunk_bytes = 1u << 30) {
  dbtwin::test::MemoryStore store;
  SealOptions o;
  o.compress = compress;
  o.block_bytes = 200;
  o.chunk_bytes = chunk_bytes;
  if (key == Key::key_file) o.key = {KeySource::Kind::key_file, dbtwin::fuzz::fuzz_key_path(), ""};
  if (key == Key::passphrase)
    o.key = {KeySource::Kind::passphrase, {}, dbtwin::fuzz::kFuzzPassphrase};
  auto w = ChunkWriter::open(store, "d", o);
  if (!w.ok() || !(*w)->write(plain).ok() || !(*w)->finish().ok()) std::abort();
  std::vector<std::string> chunks;
  for (size_t i = 0; store.objects().contains("d/" + chunk_name(i)); ++i)
    chunks.push_back(store.objects().at("d/" + chunk_name(i)));
  return chunks;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  fs::path dir = argv[1];
  save(dir / "fuzz_frames/empty_tables", stream(2, 0));
  save(dir / "fuzz_frames/rows", stream(3, 4));
  std::string small = stream(1, 3);
  for (bool c : {false, true})
    for (bool e : {false, true}) {
      std::string name = std::string(c ? "zstd" : "raw") + (e ? "_keyfile" : "_plain");
      auto chunks = sealed(small, c, e ? Key::key_file : Key::none);
      save(dir / "fuzz_chunk_stream" / name, dbtwin::fuzz::join_chunk_stream_input(chunks, false));
      save(dir / "fuzz_chunk_header" / name, chunks[0].substr(0, kChunkHeaderBytes));
    }
  save(dir / "fuzz_chunk_stream/zstd_passphrase",
       dbtwin::fuzz::join_chunk_stream_input(sealed(small, true, Key::passphrase), true));
  std::string bigger = stream(2, 40);
  for (size_t n : {2, 3}) {
    auto chunks = sealed(bigger, true, Key::key_file, bigger.size() / n + 64);
    save(dir / "fuzz_chunk_stream" / ("zstd_keyfile_" + std::to_string(chunks.size()) + "_chunks"),
         dbtwin::fuzz::join_chunk_stream_input(chunks, false));
  }
  ChunkHeader argon;
  argon.encrypted = true;
  argon.compressed = true;
  argon.kdf = Kdf::argon2id;
  argon.opslimit = 2;
  argon.memlimit_kib = 19 * 1024;
  save(dir / "fuzz_chunk_header/argon2id", encode_chunk_header(argon));
  return 0;
}
