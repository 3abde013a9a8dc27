// S3 credentials, found the way the AWS tools find them: flags, then the environment, then the
// shared credentials file.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"
#include "bridge/bridge.h"

namespace dbtwin::bridge {

struct S3Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // sent as x-amz-security-token when set
};

// Flags (both keys), else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN), else the
// profile (opts.profile, AWS_PROFILE, "default") of the credentials file (opts.credentials_file,
// AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials). unavailable when none has both keys.
Result<S3Credentials> resolve_s3_credentials(const BridgeOptions& opts);

// The sections of an INI file: {section: {key: value}}; keys and section names are trimmed.
std::map<std::string, std::map<std::string, std::string>> parse_ini(std::string_view text);

}  // namespace dbtwin::bridge
