// The fixed key the fuzz targets and their seed corpus share. Not a secret: fuzzing only.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "pipeline/bytes.h"

namespace dbtwin::fuzz {

inline constexpr const char* kFuzzPassphrase = "fuzz passphrase, not a secret";
inline constexpr const char* kFuzzKeyHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// The key in a per-process file of the temp folder, removed at exit.
class FuzzKeyFile {
 public:
  FuzzKeyFile()
      : path_(std::filesystem::temp_directory_path() /
              ("dbtwin-fuzz-key-" + std::to_string(::getpid()))) {
    if (FILE* f = std::fopen(path_.c_str(), "w")) {
      std::fputs(kFuzzKeyHex, f);
      std::fclose(f);
    }
    std::error_code ec;
    std::filesystem::permissions(
        path_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  }
  ~FuzzKeyFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline const std::filesystem::path& fuzz_key_path() {
  static const FuzzKeyFile file;
  return file.path();
}

inline std::string hex_digest(const unsigned char* d, size_t n) {
  return pipeline::to_hex(std::string_view(reinterpret_cast<const char*>(d), n));
}

}  // namespace dbtwin::fuzz
