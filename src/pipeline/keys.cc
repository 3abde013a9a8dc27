#include "pipeline/keys.h"

#include <sodium.h>

#include "base/log.h"
#include "base/strings.h"
#include "os/files.h"
#include "pipeline/bytes.h"

namespace dbtwin::pipeline {

namespace {

constexpr std::string_view kKeyCheckText = "dbtwin key check v1";
// The most a dump header may ask of a restore: well above what dbtwin writes.
constexpr uint32_t kMaxOpslimit = 16;
constexpr uint32_t kMaxMemlimitKib = 256 * 1024;

void warn_if_exposed(const fs::path& path) {
  std::error_code ec;
  auto perms = fs::status(path, ec).permissions();
  if (ec) return;
  auto exposed = fs::perms::group_all | fs::perms::others_all;
  if ((perms & exposed) != fs::perms::none)
    log::warn("key file {} is readable by other users; chmod 600 it", path.string());
}

}  // namespace

SecretKey::SecretKey(SecretKey&& o) noexcept : bytes_(o.bytes_) {
  sodium_memzero(o.bytes_.data(), o.bytes_.size());
}

SecretKey& SecretKey::operator=(SecretKey&& o) noexcept {
  if (this != &o) {
    bytes_ = o.bytes_;
    sodium_memzero(o.bytes_.data(), o.bytes_.size());
  }
  return *this;
}

SecretKey::~SecretKey() {
  sodium_memzero(bytes_.data(), bytes_.size());
}

Status ensure_sodium() {
  static const int rc = sodium_init();
  if (rc < 0) return err(Errc::internal, "libsodium failed to initialize");
  return {};
}

Result<SecretKey> load_key_file(const fs::path& path) {
  TRY(ensure_sodium());
  auto content = os::read_file(path);
  if (!content.ok()) return std::move(content).error().context("reading key file");
  std::string& text = *content;
  SecretKey key;
  // Wipe the file's copy however we leave.
  struct Wipe {
    std::string& s;
    ~Wipe() { sodium_memzero(s.data(), s.size()); }
  } wipe{text};
  warn_if_exposed(path);
  if (text.size() == kKeyBytes) {
    std::copy(text.begin(), text.end(), key.data());
    return key;
  }
  std::string_view hex(text);
  if (!hex.empty() && hex.back() == '\n') hex.remove_suffix(1);
  if (!hex.empty() && hex.back() == '\r') hex.remove_suffix(1);
  if (hex.size() != 2 * kKeyBytes)
    return err(Errc::invalid_argument,
               "key file {} must hold 32 raw bytes or 64 hex digits (it holds {} bytes)",
               path.string(), text.size());
  for (size_t i = 0; i < kKeyBytes; ++i) {
    int hi = hex_digit_value(hex[2 * i]), lo = hex_digit_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return err(Errc::invalid_argument, "key file {} holds a character that is not hex",
                 path.string());
    key.data()[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return key;
}

KdfParams new_kdf_params() {
  (void)ensure_sodium();
  KdfParams p;
  randombytes_buf(p.salt.data(), p.salt.size());
  return p;
}

Result<SecretKey> derive_key(const std::string& passphrase, const KdfParams& params) {
  TRY(ensure_sodium());
  if (params.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN || params.opslimit > kMaxOpslimit ||
      uint64_t{params.memlimit_kib} * 1024 < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
      params.memlimit_kib > kMaxMemlimitKib)
    return err(Errc::invalid_argument,
               "passphrase parameters out of range (opslimit {}, memlimit {} KiB)", params.opslimit,
               params.memlimit_kib);
  if (passphrase.empty()) return err(Errc::invalid_argument, "the passphrase is empty");
  SecretKey key;
  if (crypto_pwhash(key.data(), kKeyBytes, passphrase.data(), passphrase.size(), params.salt.data(),
                    params.opslimit, size_t{params.memlimit_kib} * 1024,
                    crypto_pwhash_ALG_ARGON2ID13) != 0)
    return err(Errc::system, "deriving a key from the passphrase ran out of memory");
  return key;
}

std::array<unsigned char, kKeyCheckBytes> key_check(const SecretKey& key) {
  (void)ensure_sodium();
  std::array<unsigned char, kKeyCheckBytes> out{};
  crypto_generichash(out.data(), out.size(),
                     reinterpret_cast<const unsigned char*>(kKeyCheckText.data()),
                     kKeyCheckText.size(), key.data(), kKeyBytes);
  return out;
}

Status generate_key_file(const fs::path& path) {
  TRY(ensure_sodium());
  if (os::exists(path))
    return err(Errc::already_exists, "key file {} already exists; not overwriting it",
               path.string());
  SecretKey key;
  randombytes_buf(key.data(), kKeyBytes);
  std::string hex = to_hex(std::string_view(reinterpret_cast<const char*>(key.data()), kKeyBytes));
  hex.push_back('\n');
  Status st = os::write_file_atomic(path, hex, 0600);
  sodium_memzero(hex.data(), hex.size());
  return st;
}

}  // namespace dbtwin::pipeline
