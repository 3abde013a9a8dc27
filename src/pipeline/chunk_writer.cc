#include "pipeline/chunk_writer.h"

#include <zstd.h>

#include <algorithm>

#include "base/log.h"
#include "pipeline/bytes.h"

namespace dbtwin::pipeline {

struct ChunkWriter::Job {
  std::string in;
  std::string out;
  bool final = false;
  bool done = false;
  Status status;
};

std::string chunk_name(size_t index) {
  return fmt::format("chunk-{:06}", index);
}

ChunkWriter::ChunkWriter(ObjectStore& store, std::string dir, const SealOptions& options)
    : store_(store),
      dir_(std::move(dir)),
      options_(options),
      max_in_flight_(max_blocks(options.threads)) {}

Result<std::unique_ptr<ChunkWriter>> ChunkWriter::open(ObjectStore& store, std::string dir,
                                                       const SealOptions& options) {
  if (dir.empty()) return err(Errc::invalid_argument, "a dump needs a folder name");
  if (options.block_bytes == 0 || options.block_bytes > kMaxBlockBytes)
    return err(Errc::invalid_argument, "block size {} is outside 1 byte .. 16 MiB",
               options.block_bytes);
  if (options.chunk_bytes == 0) return err(Errc::invalid_argument, "chunk size must not be 0");
  if (options.compress && (options.level < ZSTD_minCLevel() || options.level > ZSTD_maxCLevel()))
    return err(Errc::invalid_argument, "compression level {} is outside {}..{}", options.level,
               ZSTD_minCLevel(), ZSTD_maxCLevel());
  if (options.threads < 1 || options.threads > 64)
    return err(Errc::invalid_argument, "compression threads {} is outside 1..64", options.threads);
  TRY(ensure_sodium());
  std::unique_ptr<ChunkWriter> w(new ChunkWriter(store, std::move(dir), options));
  TRY(w->start());
  return w;
}

Status ChunkWriter::start() {
  header_.compressed = options_.compress;
  switch (options_.key.kind) {
    case KeySource::Kind::none:
      break;
    case KeySource::Kind::key_file:
      key_ = TRY(load_key_file(options_.key.key_file));
      header_.kdf = Kdf::key_file;
      break;
    case KeySource::Kind::passphrase: {
      KdfParams params = new_kdf_params();
      key_ = TRY(derive_key(options_.key.passphrase, params));
      header_.kdf = Kdf::argon2id;
      header_.opslimit = params.opslimit;
      header_.memlimit_kib = params.memlimit_kib;
      header_.salt = params.salt;
      break;
    }
  }
  header_.encrypted = header_.kdf != Kdf::none;
  summary_.compressed = header_.compressed;
  summary_.encrypted = header_.encrypted;
  if (header_.encrypted) {
    encryptor_.init(key_, header_.stream_header);
    header_.key_check = key_check(key_);
  }
  if (options_.compress)
    for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { worker(); });
  TRY(roll_chunk());
  std::string head = encode_chunk_header(header_);
  TRY(object_->write(head));
  crypto_generichash_update(&hash_, reinterpret_cast<const unsigned char*>(head.data()),
                            head.size());
  object_bytes_ += head.size();
  block_.reserve(options_.block_bytes);
  return {};
}

ChunkWriter::~ChunkWriter() {
  stop_workers();
  if (finished_) return;
  object_.reset();  // discards the uncommitted chunk
  for (const auto& c : summary_.chunks) {
    auto st = store_.remove(dir_ + "/" + c.key);
    if (!st.ok()) log::warn("removing a partial dump's chunk: {}", st.error().message);
  }
}

void ChunkWriter::stop_workers() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void ChunkWriter::worker() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    auto out = compress_block(job->in, options_.level);
    std::lock_guard lock(mu_);
    if (out.ok()) {
      job->out = std::move(*out);
    } else {
      job->status = std::move(out).error();
    }
    job->in = std::string();  // frees the plaintext now: memory stays at one copy per block
    job->done = true;
    done_cv_.notify_all();
  }
}

