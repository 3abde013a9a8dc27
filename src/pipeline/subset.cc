// Subsetting, run inside the source's snapshot session.
//
// Semantics:
//  1. Seeds. A start table by percentage keeps its first ceil(p% of its rows) in primary-key
//     order (deterministic for a given snapshot); by WHERE, the rows matching the condition.
//  2. Children (follow_children only). Rows referencing a seed row are kept, then rows referencing
//     those, to a fixpoint. Children are followed from seeds and from rows kept as children only,
//     never from rows pulled in as parents: otherwise a parent like `store` would pull every
//     customer back in and the subset would grow to the whole database.
//  3. Parents, always. Every row referenced by a kept row (or by any row of a passthrough table)
//     is kept, to a fixpoint, so cycles (Sakila's store and staff, self references) terminate.
//  NULL foreign-key columns reference nothing. Which tables are filtered (S), and which are copied
//  whole, is decided in subset_graph.h. A table of S that no rule reaches keeps no rows.
//
// Row identities live in one temporary table per table of S (subset_sql.h); each fixpoint step
// is an INSERT ... SELECT that only revisits rows added since that step last ran, and a fixpoint
// ends with a whole pass that adds nothing.
//
// Caveat (MariaDB): InnoDB runs the SELECT of an INSERT ... SELECT as a locking read at
// REPEATABLE READ. Those reads see the newest committed rows rather than the snapshot, and their
// shared locks are held until the dump ends. On a source written to during the dump, the subset
// may name rows that the snapshot lacks (harmless) or miss a parent that was deleted after the
// snapshot (a restore then fails on that foreign key); writers to kept rows wait for the dump.
// PostgreSQL reads the snapshot throughout.
#include "pipeline/subset.h"

#include <charconv>
#include <cmath>
#include <functional>

#include "base/log.h"
#include "base/strings.h"
#include "pipeline/subset_graph.h"
#include "pipeline/subset_sql.h"

namespace dbtwin::pipeline {
namespace {

Result<uint64_t> query_count(SqlSession& session, const std::string& sql) {
  auto rows = TRY(session.query(sql));
  uint64_t n = 0;
  if (rows.size() != 1 || rows[0].size() != 1 || !rows[0][0])
    return err(Errc::engine, "subset: `{}` returned no count", sql);
  const std::string& text = *rows[0][0];
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size())
    return err(Errc::engine, "subset: `{}` returned {}, not a count", sql, text);
  return n;
}

// One INSERT ... SELECT of a fixpoint, and the first `gen` it has not seen yet.
struct Step {
  std::function<std::string(uint64_t since, uint64_t gen)> sql;
  uint64_t since = 0;
};

// Runs every step until a whole pass adds no row. Rows stamped `g` by a step are revisited by
// that same step next time (self references), so `since` becomes g, not g + 1.
Status run_fixpoint(SqlSession& session, std::vector<Step>& steps, uint64_t& gen) {
  for (;;) {
    uint64_t added = 0;
    for (auto& step : steps) {
      uint64_t g = ++gen;
      TRY_CTX(session.exec(step.sql(step.since, g)), "subset: following foreign keys: ");
      added += session.affected();
      step.since = g;
    }
    if (added == 0) return {};
  }
}

Status seed(SqlSession& session, const SubsetSql& sql, const TableInfo& t, const SubsetSeed& s,
            uint64_t gen) {
  std::string ctx = fmt::format("subset start {}: ", t.qualified());
  if (s.percent < 0) {
    TRY_CTX(session.exec(sql.seed_where(t, s.where, gen)), ctx);
    return {};
  }
  uint64_t count = TRY_CTX(query_count(session, sql.count_rows(t)), ctx);
  auto limit = static_cast<uint64_t>(std::ceil(static_cast<double>(count) * s.percent / 100.0));
  TRY_CTX(session.exec(sql.seed_first(t, std::min(limit, count), gen)), ctx);
  return {};
}

}  // namespace

Result<SubsetStart> parse_subset_arg(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return err(Errc::invalid_argument,
               "--subset {}: expected schema.table:PERCENT% or schema.table:CONDITION", text);
  SubsetStart s;
  s.table = std::string(trim(text.substr(0, colon)));
  std::string_view rule = trim(text.substr(colon + 1));
  if (s.table.empty() || s.table.find('.') == std::string::npos)
    return err(Errc::invalid_argument, "--subset {}: the table must be named schema.table", text);
  if (rule.empty())
    return err(Errc::invalid_argument, "--subset {}: no percentage or condition", text);
  std::string_view number = rule.substr(0, rule.size() - 1);
  bool numeric =
      ends_with(rule, "%") && number.find_first_not_of("0123456789.") == std::string_view::npos;
  if (!numeric) {
    s.where = std::string(rule);
    return s;
  }
  double p = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), p);
  if (ec != std::errc() || end != number.data() + number.size() || !(p > 0 && p <= 100))
    return err(Errc::invalid_argument, "--subset {}: the percentage must be in (0, 100]", text);
  s.percent = p;
  return s;
}

Result<std::map<uint32_t, std::string>> plan_subset(DumpSource& src, const SubsetSpec& spec) {
  std::map<uint32_t, std::string> filters;
  if (spec.empty()) return filters;
  const SourcePlan& plan = src.plan();
  SubsetGraph g = TRY(resolve_subset(plan, spec));
  SqlSession& session = src.session();
  auto sql = make_subset_sql(plan.kind, session, keep_table_prefix(plan));
  auto table = [&](uint32_t id) -> const TableInfo& { return plan.tables[id]; };

  for (uint32_t id : g.members)
    for (const auto& stmt : TRY(sql->create_keep(table(id))))
      TRY_CTX(session.exec(stmt), "subset: creating a temporary table: ");
  uint64_t gen = 0;
  for (const auto& s : g.seeds) TRY(seed(session, *sql, table(s.table), s, ++gen));

  if (spec.follow_children) {
    std::vector<Step> steps;
    for (const auto& fk : g.child_edges)
      steps.push_back({[&, fk](uint64_t since, uint64_t gn) {
        return sql->keep_children(fk, table(fk.child), table(fk.parent), since, gn);
      }});
    TRY(run_fixpoint(session, steps, gen));
  }

  // Parents of whole (passthrough) tables do not change: one statement each is enough.
  std::vector<Step> steps;
  for (const auto& fk : g.parent_edges) {
    bool whole = g.whole[fk.child];
    auto make = [&, fk, whole](uint64_t since, uint64_t gn) {
      return sql->keep_parents(fk, table(fk.child), table(fk.parent), whole, since, gn);
    };
    if (whole)
      TRY_CTX(session.exec(make(0, ++gen)), "subset: following foreign keys: ");
    else
      steps.push_back({make});
  }
  TRY(run_fixpoint(session, steps, gen));

  for (uint32_t id : g.members) filters[id] = sql->filter(table(id));
  log::info("subset: {} of {} tables filtered, {} statements", g.members.size(), plan.tables.size(),
            gen);
  return filters;
}

}  // namespace dbtwin::pipeline
