#include "bridge/bridge.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "base/strings.h"
#include "bridge/file_store.h"
#include "bridge/s3_store.h"
#include "bridge/sftp_store.h"

namespace dbtwin::bridge {

namespace {

// Decodes %XX escapes in a URL's user, password or path part.
Result<std::string> url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    unsigned v = 0;
    if (i + 2 >= s.size() ||
        std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr != s.data() + i + 3)
      return err(Errc::invalid_argument, "bad %-escape in bridge URL");
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

Result<std::unique_ptr<pipeline::ObjectStore>> open_file(std::string_view rest) {
  // file:///abs/dir (an empty host); file://relative is refused: a bridge must be unambiguous.
  if (rest.empty() || rest.front() != '/')
    return err(Errc::invalid_argument, "a file bridge needs an absolute path: file:///path/to/dir");
  std::string path = TRY(url_decode(rest));
  return open_file_store(std::filesystem::path(path).lexically_normal());
}

Result<std::unique_ptr<pipeline::ObjectStore>> open_s3(std::string_view rest,
                                                       const BridgeOptions& o) {
  auto slash = rest.find('/');
  std::string bucket(rest.substr(0, slash));
  if (bucket.empty())
    return err(Errc::invalid_argument, "an S3 bridge needs a bucket: s3://bucket[/prefix]");
  for (char c : bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.'))
      return err(Errc::invalid_argument, "'{}' is not a valid S3 bucket name", bucket);
  }
  S3Config cfg;
  if (slash != std::string_view::npos) {
    std::string prefix = TRY(url_decode(rest.substr(slash + 1)));
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (!prefix.empty()) {
      TRY(pipeline::check_key(prefix));
      cfg.prefix = prefix + "/";
    }
  }
  cfg.target.bucket = bucket;
  cfg.target.region = o.region.empty() ? "us-east-1" : o.region;
  cfg.target.endpoint =
      o.endpoint.empty() ? "https://s3." + cfg.target.region + ".amazonaws.com" : o.endpoint;
  while (!cfg.target.endpoint.empty() && cfg.target.endpoint.back() == '/')
    cfg.target.endpoint.pop_back();
  if (!starts_with(cfg.target.endpoint, "http://") && !starts_with(cfg.target.endpoint, "https://"))
    return err(Errc::invalid_argument, "the S3 endpoint '{}' must start with http:// or https://",
               cfg.target.endpoint);
  cfg.target.creds = TRY(resolve_s3_credentials(o));
  cfg.page_size = std::clamp<size_t>(o.s3_page_size, 1, 1000);
  // S3 refuses parts under 5 MiB (except the last).
  cfg.part_bytes = std::max<uint64_t>(o.part_bytes, 5 << 20);
  return std::unique_ptr<pipeline::ObjectStore>(std::make_unique<S3Store>(std::move(cfg)));
}

Result<std::unique_ptr<pipeline::ObjectStore>> open_sftp(std::string_view rest,
                                                         const BridgeOptions& o) {
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  SftpParams p;
  auto at = authority.rfind('@');
  if (at == std::string_view::npos)
    return err(Errc::invalid_argument, "an SFTP bridge needs a user: sftp://user@host[:port]/path");
  std::string_view userinfo = authority.substr(0, at);
  std::string_view hostport = authority.substr(at + 1);
  auto colon = userinfo.find(':');
  p.user = TRY(url_decode(userinfo.substr(0, colon)));
  if (colon != std::string_view::npos) p.password = TRY(url_decode(userinfo.substr(colon + 1)));
  if (!o.ssh_password.empty()) p.password = o.ssh_password;
  if (p.user.empty())
    return err(Errc::invalid_argument, "an SFTP bridge needs a user: sftp://user@host[:port]/path");
  auto pc = hostport.rfind(':');
  if (pc != std::string_view::npos && hostport.find(']') == std::string_view::npos) {
    std::string_view port = hostport.substr(pc + 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p.port);
    if (ec != std::errc() || end != port.data() + port.size() || port.empty() || p.port < 1 ||
        p.port > 65535)
      return err(Errc::invalid_argument, "'{}' is not a valid port in the SFTP bridge URL", port);
    hostport = hostport.substr(0, pc);
  }
  p.host = std::string(hostport);
  if (p.host.size() > 2 && p.host.front() == '[' && p.host.back() == ']')
    p.host = p.host.substr(1, p.host.size() - 2);
  if (p.host.empty())
    return err(Errc::invalid_argument, "an SFTP bridge needs a host: sftp://user@host[:port]/path");
  std::string root = TRY(url_decode(path));
  if (root.empty() || root == "/")
    return err(Errc::invalid_argument, "an SFTP bridge needs a path: sftp://user@host[:port]/path");
  for (const auto& seg : split(root, '/'))
    if (seg == "..")
      return err(Errc::invalid_argument, "the SFTP bridge path must not contain '..'");
  p.identity = o.ssh_identity;
  p.known_hosts = o.known_hosts;
  p.insecure_host_key = o.insecure_host_key;
  return open_sftp_store(p, root);
}

}  // namespace

Result<std::unique_ptr<pipeline::ObjectStore>> open_bridge(std::string_view url,
                                                           const BridgeOptions& opts) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos)
    return err(Errc::invalid_argument,
               "not a bridge URL: use file:///dir, s3://bucket/prefix or sftp://user@host/path");
  std::string scheme(url.substr(0, sep));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view rest = url.substr(sep + 3);
  if (scheme == "file") return open_file(rest);
  if (scheme == "s3") return open_s3(rest, opts);
  if (scheme == "sftp") return open_sftp(rest, opts);
  return err(Errc::invalid_argument, "unknown bridge scheme '{}': use file://, s3:// or sftp://",
             scheme);
}

}  // namespace dbtwin::bridge
