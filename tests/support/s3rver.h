// Test support: a real S3-compatible server (npm's s3rver, installed by
// scripts/install-bridge-test-deps.sh) on a free loopback port, with one bucket, stopped on
// destruction. Credentials are s3rver's fixed S3RVER/S3RVER.
//
//   std::string why;
//   auto s3 = dbtwin::test::S3rver::start("bucket", &why);
//   if (!s3) GTEST_SKIP() << why;
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "os/process.h"
#include "support/temp_dir.h"

namespace dbtwin::test {

class S3rver {
 public:
  static constexpr const char* kKey = "S3RVER";
  static constexpr const char* kSecret = "S3RVER";

  // nullptr and *why_not when node or s3rver is missing or the server does not come up.
  static std::unique_ptr<S3rver> start(const std::string& bucket, std::string* why_not);
  S3rver(const S3rver&) = delete;
  S3rver& operator=(const S3rver&) = delete;
  ~S3rver() = default;  // the ChildProcess kills and reaps the server, then the data goes

  std::string endpoint() const;  // http://127.0.0.1:PORT
  const std::string& bucket() const { return bucket_; }

  // Runs `aws --endpoint-url <endpoint> <args>` with s3rver's credentials, capturing its exit
  // code and output. unavailable when the aws CLI is missing.
  Result<os::RunResult> aws(const std::vector<std::string>& args) const;

 private:
  S3rver(std::string bucket, int port) : bucket_(std::move(bucket)), port_(port) {}
  TempDir dir_{"dbtwin-s3rver"};
  std::string bucket_;
  int port_ = 0;
  std::optional<os::ChildProcess> child_;  // destroyed first: stopped before dir_ goes
};

}  // namespace dbtwin::test
