#include "pipeline/object_store.h"

#include "base/strings.h"

namespace dbtwin::pipeline {

Status check_key(std::string_view key) {
  // A key becomes a path on file:// and sftp://, so anything that could climb out of the
  // bridge's folder or be read differently by another tool is refused before use.
  auto bad = [&](std::string_view why) {
    return err(Errc::invalid_argument, "object key '{}' is not valid: {}", key, why);
  };
  if (key.empty()) return bad("it is empty");
  if (key.size() > 1024) return bad("it is longer than 1024 bytes");
  if (key.front() == '/') return bad("it must be relative");
  for (char c : key) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return bad("it holds a control character");
    if (c == '\\') return bad("it holds a backslash");
  }
  for (const auto& seg : split(key, '/')) {
    if (seg.empty()) return bad("it has an empty segment");
    if (seg == "." || seg == "..") return bad("it has a '.' or '..' segment");
  }
  return {};
}

}  // namespace dbtwin::pipeline
