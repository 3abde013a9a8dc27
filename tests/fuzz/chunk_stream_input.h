// The input layout of the fuzz_chunk_stream target, shared with the seed corpus writer and the
// test that checks the seeds:
//   byte 0: bit 0 set = the key is the fuzz passphrase (Argon2id), else the fuzz key file;
//           bits 1-2 = how many cuts split the rest into chunks (0-2; 3 reads as 2)
//   4 bytes per cut: where it falls in the rest, little-endian (clamped to the rest's size)
//   the rest: the chunks' bytes, end to end
#pragma once

#include <sodium.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_key.h"
#include "pipeline/chunk_writer.h"
#include "pipeline/keys.h"
#include "unit/pipeline/memory_store.h"

namespace dbtwin::fuzz {

struct ChunkStreamInput {
  test::MemoryStore store;  // the chunks under "d/"
  std::vector<pipeline::ChunkInfo> chunks;
  pipeline::KeySource key;
};

// Splits `data` as above; nullptr when it is too short for its own cut list.
inline std::unique_ptr<ChunkStreamInput> split_chunk_stream_input(const uint8_t* data,
                                                                  size_t size) {
  using namespace pipeline;
  if (size < 1) return nullptr;
  const size_t ncuts = std::min<size_t>((data[0] >> 1) & 3, 2);
  const size_t head = 1 + 4 * ncuts;
  if (size < head) return nullptr;
  std::string rest(reinterpret_cast<const char*>(data) + head, size - head);
  std::vector<size_t> cuts = {0, rest.size()};
  for (size_t i = 0; i < ncuts; ++i) {
    const uint8_t* p = data + 1 + 4 * i;
    size_t at = p[0] | (p[1] << 8) | (p[2] << 16) | (size_t{p[3]} << 24);
    cuts.push_back(std::min(at, rest.size()));
  }
  std::sort(cuts.begin(), cuts.end());
  auto in = std::make_unique<ChunkStreamInput>();
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    std::string bytes = rest.substr(cuts[i], cuts[i + 1] - cuts[i]);
    unsigned char digest[crypto_generichash_BYTES];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size(), nullptr, 0);
    ChunkInfo info{chunk_name(i), bytes.size(), hex_digest(digest, sizeof digest)};
    (void)in->store.put("d/" + info.key, bytes);
    in->chunks.push_back(info);
  }
  in->key = (data[0] & 1) != 0 ? KeySource{KeySource::Kind::passphrase, {}, kFuzzPassphrase}
                               : KeySource{KeySource::Kind::key_file, fuzz_key_path(), ""};
  return in;
}

// The input for `chunks` (at most 3), read with the passphrase or the key file.
inline std::string join_chunk_stream_input(const std::vector<std::string>& chunks,
                                           bool passphrase) {
  std::string all;
  for (const auto& c : chunks) all += c;
  std::string out(1, static_cast<char>((passphrase ? 1 : 0) | ((chunks.size() - 1) << 1)));
  size_t at = 0;
  for (size_t i = 0; i + 1 < chunks.size(); ++i) {
    at += chunks[i].size();
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((at >> (8 * b)) & 0xff));
  }
  return out + all;
}

}  // namespace dbtwin::fuzz
