// Shared pieces of the subset integration tests: Pagila (PostgreSQL) or Sakila (MariaDB) loaded
// once per test process on a throwaway server, and checks over a planned subset run in the
// source's own snapshot session.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/result.h"
#include "engine/engine.h"
#include "pipeline/dump_model.h"
#include "pipeline/subset.h"

namespace dbtwin::test {

struct SampleDb {
  engine::Engine* engine = nullptr;
  std::string schema;  // "public" or "sakila": the prefix of qualified names
  std::string database;
  int port = 0;
  engine::Credentials admin;
  std::string url() const;
  std::string url_of(const std::string& db) const;
};

// The loaded sample for `kind`, made once per process. not_found when the fixtures or the engine
// are missing (the caller skips); other errors fail. The database also holds `note` (id, film_ref)
// with no declared foreign key, for virtual-key tests: ids 1..20, film_ref = id.
Result<SampleDb*> sample_db(engine::Kind kind);

// Kept rows of `t` (all of them when it has no filter).
Result<uint64_t> kept_rows(pipeline::SqlSession& s, const pipeline::TableInfo& t,
                           const std::map<uint32_t, std::string>& filters);
uint64_t total_rows(pipeline::SqlSession& s, const pipeline::TableInfo& t);

// One line per foreign key (declared and `extra`) with kept child rows whose parent is not kept.
// Runs in `s`, whose tables are those of `plan` (a source's session, or a restored copy).
Result<std::vector<std::string>> orphans(pipeline::SqlSession& s, const pipeline::SourcePlan& plan,
                                         const std::map<uint32_t, std::string>& filters,
                                         const std::vector<pipeline::ForeignKey>& extra = {});

// The id of the table named schema.name in the plan; a test failure when there is none.
uint32_t table_id(const pipeline::SourcePlan& plan, const std::string& qualified);

}  // namespace dbtwin::test
