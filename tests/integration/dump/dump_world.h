// Test support for the dump commands end to end: a private dbtwin set-up (tests/support) with a
// real sample database (Pagila or Sakila from ../shared/fixtures) as a template and a running
// clone of it as the dump's source, a file bridge in the scratch folder, and helpers that compare
// what a restore made with the source.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/cli_matrix.h"

namespace dbtwin::test {

class DumpWorld {
 public:
  // engine "postgres" (Pagila) or "mariadb" (Sakila); nullptr and *why when it cannot run here.
  static std::unique_ptr<DumpWorld> make(const std::string& engine, std::string* why);
  ~DumpWorld();

  const Cli& cli() const { return world_->cli(); }
  CliWorld& world() { return *world_; }
  const std::string& engine() const { return engine_; }
  const std::string& source_url() const { return source_url_; }
  std::string bridge() const { return "file://" + bridge_dir().string(); }
  std::filesystem::path bridge_dir() const { return world_->scratch() / "bridge"; }
  std::filesystem::path scratch() const { return world_->scratch(); }
  // The schema (PostgreSQL) or database (MariaDB) rules name tables in: "public" or "sakila".
  std::string ns() const { return engine_ == "postgres" ? "public" : "sakila"; }

  // `dbtwin <args>`, with DBTWIN_MASK_SECRET set.
  CliResult run(const std::vector<std::string>& args,
                const std::vector<std::string>& env = {}) const;
  // A new key file from `dump keygen`.
  std::filesystem::path keygen(const std::string& name) const;
  // The source's URL with another database name.
  std::string url_for(const std::string& database) const;

  // Every base table of the database at `url`: "table" -> "rows:checksum".
  std::map<std::string, std::string> checksums(const std::string& url) const;
  // Constraints (primary, unique, foreign, check), triggers, views and routines, counted.
  std::string schema_objects(const std::string& url) const;
  // Databases on the source's server whose name contains `part`.
  std::vector<std::string> databases_like(const std::string& part) const;
  // Every value of one column.
  std::set<std::string> column(const std::string& url, const std::string& table,
                               const std::string& col) const;

 private:
  std::string engine_;
  std::unique_ptr<CliWorld> world_;
  std::string source_url_;
};

// The base of the dump tests run once per engine (GetParam() is "postgres" or "mariadb"): a
// DumpWorld, skipped with the reason when this machine cannot give one.
class DumpTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override { w_.reset(); }
  std::unique_ptr<DumpWorld> w_;
};

// The chunk files of a dump on a file bridge, in order.
std::vector<std::filesystem::path> chunk_files(const std::filesystem::path& dump_dir);

}  // namespace dbtwin::test
