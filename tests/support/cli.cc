#include "support/cli.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "base/strings.h"
#include "os/files.h"
#include "os/process.h"

namespace dbtwin::test {

nlohmann::json CliResult::json() const {
  auto j = nlohmann::json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << out << "\nstderr: " << err;
  return j;
}

Cli::Cli(std::filesystem::path state_dir, int port_lo, std::string driver,
         std::filesystem::path pool_path)
    : state_(std::move(state_dir)),
      pool_(std::move(pool_path)),
      port_lo_(port_lo),
      driver_(std::move(driver)) {}

Cli::~Cli() {
  auto clones = run({"--json", "clone", "list"});
  if (clones.exit_code == 0) {
    for (const auto& c : clones.json())
      run({"clone", "destroy", "--force", c["name"].get<std::string>()});
  }
  auto templates = run({"--json", "template", "list"});
  if (templates.exit_code == 0) {
    for (const auto& t : templates.json())
      run({"template", "delete", "--force", t["name"].get<std::string>()});
  }
}

std::vector<std::string> Cli::env() const {
  std::vector<std::string> e = {
      "DBTWIN_STATE_DIR=" + state_.string(),
      "DBTWIN_PORT_RANGE=" + std::to_string(port_lo_) + "-" + std::to_string(port_lo_ + 99),
      "DBTWIN_POOL_DRIVER=" + driver_,
      "DBTWIN_CONFIG=",
  };
  if (!pool_.empty()) e.push_back("DBTWIN_POOL_PATH=" + pool_.string());
  return e;
}

CliResult Cli::run(const std::vector<std::string>& args,
                   const std::vector<std::string>& extra_env) const {
  os::SpawnOptions opts;
  opts.argv = {DBTWIN_BINARY};
  opts.argv.insert(opts.argv.end(), args.begin(), args.end());
  opts.env = env();
  opts.env.insert(opts.env.end(), extra_env.begin(), extra_env.end());
  CliResult r;
  auto ran = os::run(opts);
  if (!ran) {
    r.err = ran.error().message;
    return r;
  }
  r.exit_code = ran->exit_code;
  r.out = ran->out;
  r.err = ran->err;
  return r;
}

nlohmann::json Cli::ok_json(const std::vector<std::string>& args) const {
  std::vector<std::string> with_json = {"--json"};
  with_json.insert(with_json.end(), args.begin(), args.end());
  auto r = run(with_json);
  EXPECT_EQ(r.exit_code, 0) << "dbtwin " << fmt::format("{}", fmt::join(args, " "))
                            << "\nstderr: " << r.err;
  if (r.exit_code != 0) return nlohmann::json();
  return r.json();
}

std::string sql(const std::string& url, const std::string& statement) {
  os::SpawnOptions opts;
  if (starts_with(url, "postgres")) {
    opts.argv = {"psql", "-X", "-q", "-t",     "-A", "-v", "ON_ERROR_STOP=1",
                 "-d",   url,  "-c", statement};
  } else {
    // mysql://user:pass@host:port/db, split for the mariadb client; the password goes by env.
    std::string rest = url.substr(url.find("://") + 3);
    std::string creds = rest.substr(0, rest.rfind('@'));
    std::string hostpart = rest.substr(rest.rfind('@') + 1);
    std::string user = creds.substr(0, creds.find(':'));
    std::string pass = creds.substr(creds.find(':') + 1);
    std::string host = hostpart.substr(0, hostpart.find(':'));
    std::string port =
        hostpart.substr(hostpart.find(':') + 1, hostpart.find('/') - hostpart.find(':') - 1);
    std::string db = hostpart.substr(hostpart.find('/') + 1);
    opts.argv = {"mariadb", "-N", "-B", "-h", host, "-P", port, "-u", user, db, "-e", statement};
    opts.env = {"MYSQL_PWD=" + pass};
  }
  auto r = os::run(opts);
  if (!r) return "ERROR: " + r.error().message;
  if (r->exit_code != 0) return "ERROR: " + r->err;
  return std::string(trim(r->out));
}

int unique_port_base() {
  // Test processes run in parallel (ctest -j): each takes a block of 100 ports that no other
  // process holds, by an flock kept until it exits, so two never probe the same free port.
  static std::mutex mu;
  static std::vector<os::FileLock> held;
  std::lock_guard<std::mutex> hold(mu);
  int start = static_cast<int>(::getpid() % 150);
  for (int i = 0; i < 150; ++i) {
    int base = 10000 + ((start + i) % 150) * 100;
    auto lock =
        os::FileLock::acquire(fmt::format("/tmp/dbtwin-test-ports-{}.lock", base), true, false);
    if (!lock.ok()) continue;
    held.push_back(std::move(*lock));
    return base;
  }
  ADD_FAILURE() << "no free block of test ports";
  return 10000;
}

std::filesystem::path fixtures_dir() {
  std::filesystem::path p = DBTWIN_FIXTURES_DIR;
  return std::filesystem::is_directory(p) ? p : std::filesystem::path();
}

}  // namespace dbtwin::test
