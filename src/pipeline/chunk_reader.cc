#include "pipeline/chunk_reader.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "pipeline/bytes.h"

namespace dbtwin::pipeline {

ChunkReader::ChunkReader(ObjectStore& store, std::string dir, std::vector<ChunkInfo> expected)
    : store_(store), dir_(std::move(dir)), expected_(std::move(expected)) {}

Result<std::unique_ptr<ChunkReader>> ChunkReader::open(ObjectStore& store, std::string dir,
                                                       const std::vector<ChunkInfo>& expected,
                                                       const KeySource& key) {
  TRY(ensure_sodium());
  std::unique_ptr<ChunkReader> r(new ChunkReader(store, std::move(dir), expected));
  TRY(r->check_present());
  TRY(r->read_header());
  TRY(r->setup_key(key));
  return r;
}

Error ChunkReader::corrupt(size_t chunk, std::string_view why) const {
  return err(Errc::invalid_argument, "chunk {} of dump {} is corrupt ({})", chunk, dir_, why);
}

Status ChunkReader::check_present() {
  if (expected_.empty()) return err(Errc::invalid_argument, "dump {} lists no chunks", dir_);
  for (size_t i = 0; i < expected_.size(); ++i) {
    if (expected_[i].key != chunk_name(i))
      return err(Errc::invalid_argument, "dump {} lists chunk '{}' where {} belongs", dir_,
                 expected_[i].key, chunk_name(i));
    stored_total_ += expected_[i].size;
  }
  auto listing = TRY_CTX(store_.list(dir_ + "/"), fmt::format("listing dump {}", dir_));
  std::map<std::string, uint64_t> sizes;
  for (auto& o : listing) sizes[o.key] = o.size;
  for (size_t i = 0; i < expected_.size(); ++i) {
    auto it = sizes.find(dir_ + "/" + expected_[i].key);
    if (it == sizes.end())
      return err(Errc::invalid_argument, "dump {} is truncated: chunk {} missing", dir_, i);
    if (it->second != expected_[i].size)
      return err(Errc::invalid_argument,
                 "dump {} is truncated or corrupt: chunk {} has {} bytes, expected {}", dir_, i,
                 it->second, expected_[i].size);
  }
  return {};
}

Status ChunkReader::read_header() {
  std::string head(kChunkHeaderBytes, '\0');
  size_t got = TRY(raw_read_full(head.data(), head.size()));
  head.resize(got);
  header_ = TRY_CTX(decode_chunk_header(head), fmt::format("dump {}", dir_));
  return {};
}

Status ChunkReader::setup_key(const KeySource& source) {
  if (!header_.encrypted) return {};
  SecretKey key;
  switch (source.kind) {
    case KeySource::Kind::none:
      return err(Errc::invalid_argument,
                 "dump {} is encrypted: give --key-file or --passphrase-env", dir_);
    case KeySource::Kind::key_file:
      if (header_.kdf != Kdf::key_file)
        return err(Errc::invalid_argument,
                   "dump {} was encrypted with a passphrase: give --passphrase-env", dir_);
      key = TRY(load_key_file(source.key_file));
      break;
    case KeySource::Kind::passphrase: {
      if (header_.kdf != Kdf::argon2id)
        return err(Errc::invalid_argument, "dump {} was encrypted with a key file: give --key-file",
                   dir_);
      KdfParams params{header_.opslimit, header_.memlimit_kib, header_.salt};
      key = TRY_CTX(derive_key(source.passphrase, params), fmt::format("dump {}", dir_));
      break;
    }
  }
  auto check = key_check(key);
  if (sodium_memcmp(check.data(), header_.key_check.data(), check.size()) != 0)
    return err(Errc::invalid_argument, "wrong key for dump {}", dir_);
  return decryptor_.init(key, header_.stream_header);
}

// Bytes of the chunk objects in order, each verified when its end is reached.
Result<size_t> ChunkReader::raw_read(char* buf, size_t n) {
  for (;;) {
    if (index_ == expected_.size()) return size_t{0};
    if (!object_) {
      object_ = TRY_CTX(store_.open(dir_ + "/" + expected_[index_].key),
                        fmt::format("reading chunk {} of dump {}", index_, dir_));
      crypto_generichash_init(&hash_, nullptr, 0, crypto_generichash_BYTES);
      object_read_ = 0;
    }
    uint64_t left = expected_[index_].size - object_read_;
    if (left == 0) {
      TRY(finish_object());
      continue;
    }
    size_t k = TRY(object_->read(buf, static_cast<size_t>(std::min<uint64_t>(n, left))));
    if (k == 0)
      return err(Errc::invalid_argument, "dump {} is truncated: chunk {} ends after {} bytes", dir_,
                 index_, object_read_);
    crypto_generichash_update(&hash_, reinterpret_cast<const unsigned char*>(buf), k);
    object_read_ += k;
    stored_read_.fetch_add(k, std::memory_order_relaxed);
    return k;
  }
}

Status ChunkReader::finish_object() {
  char probe;
  if (TRY(object_->read(&probe, 1)) != 0) return corrupt(index_, "longer than listed");
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash_final(&hash_, digest, sizeof digest);
  if (to_hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest)) !=
      expected_[index_].blake2b)
    return corrupt(index_, "checksum mismatch");
  object_.reset();
  ++index_;
  return {};
}

