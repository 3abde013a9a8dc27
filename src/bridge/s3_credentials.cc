#include "bridge/s3_credentials.h"

#include <cstdlib>

#include "base/strings.h"
#include "os/files.h"

namespace dbtwin::bridge {

namespace {

std::string env_or(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

std::filesystem::path credentials_path(const BridgeOptions& opts) {
  if (!opts.credentials_file.empty()) return opts.credentials_file;
  std::string from_env = env_or("AWS_SHARED_CREDENTIALS_FILE");
  if (!from_env.empty()) return from_env;
  std::string home = env_or("HOME");
  return home.empty() ? std::filesystem::path() : std::filesystem::path(home) / ".aws/credentials";
}

}  // namespace

std::map<std::string, std::map<std::string, std::string>> parse_ini(std::string_view text) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::string section;
  for (const auto& raw : split(text, '\n')) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = std::string(trim(line.substr(1, line.size() - 2)));
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    out[section][std::string(trim(line.substr(0, eq)))] = std::string(trim(line.substr(eq + 1)));
  }
  return out;
}

Result<S3Credentials> resolve_s3_credentials(const BridgeOptions& opts) {
  if (!opts.access_key.empty() || !opts.secret_key.empty()) {
    if (opts.access_key.empty() || opts.secret_key.empty())
      return err(Errc::invalid_argument, "S3 credentials need both an access key and a secret key");
    return S3Credentials{opts.access_key, opts.secret_key, opts.session_token};
  }
  S3Credentials env{env_or("AWS_ACCESS_KEY_ID"), env_or("AWS_SECRET_ACCESS_KEY"),
                    env_or("AWS_SESSION_TOKEN")};
  if (!env.access_key.empty() && !env.secret_key.empty()) return env;

  auto path = credentials_path(opts);
  std::string profile = opts.profile.empty() ? env_or("AWS_PROFILE", "default") : opts.profile;
  if (!path.empty() && os::exists(path)) {
    auto text = TRY_CTX(os::read_file(path), "reading S3 credentials");
    auto ini = parse_ini(text);
    auto it = ini.find(profile);
    if (it != ini.end()) {
      auto& s = it->second;
      S3Credentials c{s["aws_access_key_id"], s["aws_secret_access_key"], s["aws_session_token"]};
      if (!c.access_key.empty() && !c.secret_key.empty()) return c;
    }
    return err(Errc::unavailable, "no S3 keys for profile '{}' in {}", profile, path.string());
  }
  return err(Errc::unavailable,
             "no S3 credentials: give --access-key and --secret-key, set AWS_ACCESS_KEY_ID and "
             "AWS_SECRET_ACCESS_KEY, or add profile '{}' to {}",
             profile, path.empty() ? std::string("~/.aws/credentials") : path.string());
}

}  // namespace dbtwin::bridge
