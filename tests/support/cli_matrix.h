// Test support for end-to-end CLI tests over every pool driver this machine can run and both
// engines: a private dbtwin "installation" (state folder, port range, pool) per test, plus small
// helpers to read what the CLI printed and what it left on the machine.
//
//   class MyTest : public ::testing::TestWithParam<test::MatrixCase> {
//     void SetUp() override { world_ = test::CliWorld::make_or_skip(GetParam().pool); ... }
//   };
//   INSTANTIATE_TEST_SUITE_P(Drivers, MyTest, ::testing::ValuesIn(test::matrix()),
//   test::matrix_name);
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli.h"
#include "support/pools.h"
#include "support/temp_dir.h"

namespace dbtwin::test {

struct PoolCase {
  std::string name;  // test-name part: "btrfs", "xfs", "overlay", "copy"
  std::string
      loop_fs;  // "btrfs" or "xfs": a loop-mounted file system is the pool; "" a folder on /tmp
  std::string driver;    // what dbtwin is told: "auto" for the loop file systems
  std::string expected;  // the driver dbtwin must end up with
  bool cow = false;      // a write in a clone shows as that clone's own space
  // Copy-on-write by block (btrfs, XFS reflink): a fresh clone costs a small fraction of its
  // snapshot. overlay copies a whole file up at its first write, and a starting server writes
  // to its WAL or redo log, so a fresh overlay clone already holds those files.
  bool block_cow = false;
};

struct MatrixCase {
  PoolCase pool;
  std::string engine;  // "postgres" | "mariadb"
};
// gtest prints a failing case's parameter with this, e.g. "xfs (reflink) × mariadb".
void PrintTo(const MatrixCase& c, std::ostream* os);

const std::vector<PoolCase>& pool_cases();
// The pool case named `name` (e.g. "xfs", "copy"); a test failure if there is none.
const PoolCase& pool_case(const std::string& name);
std::vector<MatrixCase> matrix();    // every pool case × both engines
std::vector<std::string> engines();  // "postgres", "mariadb"
std::string matrix_name(const ::testing::TestParamInfo<MatrixCase>& info);
std::string engine_name(const ::testing::TestParamInfo<std::string>& info);

// A private dbtwin set-up: a scratch folder, the pool (a loop-mounted file system or a folder),
// and a Cli bound to both. Destruction destroys every clone and template through the CLI first,
// then unmounts the pool, so nothing outlives a test even when an assertion failed half-way.
class CliWorld {
 public:
  // nullptr and *why_not when the machine cannot give this pool case (not root, no mkfs, ...).
  static std::unique_ptr<CliWorld> make(const PoolCase& pool, std::string* why_not);
  CliWorld(const CliWorld&) = delete;
  CliWorld& operator=(const CliWorld&) = delete;
  ~CliWorld();

  const Cli& cli() const { return *cli_; }
  const std::filesystem::path& pool_root() const { return pool_root_; }
  std::filesystem::path scratch() const { return dir_.path(); }  // dumps, hook scripts, output
  const PoolCase& pool() const { return pool_; }

  // `template create NAME --engine E <source args...>` with --json; the parsed answer.
  nlohmann::json create_template(const std::string& name, const std::string& engine,
                                 const std::vector<std::string>& source) const;
  // A template from a generated dump of `rows` items (see items_sql) at scratch()/NAME.sql.
  nlohmann::json items_template(const std::string& name, const std::string& engine, int rows) const;
  // `clone create TEMPLATE NAME <extra...>` with --json; the parsed answer.
  nlohmann::json create_clone(const std::string& tmpl, const std::string& name,
                              const std::vector<std::string>& extra = {}) const;
  // `pool status --json` volumes count.
  int volumes() const;
  // Releases everything now (what the destructor does); safe to call twice.
  void tear_down();

 private:
  CliWorld() = default;
  PoolCase pool_;
  TempDir dir_{"dbtwin-cli"};
  std::unique_ptr<LoopFs> loop_;
  std::filesystem::path pool_root_;
  std::unique_ptr<Cli> cli_;
};

// The base of the driver × engine tests: a CliWorld on GetParam().pool, skipped with the reason
// when this machine cannot give that pool, and torn down even when the test failed.
class MatrixTest : public ::testing::TestWithParam<MatrixCase> {
 protected:
  void SetUp() override;
  void TearDown() override;
  const Cli& cli() const { return world_->cli(); }
  const std::string& engine() const { return GetParam().engine; }
  std::unique_ptr<CliWorld> world_;
};

// The "url" field of a clone's JSON ("" if absent).
std::string url_of(const nlohmann::json& clone);

// A small generated dump that both engines load: table `items` (id, name, qty) with `rows` rows,
// ids 1..rows, names "item-<id>".
std::string items_sql(int rows, const std::string& table = "items");
void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);

// Runs a command (argv, no shell); its exit code, with stdout in *out when given. A non-zero
// exit is a test failure, with the command's stderr.
int run_program(const std::vector<std::string>& argv, std::string* out = nullptr,
                const std::vector<std::string>& env = {});

// Pids of live processes whose command line mentions `needle` (e.g. a pool or state folder).
std::vector<pid_t> processes_mentioning(const std::string& needle);
// Mount points at or below `dir`.
std::vector<std::string> mounts_below(const std::filesystem::path& dir);
// True while a process with this pid exists (not a zombie).
bool pid_alive(pid_t pid);

// What identifies the server process behind a URL across a restart: PostgreSQL's
// pg_postmaster_start_time(), MariaDB's pid file content. Compared before and after an
// operation to prove that the server was not restarted.
std::string server_identity(const std::string& url);

// One connection held open across other operations (libpq or libmariadb), to prove that they
// do not interrupt it.
class HeldConnection {
 public:
  explicit HeldConnection(const std::string& url);
  ~HeldConnection();
  bool ok() const;
  const std::string& error() const { return error_; }
  // The first column of the first row, or "ERROR: ..." on failure.
  std::string scalar(const std::string& query);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string error_;
};

// Prints a figure line to stdout: "[figure] <what> <value>", collected from the test log.
void report_figure(const std::string& what, double value, const std::string& unit);

}  // namespace dbtwin::test
