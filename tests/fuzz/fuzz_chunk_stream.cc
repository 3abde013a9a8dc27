// Fuzz target: a whole one-chunk dump (header, records, decryption, decompression) read back
// through ChunkReader from a memory store. The listed checksum is the input's own, so the parser
// behind the checksum is what gets exercised. Encrypted inputs use a fixed key file, which the
// seed corpus (make_corpus.cc) was written with.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include <sodium.h>

#include "fuzz_key.h"
#include "pipeline/chunk_reader.h"
#include "unit/pipeline/memory_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dbtwin::pipeline;
  const auto& key_path = dbtwin::fuzz::fuzz_key_path();
  std::string bytes(reinterpret_cast<const char*>(data), size);
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, data, size, nullptr, 0);
  ChunkInfo info{chunk_name(0), size, dbtwin::fuzz::hex_digest(digest, sizeof digest)};
  dbtwin::test::MemoryStore store;
  (void)store.put("d/" + info.key, bytes);
  KeySource key{KeySource::Kind::key_file, key_path, ""};
  auto reader = ChunkReader::open(store, "d", {info}, key);
  if (!reader.ok()) return 0;
  char buf[65536];
  for (;;) {
    auto k = (*reader)->read(buf, sizeof buf);
    if (!k.ok() || *k == 0) break;
  }
  return 0;
}
