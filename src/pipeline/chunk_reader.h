// ChunkReader: the reverse of ChunkWriter. Reads a dump's chunk objects in order and gives back
// the plaintext stream, checking everything it can before and while it reads:
//  - before anything: every listed chunk exists with its listed size, the header is sane, and
//    the key is the right one (a key check in the header);
//  - at each chunk's end: its size and BLAKE2b-256;
//  - every block: authentication (encrypted dumps), the final tag exactly at the end, and
//    bounded decompression.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "pipeline/chunk_writer.h"
#include "pipeline/keys.h"
#include "pipeline/object_store.h"
#include "pipeline/sealing.h"
#include "pipeline/stream.h"

namespace dbtwin::pipeline {

class ChunkReader : public ByteSource {
 public:
  // `expected` is the chunk list the writer's SealSummary gave, in order. A key given for a dump
  // that is not encrypted is ignored.
  static Result<std::unique_ptr<ChunkReader>> open(ObjectStore& store, std::string dir,
                                                   const std::vector<ChunkInfo>& expected,
                                                   const KeySource& key);
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // Plaintext; 0 only after the whole dump was read and verified. Errors are sticky.
  Result<size_t> read(char* buf, size_t n) override;

  const ChunkHeader& header() const { return header_; }
  // Stored bytes consumed so far; safe to call from another thread (progress).
  uint64_t stored_bytes_read() const { return stored_read_.load(std::memory_order_relaxed); }
  uint64_t stored_bytes_total() const { return stored_total_; }

 private:
  ChunkReader(ObjectStore& store, std::string dir, std::vector<ChunkInfo> expected);
  Status check_present();
  Status read_header();
  Status setup_key(const KeySource& key);
  Result<bool> next_block();
  Result<size_t> raw_read(char* buf, size_t n);
  Result<size_t> raw_read_full(char* buf, size_t n);
  Status finish_object();
  Error corrupt(size_t chunk, std::string_view why) const;

  ObjectStore& store_;
  std::string dir_;
  std::vector<ChunkInfo> expected_;
  ChunkHeader header_;
  Decryptor decryptor_;

  size_t index_ = 0;  // the chunk being read
  std::unique_ptr<ByteSource> object_;
  crypto_generichash_state hash_{};
  uint64_t object_read_ = 0;
  std::atomic<uint64_t> stored_read_{0};
  uint64_t stored_total_ = 0;

  std::string record_;
  std::string block_;  // the current plaintext block
  size_t pos_ = 0;
  bool final_seen_ = false;
  bool eof_ = false;
  Status failed_;
};

// The binary header of a dump's first chunk, for `dump show`.
Result<ChunkHeader> peek_header(ObjectStore& store, const std::string& dir);

}  // namespace dbtwin::pipeline
