// Sealing of the plaintext stream: the binary header at the start of a dump's first chunk, and
// the per-block steps (zstd, then secretstream). A sealed block travels as one record
// [u32 LE length][bytes] in a chunk.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pipeline/keys.h"

namespace dbtwin::pipeline {

inline constexpr std::string_view kChunkMagic = "DBTWDUMP";
inline constexpr uint8_t kChunkVersion = 1;
inline constexpr size_t kSecretstreamHeaderBytes =
    crypto_secretstream_xchacha20poly1305_HEADERBYTES;
// magic, version, flags, kdf, opslimit, memlimit, salt, secretstream header, key check
inline constexpr size_t kChunkHeaderBytes =
    8 + 1 + 1 + 1 + 4 + 4 + kSaltBytes + kSecretstreamHeaderBytes + kKeyCheckBytes;
// No block decodes to more than this, and no record is longer than this plus the overheads.
inline constexpr size_t kMaxBlockBytes = 16u << 20;
inline constexpr size_t kMaxRecordBytes = kMaxBlockBytes + (1u << 20);

enum class Kdf : uint8_t { none = 0, key_file = 1, argon2id = 2 };

struct ChunkHeader {
  uint8_t version = kChunkVersion;
  bool compressed = false;
  bool encrypted = false;
  Kdf kdf = Kdf::none;
  uint32_t opslimit = 0;
  uint32_t memlimit_kib = 0;
  std::array<unsigned char, kSaltBytes> salt{};
  std::array<unsigned char, kSecretstreamHeaderBytes> stream_header{};
  std::array<unsigned char, kKeyCheckBytes> key_check{};
};

std::string encode_chunk_header(const ChunkHeader& h);
// The first kChunkHeaderBytes of `bytes` (any bytes after them are not looked at);
// invalid_argument naming what is wrong otherwise.
Result<ChunkHeader> decode_chunk_header(std::string_view bytes);

// One zstd frame at `level`, with its content size recorded.
Result<std::string> compress_block(std::string_view plain, int level);
// Refuses frames that do not state their size, state more than kMaxBlockBytes, or hold anything
// after the frame.
Result<std::string> decompress_block(std::string_view frame);

// The encrypting half of a secretstream; init() fills the header's stream_header.
class Encryptor {
 public:
  Encryptor() = default;
  Encryptor(const Encryptor&) = delete;
  Encryptor& operator=(const Encryptor&) = delete;
  ~Encryptor();
  void init(const SecretKey& key, std::array<unsigned char, kSecretstreamHeaderBytes>& header);
  // Appends the sealed message to `out`; `final` tags the dump's last message.
  void push(std::string_view plain, bool final, std::string& out);

 private:
  crypto_secretstream_xchacha20poly1305_state state_{};
};

class Decryptor {
 public:
  Decryptor() = default;
  Decryptor(const Decryptor&) = delete;
  Decryptor& operator=(const Decryptor&) = delete;
  ~Decryptor();
  Status init(const SecretKey& key,
              const std::array<unsigned char, kSecretstreamHeaderBytes>& header);
  // Opens one message into `out`; false when it does not authenticate (tampered or reordered).
  bool pull(std::string_view sealed, std::string& out, bool& final);

 private:
  crypto_secretstream_xchacha20poly1305_state state_{};
};

}  // namespace dbtwin::pipeline
