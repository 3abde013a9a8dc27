// ObjectStore: where a dump's objects live. The bridge/ folder implements it for file://,
// s3:// and sftp://; the pipeline only sees this interface. Keys are relative '/'-separated
// paths ("dump-1700000000000/chunk-000000"), checked by check_key() before use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pipeline/stream.h"

namespace dbtwin::pipeline {

// One object being written. Bytes are appended in order; the object becomes visible under its
// key only at commit(). Destroying a writer without commit() discards what was written.
class ObjectWriter : public ByteSink {
 public:
  virtual Status commit() = 0;
};

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The bridge's URL for messages, without credentials.
  virtual std::string describe() const = 0;

  // Starts writing `key` (replacing it at commit if it exists).
  virtual Result<std::unique_ptr<ObjectWriter>> create(const std::string& key) = 0;
  // Streams `key`; Errc::not_found if absent.
  virtual Result<std::unique_ptr<ByteSource>> open(const std::string& key) = 0;
  // Every object whose key starts with `prefix`, sorted by key. Paginates where the backend does.
  virtual Result<std::vector<ObjectInfo>> list(const std::string& prefix) = 0;
  // Removes `key`; an absent key is not an error.
  virtual Status remove(const std::string& key) = 0;

  // Small objects (the index, a dump's manifest): put() replaces atomically, so a reader sees the
  // old or the new content, never a mix. get() gives nullopt when absent.
  virtual Status put(const std::string& key, std::string_view data) = 0;
  virtual Result<std::optional<std::string>> get(const std::string& key) = 0;

  // Serializes index updates among writers on this machine where the backend can (a file lock on
  // file://); a no-op elsewhere. The index update must be correct without it (see bridge/index.h).
  class Lock {
   public:
    virtual ~Lock() = default;
  };
  virtual Result<std::unique_ptr<Lock>> lock_index() = 0;
};

// Keys are relative, '/'-separated, without "." or ".." segments, empty segments, backslashes
// or control characters; invalid_argument otherwise.
Status check_key(std::string_view key);

}  // namespace dbtwin::pipeline
