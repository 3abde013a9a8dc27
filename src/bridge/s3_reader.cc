#include "bridge/s3_reader.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

namespace dbtwin::bridge {

namespace {

// Memory stays bounded without pausing the transfer: read() pumps curl only once `pending_`
// is drained, and one curl_multi_perform delivers at most a bounded amount (curl reads a
// limited number of buffers per call).
class S3ObjectSource : public pipeline::ByteSource {
 public:
  S3ObjectSource(CurlPool::Handle handle, std::string what)
      : handle_(std::move(handle)), what_(std::move(what)) {}
  ~S3ObjectSource() override {
    if (multi_) {
      curl_multi_remove_handle(multi_, handle_.get());
      curl_multi_cleanup(multi_);
    }
  }

  Status start(const S3Target& t, const std::string& url) {
    TRY(prepare_handle(handle_.get(), t, url, headers_));
    CURL* h = handle_.get();
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf_);
    multi_ = curl_multi_init();
    if (!multi_ || curl_multi_add_handle(multi_, h) != CURLM_OK)
      return err(Errc::internal, "{}: cannot start the transfer", what_);
    // Wait for the status (and the first bytes), so a missing object fails at open().
    while (!done_ && pending_.size() == offset_ && status_ == 0) TRY(pump());
    if (status_ == 0 && done_) TRY(finish_status());
    if (status_ < 200 || status_ >= 300) {
      while (!done_) TRY(pump());  // the error document
      return finish_status();
    }
    return {};
  }

  Result<size_t> read(char* buf, size_t n) override {
    while (offset_ == pending_.size() && !done_) TRY(pump());
    if (offset_ == pending_.size()) {
      TRY(finish_status());
      return size_t{0};
    }
    size_t len = std::min(n, pending_.size() - offset_);
    std::memcpy(buf, pending_.data() + offset_, len);
    offset_ += len;
    if (offset_ == pending_.size()) {
      pending_.clear();
      offset_ = 0;
    }
    return len;
  }

 private:
  static size_t on_body(char* data, size_t size, size_t n, void* user) {
    auto* self = static_cast<S3ObjectSource*>(user);
    if (self->status_ == 0)
      curl_easy_getinfo(self->handle_.get(), CURLINFO_RESPONSE_CODE, &self->status_);
    self->pending_.append(data, size * n);
    return size * n;
  }

  Status pump() {
    int running = 0;
    if (curl_multi_perform(multi_, &running) != CURLM_OK)
      return err(Errc::internal, "{}: curl_multi_perform failed", what_);
    if (status_ == 0) curl_easy_getinfo(handle_.get(), CURLINFO_RESPONSE_CODE, &status_);
    int queued = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_, &queued)) {
      if (m->msg == CURLMSG_DONE) {
        done_ = true;
        result_ = m->data.result;
      }
    }
    if (!done_ && running > 0 && pending_.size() == offset_)
      curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
    return {};
  }

  // Judges the finished transfer: transport errors, then the HTTP status.
  Status finish_status() {
    if (result_ != CURLE_OK)
      return err(Errc::unavailable, "{}: {}", what_,
                 errbuf_[0] ? errbuf_ : curl_easy_strerror(result_));
    curl_easy_getinfo(handle_.get(), CURLINFO_RESPONSE_CODE, &status_);
    if (status_ >= 200 && status_ < 300) return {};
    S3Response r;
    r.status = status_;
    r.body = pending_.substr(0, 64 << 10);
    pending_.clear();
    offset_ = 0;
    return s3_error(r, what_);
  }

  CurlPool::Handle handle_;
  std::string what_;
  CurlHeaders headers_;
  CURLM* multi_ = nullptr;
  std::string pending_;
  size_t offset_ = 0;
  long status_ = 0;
  bool done_ = false;
  CURLcode result_ = CURLE_OK;
  char errbuf_[CURL_ERROR_SIZE] = {0};
};

}  // namespace

Result<std::unique_ptr<pipeline::ByteSource>> open_s3_object(CurlPool& pool, const S3Target& t,
                                                             const std::string& key,
                                                             std::string what) {
  auto handle = TRY(pool.acquire());
  auto src = std::make_unique<S3ObjectSource>(std::move(handle), std::move(what));
  TRY(src->start(t, s3_url(t, key, {})));
  return std::unique_ptr<pipeline::ByteSource>(std::move(src));
}

}  // namespace dbtwin::bridge
