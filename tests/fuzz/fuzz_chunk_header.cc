// Fuzz target: the binary header at the start of a dump's first chunk, decoded directly and
// through peek_header() on a memory store.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pipeline/chunk_reader.h"
#include "pipeline/sealing.h"
#include "unit/pipeline/memory_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  auto h = dbtwin::pipeline::decode_chunk_header(bytes);
  if (h.ok()) {
    // A header that decodes must encode back to the bytes it came from.
    std::string again = dbtwin::pipeline::encode_chunk_header(*h);
    if (again != bytes.substr(0, again.size())) __builtin_trap();
  }
  dbtwin::test::MemoryStore store;
  (void)store.put("d/chunk-000000", bytes);
  (void)dbtwin::pipeline::peek_header(store, "d");
  return 0;
}
