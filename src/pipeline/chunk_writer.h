// ChunkWriter: seals the plaintext stream into a dump's numbered chunk objects. Plaintext is cut
// into blocks; each block is compressed (on worker threads), encrypted (in order), and written as
// one record [u32 LE length][bytes]. The first chunk starts with the binary ChunkHeader.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "pipeline/keys.h"
#include "pipeline/object_store.h"
#include "pipeline/sealing.h"
#include "pipeline/stream.h"

namespace dbtwin::pipeline {

struct SealOptions {
  bool compress = true;
  int level = 3;  // zstd level
  KeySource key;  // none: not encrypted
  uint64_t chunk_bytes = 32u << 20;
  size_t block_bytes = 1u << 20;  // 1 byte .. 16 MiB
  int threads = 2;                // compression workers
};

struct ChunkInfo {
  std::string key;  // the object's name inside the dump's folder: "chunk-000000"
  uint64_t size = 0;
  std::string blake2b;  // BLAKE2b-256 of the whole object, lower-case hex
};

struct SealSummary {
  uint64_t plain_bytes = 0;
  uint64_t stored_bytes = 0;
  bool compressed = false;
  bool encrypted = false;
  std::vector<ChunkInfo> chunks;
};

// "chunk-000042": fixed width, so that a sorted listing is the reading order.
std::string chunk_name(size_t index);

class ChunkWriter : public ByteSink {
 public:
  // Writes under "<dir>/". Derives the key now (Argon2id for a passphrase).
  static Result<std::unique_ptr<ChunkWriter>> open(ObjectStore& store, std::string dir,
                                                   const SealOptions& options);
  // Destroying the writer before finish() succeeded removes the chunks it committed (best
  // effort) and discards the one in progress.
  ~ChunkWriter() override;
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  // Not thread-safe: one caller at a time.
  Status write(std::string_view data) override;
  // Seals the last block (tagged final), commits the last chunk, and describes every chunk.
  Result<SealSummary> finish();

  // The most blocks held at once (in flight plus the one filling), for tests of flat memory.
  size_t peak_blocks() const { return peak_blocks_; }
  // The bound on it for `threads` compression threads: a few blocks queued beyond one per
  // thread, so that on a machine with as many busy threads as cores a compressor always has the
  // next block (with two, the dump left a tenth of the CPU idle), whatever the dump's size.
  static size_t max_blocks(int threads) { return static_cast<size_t>(threads) + 6; }

 private:
  struct Job;
  ChunkWriter(ObjectStore& store, std::string dir, const SealOptions& options);
  Status start();
  Status submit(bool final);
  Status emit_front();
  Status write_record(const std::string& record);
  Status roll_chunk();
  Status commit_chunk();
  void worker();
  void stop_workers();

  ObjectStore& store_;
  std::string dir_;
  SealOptions options_;
  size_t max_in_flight_;
  SecretKey key_;
  Encryptor encryptor_;
  ChunkHeader header_;

  std::string block_;                           // the block being filled
  std::deque<std::shared_ptr<Job>> in_flight_;  // in stream order
  size_t peak_blocks_ = 0;

  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::shared_ptr<Job>> queue_;  // waiting for a worker
  bool stopping_ = false;
  std::vector<std::thread> workers_;

  // The chunk object being written.
  std::unique_ptr<ObjectWriter> object_;
  crypto_generichash_state hash_{};
  uint64_t object_bytes_ = 0;
  size_t records_in_object_ = 0;
  SealSummary summary_;
  bool finished_ = false;
  Status failed_;  // the first error: the writer refuses everything after it
  std::string scratch_;
};

}  // namespace dbtwin::pipeline
