// The s3:// bridge: objects in a bucket under a prefix, on AWS or any S3-compatible server.
// Writes are buffered up to part_bytes: a smaller object is one PUT, a larger one a multipart
// upload (aborted if the writer is dropped uncommitted). Reads stream in constant memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "bridge/s3_http.h"
#include "pipeline/object_store.h"

namespace dbtwin::bridge {

struct S3Config {
  S3Target target;
  std::string prefix;  // "" or ending in '/'
  size_t page_size = 1000;
  uint64_t part_bytes = 8 << 20;
};

class S3Store : public pipeline::ObjectStore {
 public:
  explicit S3Store(S3Config cfg) : cfg_(std::move(cfg)) {}

  std::string describe() const override;
  Result<std::unique_ptr<pipeline::ObjectWriter>> create(const std::string& key) override;
  Result<std::unique_ptr<pipeline::ByteSource>> open(const std::string& key) override;
  Result<std::vector<pipeline::ObjectInfo>> list(const std::string& prefix) override;
  Status remove(const std::string& key) override;
  Status put(const std::string& key, std::string_view data) override;
  Result<std::optional<std::string>> get(const std::string& key) override;
  // S3 has no locks: the index update is correct without one (bridge/index.h).
  Result<std::unique_ptr<Lock>> lock_index() override;

  // For tests: how many multipart uploads were completed and list pages fetched.
  uint64_t multipart_uploads() const { return multipart_uploads_; }
  uint64_t list_pages() const { return list_pages_; }

  // Used by the writer.
  Result<S3Response> call(const S3Request& req, std::string_view what);
  const S3Config& config() const { return cfg_; }
  std::string full_key(const std::string& key) const { return cfg_.prefix + key; }
  void count_multipart() { ++multipart_uploads_; }

 private:
  S3Config cfg_;
  CurlPool pool_;
  std::atomic<uint64_t> multipart_uploads_{0};
  std::atomic<uint64_t> list_pages_{0};
};

}  // namespace dbtwin::bridge
