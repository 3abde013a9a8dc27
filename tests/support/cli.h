// Test support: runs the real dbtwin binary against a private state folder and port range, and
// parses its --json output. End-to-end tests drive the CLI exactly as a user does.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dbtwin::test {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  nlohmann::json json() const;  // stdout parsed; a test failure if it is not JSON
};

class Cli {
 public:
  // A state folder `state_dir`, ports [port_lo, port_lo + 99], pool driver `driver` ("auto",
  // "copy", "overlay", ...), pool folder `pool_path` (empty: <state_dir>/pool).
  Cli(std::filesystem::path state_dir, int port_lo, std::string driver,
      std::filesystem::path pool_path = {});
  ~Cli();  // destroys every clone and template left, so no server outlives the test

  // Runs `dbtwin <args>` with the state folder and ports set; extra_env as KEY=VALUE.
  CliResult run(const std::vector<std::string>& args,
                const std::vector<std::string>& extra_env = {}) const;
  // Same, failing the test unless the exit code is 0; returns parsed --json output.
  nlohmann::json ok_json(const std::vector<std::string>& args) const;

  const std::filesystem::path& state_dir() const { return state_; }
  std::vector<std::string> env() const;

 private:
  std::filesystem::path state_;
  std::filesystem::path pool_;
  int port_lo_;
  std::string driver_;
};

// Runs SQL in a database by URL with the engine's command-line client (psql or mariadb);
// returns trimmed stdout, or a string starting with "ERROR:" and the client's stderr.
std::string sql(const std::string& url, const std::string& statement);

// A block of 100 ports [base, base + 99] that no other test process holds (flock until exit).
int unique_port_base();

// The shared fixtures folder, or empty if absent.
std::filesystem::path fixtures_dir();

}  // namespace dbtwin::test