Status ChunkWriter::write(std::string_view data) {
  if (!failed_.ok()) return failed_;
  if (finished_) return err(Errc::internal, "write to a finished dump {}", dir_);
  summary_.plain_bytes += data.size();
  while (!data.empty()) {
    size_t take = std::min(options_.block_bytes - block_.size(), data.size());
    block_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (block_.size() == options_.block_bytes) {
      Status st = submit(false);
      if (!st.ok()) return failed_ = st;
    }
  }
  return {};
}

Status ChunkWriter::submit(bool final) {
  auto job = std::make_shared<Job>();
  job->in = std::move(block_);
  job->final = final;
  block_ = std::string();
  in_flight_.push_back(job);
  peak_blocks_ = std::max(peak_blocks_, in_flight_.size());
  if (options_.compress) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(job);
    }
    work_cv_.notify_one();
  } else {
    job->out = std::move(job->in);
    job->done = true;
  }
  // Bounded: wait for the oldest block once the pipeline is full; pass on any that are ready.
  while (!in_flight_.empty()) {
    bool ready;
    {
      std::lock_guard lock(mu_);
      ready = in_flight_.front()->done;
    }
    if (!ready && in_flight_.size() < max_in_flight_) break;
    TRY(emit_front());
  }
  if (!final) {
    block_.reserve(options_.block_bytes);
    peak_blocks_ = std::max(peak_blocks_, in_flight_.size() + 1);
  }
  return {};
}

Status ChunkWriter::emit_front() {
  std::shared_ptr<Job> job = std::move(in_flight_.front());
  in_flight_.pop_front();
  {
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [&] { return job->done; });
  }
  TRY(job->status);
  if (!header_.encrypted) return write_record(job->out);
  scratch_.clear();
  encryptor_.push(job->out, job->final, scratch_);
  return write_record(scratch_);
}

Status ChunkWriter::write_record(const std::string& record) {
  if (record.size() > kMaxRecordBytes)
    return err(Errc::internal, "a sealed block of {} bytes exceeds the record limit",
               record.size());
  if (records_in_object_ > 0 && object_bytes_ + 4 + record.size() > options_.chunk_bytes) {
    TRY(commit_chunk());
    TRY(roll_chunk());
  }
  std::string len;
  put_u32(len, static_cast<uint32_t>(record.size()));
  for (std::string_view part : {std::string_view(len), std::string_view(record)}) {
    TRY(object_->write(part));
    crypto_generichash_update(&hash_, reinterpret_cast<const unsigned char*>(part.data()),
                              part.size());
    object_bytes_ += part.size();
  }
  ++records_in_object_;
  return {};
}

Status ChunkWriter::roll_chunk() {
  std::string key = dir_ + "/" + chunk_name(summary_.chunks.size());
  object_ = TRY(store_.create(key));
  crypto_generichash_init(&hash_, nullptr, 0, crypto_generichash_BYTES);
  object_bytes_ = 0;
  records_in_object_ = 0;
  return {};
}

Status ChunkWriter::commit_chunk() {
  TRY_CTX(object_->commit(),
          fmt::format("writing chunk {} of dump {}", summary_.chunks.size(), dir_));
  object_.reset();
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash_final(&hash_, digest, sizeof digest);
  summary_.chunks.push_back(
      {chunk_name(summary_.chunks.size()), object_bytes_,
       to_hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest))});
  summary_.stored_bytes += object_bytes_;
  return {};
}

Result<SealSummary> ChunkWriter::finish() {
  if (!failed_.ok()) return failed_.error();
  if (finished_) return err(Errc::internal, "dump {} finished twice", dir_);
  Status st = submit(true);
  while (st.ok() && !in_flight_.empty()) st = emit_front();
  if (st.ok()) st = commit_chunk();
  if (!st.ok()) {
    failed_ = st;
    return st.error();
  }
  stop_workers();
  finished_ = true;
  return summary_;
}

}  // namespace dbtwin::pipeline
