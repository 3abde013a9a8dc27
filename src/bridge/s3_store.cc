#include "bridge/s3_store.h"

#include <chrono>
#include <thread>

#include "base/log.h"
#include "base/strings.h"
#include "bridge/s3_reader.h"
#include "bridge/s3_xml.h"

namespace dbtwin::bridge {

namespace {

using pipeline::check_key;

// Buffers one part at a time: memory stays at part_bytes whatever the object's size.
class S3Writer : public pipeline::ObjectWriter {
 public:
  S3Writer(S3Store& store, std::string key) : store_(store), key_(std::move(key)) {}
  ~S3Writer() override {
    if (committed_ || upload_id_.empty()) return;
    // Parts of an unfinished upload are billed until aborted.
    auto aborted = store_.call({"DELETE", key_, {{"uploadId", upload_id_}}, {}}, what("abort"));
    if (!aborted) log::warn("{}", aborted.error().message);
  }

  Status write(std::string_view data) override {
    uint64_t part = store_.config().part_bytes;
    while (!data.empty()) {
      // A full part is sent only when more data follows, so an object of exactly part_bytes
      // is still one PUT.
      if (buf_.size() >= part) TRY(send_part());
      size_t take = std::min<uint64_t>(data.size(), part - buf_.size());
      buf_.append(data.substr(0, take));
      data.remove_prefix(take);
    }
    return {};
  }

  Status commit() override {
    if (upload_id_.empty()) {
      TRY(store_.call({"PUT", key_, {}, buf_}, what("PUT")));
    } else {
      if (!buf_.empty()) TRY(send_part());
      TRY(complete());
      store_.count_multipart();
    }
    committed_ = true;
    buf_.clear();
    return {};
  }

 private:
  std::string what(std::string_view op) const {
    return fmt::format("S3 {} {}/{}", op, store_.describe(),
                       key_.substr(store_.config().prefix.size()));
  }

  Status send_part() {
    if (upload_id_.empty()) {
      auto r =
          TRY(store_.call({"POST", key_, {{"uploads", ""}}, {}}, what("CreateMultipartUpload")));
      auto id = xml_text(r.body, "UploadId");
      if (!id || id->empty())
        return err(Errc::storage, "{}: no UploadId in the answer", what("CreateMultipartUpload"));
      upload_id_ = *id;
    }
    std::string number = std::to_string(etags_.size() + 1);
    auto r =
        TRY(store_.call({"PUT", key_, {{"partNumber", number}, {"uploadId", upload_id_}}, buf_},
                        what("UploadPart " + number)));
    auto etag = r.headers.find("etag");
    if (etag == r.headers.end())
      return err(Errc::storage, "{}: no ETag in the answer", what("UploadPart " + number));
    etags_.push_back(etag->second);
    buf_.clear();
    return {};
  }

  Status complete() {
    std::string body = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < etags_.size(); ++i) {
      body += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", i + 1,
                          xml_escape(etags_[i]));
    }
    body += "</CompleteMultipartUpload>";
    auto r = TRY(store_.call({"POST", key_, {{"uploadId", upload_id_}}, body},
                             what("CompleteMultipartUpload")));
    // S3 may answer 200 and still report a failure in the body.
    if (!xml_elements(r.body, "Error").empty()) {
      r.status = 500;
      return s3_error(r, what("CompleteMultipartUpload"));
    }
    return {};
  }

  S3Store& store_;
  std::string key_;  // the full key, prefix included
  std::string buf_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  bool committed_ = false;
};

class NoLock : public pipeline::ObjectStore::Lock {};

}  // namespace

std::string S3Store::describe() const {
  std::string prefix = cfg_.prefix;
  if (!prefix.empty()) prefix.pop_back();
  return "s3://" + cfg_.target.bucket + (prefix.empty() ? "" : "/" + prefix);
}

Result<S3Response> S3Store::call(const S3Request& req, std::string_view what) {
  // A dropped connection, a cut-off answer or a 5xx (S3's SlowDown, InternalError) is worth a
  // few more tries; POSTs (start and finish of a multipart upload) are not repeated blindly.
  int tries = req.method == "POST" ? 1 : 4;
  for (int i = 1;; ++i) {
    auto r = s3_call(pool_, cfg_.target, req);
    bool transient = !r.ok() || r->status >= 500;
    if (transient && i < tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100 << i));
      continue;
    }
    if (!r.ok()) return std::move(r).error().context(what);
    if (r->status < 200 || r->status >= 300) return s3_error(*r, what);
    return r;
  }
}

Result<std::unique_ptr<pipeline::ObjectWriter>> S3Store::create(const std::string& key) {
  TRY(check_key(key));
  return std::unique_ptr<pipeline::ObjectWriter>(std::make_unique<S3Writer>(*this, full_key(key)));
}

Result<std::unique_ptr<pipeline::ByteSource>> S3Store::open(const std::string& key) {
  TRY(check_key(key));
  return open_s3_object(pool_, cfg_.target, full_key(key),
                        fmt::format("S3 GET {}/{}", describe(), key));
}

Result<std::vector<pipeline::ObjectInfo>> S3Store::list(const std::string& prefix) {
  std::vector<pipeline::ObjectInfo> out;
  std::string token;
  std::string what = fmt::format("S3 ListObjectsV2 {}/{}", describe(), prefix);
  for (;;) {
    Query q{{"list-type", "2"},
            {"max-keys", std::to_string(cfg_.page_size)},
            {"prefix", cfg_.prefix + prefix}};
    if (!token.empty()) q.push_back({"continuation-token", token});
    auto r = TRY(call({"GET", "", q, {}}, what));
    ++list_pages_;
    for (auto contents : xml_elements(r.body, "Contents")) {
      auto key = xml_text(contents, "Key");
      auto size = xml_text(contents, "Size");
      if (!key || !size || !starts_with(*key, cfg_.prefix))
        return err(Errc::storage, "{}: malformed entry in the listing", what);
      out.push_back({key->substr(cfg_.prefix.size()), std::stoull(*size)});
    }
    if (xml_text(r.body, "IsTruncated").value_or("false") != "true") break;
    auto next = xml_text(r.body, "NextContinuationToken");
    if (!next || next->empty() || *next == token)
      return err(Errc::storage, "{}: a truncated listing without a continuation token", what);
    token = *next;
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

Status S3Store::remove(const std::string& key) {
  TRY(check_key(key));
  auto r = call({"DELETE", full_key(key), {}, {}}, fmt::format("S3 DELETE {}/{}", describe(), key));
  if (!r.ok() && r.error().code != Errc::not_found) return std::move(r).error();
  return {};
}

Status S3Store::put(const std::string& key, std::string_view data) {
  TRY(check_key(key));
  // A single PUT replaces the object atomically: readers see the old or the new one.
  TRY(call({"PUT", full_key(key), {}, data}, fmt::format("S3 PUT {}/{}", describe(), key)));
  return {};
}

Result<std::optional<std::string>> S3Store::get(const std::string& key) {
  TRY(check_key(key));
  auto r = call({"GET", full_key(key), {}, {}}, fmt::format("S3 GET {}/{}", describe(), key));
  if (!r.ok() && r.error().code == Errc::not_found) return std::optional<std::string>();
  if (!r.ok()) return std::move(r).error();
  return std::optional<std::string>(std::move(r->body));
}

Result<std::unique_ptr<pipeline::ObjectStore::Lock>> S3Store::lock_index() {
  return std::unique_ptr<Lock>(std::make_unique<NoLock>());
}

}  // namespace dbtwin::bridge
