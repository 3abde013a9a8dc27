#include "support/s3rver.h"

#include <fcntl.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "os/files.h"
#include "os/net.h"
#include "support/engine_server.h"

namespace dbtwin::test {

namespace {

std::filesystem::path s3rver_script() {
  const char* dir = std::getenv("DBTWIN_NODE_DIR");
  std::filesystem::path base = dir && *dir ? dir : "/var/cache/dbtwin/node";
  return base / "node_modules/s3rver/bin/s3rver.js";
}

}  // namespace

std::unique_ptr<S3rver> S3rver::start(const std::string& bucket, std::string* why_not) {
  auto fail = [&](std::string why) -> std::unique_ptr<S3rver> {
    if (why_not) *why_not = std::move(why);
    return nullptr;
  };
  auto node = os::find_executable("node");
  if (!node) return fail("node is not installed (run scripts/install-bridge-test-deps.sh)");
  auto script = s3rver_script();
  if (!os::exists(script))
    return fail(script.string() + " is missing (run scripts/install-bridge-test-deps.sh)");
  int port = next_engine_port();
  if (port == 0) return fail("no free port for s3rver");

  std::unique_ptr<S3rver> s(new S3rver(bucket, port));
  auto log_path = s->dir_ / "s3rver.log";
  auto log = os::open_fd(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!log) return fail("cannot create the s3rver log: " + log.error().message);
  os::SpawnOptions opts;
  // s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17+) keeps
  // in its legacy provider: without it every truncated listing is a 500.
  opts.argv = {node->string(),
               "--openssl-legacy-provider",
               script.string(),
               "--silent",
               "-a",
               "127.0.0.1",
               "-p",
               std::to_string(port),
               "--configure-bucket",
               bucket,
               "-d",
               (s->dir_ / "data").string()};
  opts.stdout_fd = log->get();
  opts.stderr_fd = log->get();
  auto child = os::ChildProcess::spawn(opts);
  if (!child) return fail("cannot start s3rver: " + child.error().message);
  s->child_.emplace(std::move(*child));
  for (int i = 0; i < 200; ++i) {
    if (!os::tcp_port_free("127.0.0.1", port)) return s;
    if (s->child_->try_wait()) {
      auto text = os::read_file(log_path);
      return fail("s3rver exited at start: " + (text ? *text : std::string("(no log)")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return fail("s3rver did not listen on port " + std::to_string(port) + " within 10 s");
}

std::string S3rver::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

Result<os::RunResult> S3rver::aws(const std::vector<std::string>& args) const {
  auto bin = os::find_executable("aws");
  if (!bin) return err(Errc::unavailable, "the aws CLI is not installed");
  os::SpawnOptions opts;
  opts.argv = {bin->string(), "--endpoint-url", endpoint()};
  opts.argv.insert(opts.argv.end(), args.begin(), args.end());
  opts.env = {
      std::string("AWS_ACCESS_KEY_ID=") + kKey, std::string("AWS_SECRET_ACCESS_KEY=") + kSecret,
      "AWS_DEFAULT_REGION=us-east-1",           "AWS_CONFIG_FILE=/dev/null",
      "AWS_SHARED_CREDENTIALS_FILE=/dev/null",  "AWS_PAGER="};
  return os::run(opts);
}

}  // namespace dbtwin::test
