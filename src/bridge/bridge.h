// Bridges: where dumps live. open_bridge() turns a URL into an ObjectStore:
//   file:///dir                      a local folder
//   s3://bucket[/prefix]             any S3-compatible endpoint (libcurl, SigV4)
//   sftp://user@host[:port]/path     an SSH server (libssh)
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "pipeline/object_store.h"

namespace dbtwin::bridge {

namespace fs = std::filesystem;

struct BridgeOptions {
  // S3
  std::string endpoint;                               // empty: https://s3.<region>.amazonaws.com
  std::string region;                                 // empty: us-east-1
  std::string access_key, secret_key, session_token;  // empty: environment, then credentials file
  std::string profile;                                // empty: AWS_PROFILE, then "default"
  fs::path credentials_file;  // empty: AWS_SHARED_CREDENTIALS_FILE, then ~/.aws/credentials
  // SFTP
  std::string ssh_password;  // empty: the URL's password, then key authentication
  fs::path ssh_identity;     // empty: ~/.ssh/id_ed25519, id_ecdsa, id_rsa (the first present)
  fs::path known_hosts;      // empty: ~/.ssh/known_hosts
  bool insecure_host_key = false;
  // Tuning (tests shrink these to force pagination and multipart uploads)
  size_t s3_page_size = 1000;
  uint64_t part_bytes = 8 << 20;
};

// Opens the bridge at `url`. Unknown scheme, missing bucket or path, or a bad port is
// invalid_argument; S3 credentials are resolved and an SFTP session is connected here.
Result<std::unique_ptr<pipeline::ObjectStore>> open_bridge(std::string_view url,
                                                           const BridgeOptions& opts);

}  // namespace dbtwin::bridge
