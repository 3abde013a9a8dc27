// One S3 request over libcurl, signed with CURLOPT_AWS_SIGV4. Path-style URLs
// (<endpoint>/<bucket>/<key>) work with AWS and every S3-compatible server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "bridge/s3_credentials.h"

typedef void CURL;  // NOLINT: curl's own opaque handle type

namespace dbtwin::bridge {

struct S3Target {
  std::string endpoint;  // scheme://host[:port], no trailing slash
  std::string region;
  std::string bucket;
  S3Credentials creds;
};

using Query = std::vector<std::pair<std::string, std::string>>;

struct S3Request {
  std::string method = "GET";
  std::string key;  // the full object key; empty for the bucket itself
  Query query;      // sorted here before signing, as SigV4 needs
  std::string_view body;
};

struct S3Response {
  long status = 0;
  std::string body;  // at most 16 MiB, else an error (big objects stream: s3_reader.h)
  std::map<std::string, std::string> headers;  // lower-case names
};

// Percent-encodes all but RFC 3986 unreserved characters (and '/' when keep_slash).
std::string uri_encode(std::string_view s, bool keep_slash);
// The request URL: endpoint, bucket, encoded key and the sorted, encoded query.
std::string s3_url(const S3Target& t, const std::string& key, Query query);

// An error for a response that is not 2xx: the S3 error Code and Message and the HTTP status,
// never a credential. 404 NoSuchKey is not_found, 403 unavailable (access), others storage.
Error s3_error(const S3Response& r, std::string_view what);

// A curl easy handle from a small pool, so connections are reused across operations; one
// handle serves one operation at a time.
class CurlPool {
 public:
  CurlPool() = default;
  CurlPool(const CurlPool&) = delete;
  CurlPool& operator=(const CurlPool&) = delete;
  ~CurlPool();

  class Handle {
   public:
    Handle(CurlPool& pool, CURL* h) : pool_(&pool), h_(h) {}
    Handle(Handle&& o) noexcept : pool_(o.pool_), h_(std::exchange(o.h_, nullptr)) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle& operator=(Handle&&) = delete;
    ~Handle();
    CURL* get() const { return h_; }

   private:
    CurlPool* pool_;
    CURL* h_;
  };
  Result<Handle> acquire();

 private:
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

// Sets the URL, signing, credentials and common headers on a fresh handle. The header list
// must outlive the transfer; it is returned to the caller to own.
struct CurlHeaders {
  void* list = nullptr;  // curl_slist*
  CurlHeaders() = default;
  CurlHeaders(const CurlHeaders&) = delete;
  CurlHeaders& operator=(const CurlHeaders&) = delete;
  ~CurlHeaders();
};
Status prepare_handle(CURL* h, const S3Target& t, const std::string& url, CurlHeaders& headers);

// Runs a request to completion (body in memory both ways). A transport failure is an error;
// any HTTP status is returned for the caller to judge.
Result<S3Response> s3_call(CurlPool& pool, const S3Target& t, const S3Request& req);

}  // namespace dbtwin::bridge
