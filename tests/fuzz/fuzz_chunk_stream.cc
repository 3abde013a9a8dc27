// Fuzz target: a whole dump (header, records, decryption, decompression) of one to three chunks,
// read with a key file or a passphrase, back through ChunkReader from a memory store. The listed
// checksums are the chunks' own, so the parser behind the checksums is what gets exercised. The
// input's layout is in chunk_stream_input.h.
#include <cstddef>
#include <cstdint>

#include "chunk_stream_input.h"
#include "pipeline/chunk_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = dbtwin::fuzz::split_chunk_stream_input(data, size);
  if (!in) return 0;
  auto reader = dbtwin::pipeline::ChunkReader::open(in->store, "d", in->chunks, in->key);
  if (!reader.ok()) return 0;
  char buf[65536];
  for (;;) {
    auto k = (*reader)->read(buf, sizeof buf);
    if (!k.ok() || *k == 0) break;
  }
  return 0;
}
