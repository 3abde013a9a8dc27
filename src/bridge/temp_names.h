// Names of objects being written on folder-like bridges (file://, sftp://): "<key>.tmp-<random>"
// beside the target, renamed into place at commit. Listings hide them, so a crashed writer's
// leftover is never taken for an object.
#pragma once

#include <string>
#include <string_view>

#include "base/strings.h"

namespace dbtwin::bridge {

inline constexpr std::string_view kTempMarker = ".tmp-";

inline std::string temp_key(const std::string& key) {
  return key + std::string(kTempMarker) + random_token(10);
}

// True for a temporary or for the file:// lock file, which list() must not show.
inline bool is_hidden_key(std::string_view key) {
  auto slash = key.rfind('/');
  std::string_view base = slash == std::string_view::npos ? key : key.substr(slash + 1);
  return base.find(kTempMarker) != std::string_view::npos || base == ".metadata.lock";
}

}  // namespace dbtwin::bridge