Result<size_t> ChunkReader::raw_read_full(char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t k = TRY(raw_read(buf + got, n - got));
    if (k == 0) break;
    got += k;
  }
  return got;
}

Result<bool> ChunkReader::next_block() {
  char len_bytes[4];
  size_t got = TRY(raw_read_full(len_bytes, sizeof len_bytes));
  size_t chunk = std::min(index_, expected_.size() - 1);
  if (got == 0) {
    if (header_.encrypted && !final_seen_)
      return err(Errc::invalid_argument, "dump {} is truncated: its final block is missing", dir_);
    return false;
  }
  if (got < sizeof len_bytes) return corrupt(chunk, "a block header is cut short");
  if (final_seen_) return corrupt(chunk, "data after the final block");
  uint32_t len = get_u32(len_bytes);
  if (len > kMaxRecordBytes) return corrupt(chunk, fmt::format("a block claims {} bytes", len));
  record_.resize(len);
  if (TRY(raw_read_full(record_.data(), len)) < len) return corrupt(chunk, "a block is cut short");
  if (header_.encrypted) {
    std::string plain;
    if (!decryptor_.pull(record_, plain, final_seen_))
      return err(Errc::invalid_argument,
                 "dump {} is tampered or reordered: a block of chunk {} fails authentication", dir_,
                 chunk);
    record_.swap(plain);
  }
  if (header_.compressed) {
    block_ = TRY_CTX(decompress_block(record_), fmt::format("chunk {} of dump {}", chunk, dir_));
  } else {
    if (record_.size() > kMaxBlockBytes) return corrupt(chunk, "a block is larger than 16 MiB");
    block_.swap(record_);
  }
  pos_ = 0;
  return true;
}

Result<size_t> ChunkReader::read(char* buf, size_t n) {
  if (!failed_.ok()) return failed_.error();
  while (pos_ == block_.size()) {
    if (eof_ || n == 0) return size_t{0};
    auto more = next_block();
    if (!more.ok()) {
      failed_ = more.error();
      return std::move(more).error();
    }
    if (!*more) {
      eof_ = true;
      return size_t{0};
    }
  }
  size_t k = std::min(n, block_.size() - pos_);
  std::memcpy(buf, block_.data() + pos_, k);
  pos_ += k;
  return k;
}

Result<ChunkHeader> peek_header(ObjectStore& store, const std::string& dir) {
  auto src = TRY_CTX(store.open(dir + "/" + chunk_name(0)), fmt::format("dump {}", dir));
  std::string head(kChunkHeaderBytes, '\0');
  size_t got = 0;
  while (got < head.size()) {
    size_t k = TRY(src->read(head.data() + got, head.size() - got));
    if (k == 0) break;
    got += k;
  }
  head.resize(got);
  return TRY_CTX(decode_chunk_header(head), fmt::format("dump {}", dir));
}

}  // namespace dbtwin::pipeline
