// Dump encryption keys: a 32-byte key from a key file, or one derived from a passphrase with
// Argon2id. Keys live in SecretKey, which wipes itself; nothing here logs a secret.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

#include "base/result.h"

namespace dbtwin::pipeline {

namespace fs = std::filesystem;

struct KeySource {
  enum class Kind { none, key_file, passphrase } kind = Kind::none;
  fs::path key_file;
  std::string passphrase;  // the passphrase itself (the CLI reads it from --passphrase-env)
};

inline constexpr size_t kKeyBytes = 32;
inline constexpr size_t kSaltBytes = 16;
inline constexpr size_t kKeyCheckBytes = 32;

// A key that is zeroed when destroyed. Move-only.
class SecretKey {
 public:
  SecretKey() = default;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  SecretKey(SecretKey&& o) noexcept;
  SecretKey& operator=(SecretKey&& o) noexcept;
  ~SecretKey();
  unsigned char* data() { return bytes_.data(); }
  const unsigned char* data() const { return bytes_.data(); }

 private:
  std::array<unsigned char, kKeyBytes> bytes_{};
};

// How a passphrase became a key; stored in the dump's header.
struct KdfParams {
  uint32_t opslimit = 2;
  uint32_t memlimit_kib = 19 * 1024;  // OWASP's Argon2id minimum; keeps peak RSS far below 64 MB
  std::array<unsigned char, kSaltBytes> salt{};
};

// Initializes libsodium once; internal error if it cannot.
Status ensure_sodium();

// A key file holds exactly 32 raw bytes, or 64 hex digits and an optional newline. Warns (never
// fails) when the file is readable by group or others.
Result<SecretKey> load_key_file(const fs::path& path);
// Fresh parameters with a random salt.
KdfParams new_kdf_params();
// Argon2id over the passphrase. invalid_argument when the parameters are out of the range a
// dump may ask for (so a crafted header cannot make a restore use gigabytes).
Result<SecretKey> derive_key(const std::string& passphrase, const KdfParams& params);
// BLAKE2b-256 keyed with the key over "dbtwin key check v1": tells a wrong key before any data.
std::array<unsigned char, kKeyCheckBytes> key_check(const SecretKey& key);
// Writes 32 random bytes as hex to a new file with mode 0600; already_exists if present.
Status generate_key_file(const fs::path& path);

}  // namespace dbtwin::pipeline
