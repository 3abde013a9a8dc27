#include "bridge/s3_http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

#include "base/strings.h"
#include "bridge/s3_xml.h"

namespace dbtwin::bridge {

namespace {

constexpr size_t kMaxBody = 16 << 20;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<S3Response*>(user);
  size_t len = size * n;
  if (r->body.size() + len > kMaxBody) return 0;  // aborts: never a silently cut object
  r->body.append(data, len);
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<S3Response*>(user);
  std::string_view line(data, size * n);
  if (starts_with(line, "HTTP/")) r->headers.clear();  // a new response (after 100 Continue)
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(trim(line.substr(0, colon)));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r->headers[name] = std::string(trim(line.substr(colon + 1)));
  }
  return size * n;
}

struct Upload {
  std::string_view rest;
};

size_t on_read(char* buf, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t len = std::min(size * n, u->rest.size());
  std::copy_n(u->rest.data(), len, buf);
  u->rest.remove_prefix(len);
  return len;
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string s3_url(const S3Target& t, const std::string& key, Query query) {
  std::string url = t.endpoint + "/" + uri_encode(t.bucket, false);
  if (!key.empty()) url += "/" + uri_encode(key, true);
  // curl 7.88 signs the query string exactly as written, and SigV4 wants it sorted and encoded
  // with every name followed by '=' (so "?uploads=" rather than "?uploads").
  std::sort(query.begin(), query.end());
  for (size_t i = 0; i < query.size(); ++i) {
    url += i == 0 ? '?' : '&';
    url += uri_encode(query[i].first, false) + "=" + uri_encode(query[i].second, false);
  }
  return url;
}

Error s3_error(const S3Response& r, std::string_view what) {
  std::string code = xml_text(r.body, "Code").value_or("");
  std::string message = xml_text(r.body, "Message").value_or("");
  Errc errc = Errc::storage;
  if (r.status == 404 && (code == "NoSuchKey" || code.empty())) errc = Errc::not_found;
  if (r.status == 403 || r.status == 401) errc = Errc::unavailable;
  if (code.empty()) code = "no error code";
  return make_error(errc, fmt::format("{}: HTTP {} {}{}{}", what, r.status, code,
                                      message.empty() ? "" : ": ", message));
}

CurlPool::~CurlPool() {
  for (CURL* h : idle_) curl_easy_cleanup(h);
}

CurlPool::Handle::~Handle() {
  if (!h_) return;
  curl_easy_reset(h_);  // keeps the connection cache for the next operation
  std::lock_guard lock(pool_->mu_);
  pool_->idle_.push_back(h_);
}

Result<CurlPool::Handle> CurlPool::acquire() {
  global_init();
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      CURL* h = idle_.back();
      idle_.pop_back();
      return Handle(*this, h);
    }
  }
  CURL* h = curl_easy_init();
  if (!h) return err(Errc::internal, "curl_easy_init failed");
  return Handle(*this, h);
}

CurlHeaders::~CurlHeaders() {
  curl_slist_free_all(static_cast<curl_slist*>(list));
}

Status prepare_handle(CURL* h, const S3Target& t, const std::string& url, CurlHeaders& headers) {
  auto add = [&](const std::string& line) {
    headers.list = curl_slist_append(static_cast<curl_slist*>(headers.list), line.c_str());
  };
  // curl 7.88 does not add x-amz-content-sha256 itself but signs the value given here; S3
  // requires the header. Never add "Expect:" here: curl 7.88 would sign an empty header.
  add("x-amz-content-sha256: UNSIGNED-PAYLOAD");
  if (!t.creds.session_token.empty()) add("x-amz-security-token: " + t.creds.session_token);
  if (!headers.list) return err(Errc::internal, "building S3 request headers");
  std::string sigv4 = "aws:amz:" + t.region + ":s3";
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());  // copied by curl
  curl_easy_setopt(h, CURLOPT_USERNAME, t.creds.access_key.c_str());
  curl_easy_setopt(h, CURLOPT_PASSWORD, t.creds.secret_key.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled server must not hang a dump: under 1 byte/s for 2 minutes aborts.
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 120L);
  return {};
}

Result<S3Response> s3_call(CurlPool& pool, const S3Target& t, const S3Request& req) {
  auto handle = TRY(pool.acquire());
  CURL* h = handle.get();
  std::string url = s3_url(t, req.key, req.query);
  CurlHeaders headers;
  TRY(prepare_handle(h, t, url, headers));
  S3Response resp;
  Upload upload{req.body};
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &resp);
  if (req.method == "PUT" || req.method == "POST") {
    // An upload with a known length; CUSTOMREQUEST turns it into a POST where needed.
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    if (req.method == "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
  } else if (req.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_WRITE_ERROR)
    return err(Errc::storage, "the answer is larger than 16 MiB (endpoint {})", t.endpoint);
  if (rc != CURLE_OK) {
    return err(Errc::unavailable, "{} (endpoint {})", errbuf[0] ? errbuf : curl_easy_strerror(rc),
               t.endpoint);
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
  return resp;
}

}  // namespace dbtwin::bridge
