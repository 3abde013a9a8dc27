#include "pipeline/subset_graph.h"

#include <algorithm>
#include <deque>

namespace dbtwin::pipeline {
namespace {

Status check_columns(const TableInfo& t, const std::vector<std::string>& columns) {
  if (columns.empty())
    return err(Errc::invalid_argument, "virtual foreign key on {} names no columns", t.qualified());
  for (const auto& c : columns) {
    bool known = std::any_of(t.columns.begin(), t.columns.end(),
                             [&](const ColumnInfo& col) { return col.name == c; });
    if (!known)
      return err(Errc::invalid_argument, "virtual foreign key: unknown column {} in table {}", c,
                 t.qualified());
  }
  return {};
}

// Marks every table reachable from the starts through `edges` (either direction), never
// entering a whole table.
std::vector<bool> connected(size_t n, const std::vector<uint32_t>& starts,
                            const std::vector<ForeignKey>& edges, const std::vector<bool>& whole) {
  std::vector<std::vector<uint32_t>> adjacent(n);
  for (const auto& fk : edges) {
    adjacent[fk.child].push_back(fk.parent);
    adjacent[fk.parent].push_back(fk.child);
  }
  std::vector<bool> seen(n, false);
  std::deque<uint32_t> todo(starts.begin(), starts.end());
  while (!todo.empty()) {
    uint32_t t = todo.front();
    todo.pop_front();
    if (seen[t] || whole[t]) continue;
    seen[t] = true;
    for (uint32_t next : adjacent[t]) todo.push_back(next);
  }
  return seen;
}

}  // namespace

Result<uint32_t> find_subset_table(const SourcePlan& plan, std::string_view name) {
  for (const auto& t : plan.tables)
    if (t.qualified() == name) return t.id;
  return err(Errc::invalid_argument, "subset: unknown table {} (expected schema.table)", name);
}

Result<std::vector<ForeignKey>> resolve_virtual_keys(const SourcePlan& plan,
                                                     const std::vector<VirtualForeignKey>& keys) {
  std::vector<ForeignKey> out;
  for (const auto& v : keys) {
    ForeignKey fk;
    fk.child = TRY(find_subset_table(plan, v.child_table));
    fk.parent = TRY(find_subset_table(plan, v.parent_table));
    TRY(check_columns(plan.tables[fk.child], v.child_columns));
    TRY(check_columns(plan.tables[fk.parent], v.parent_columns));
    if (v.child_columns.size() != v.parent_columns.size())
      return err(Errc::invalid_argument,
                 "virtual foreign key {} -> {}: {} child columns but {} parent columns",
                 v.child_table, v.parent_table, v.child_columns.size(), v.parent_columns.size());
    fk.child_columns = v.child_columns;
    fk.parent_columns = v.parent_columns;
    fk.name = "virtual";
    out.push_back(std::move(fk));
  }
  return out;
}

Result<SubsetGraph> resolve_subset(const SourcePlan& plan, const SubsetSpec& spec) {
  const size_t n = plan.tables.size();
  for (size_t i = 0; i < n; ++i)
    if (plan.tables[i].id != i)
      return err(Errc::internal, "subset: table {} has id {} at index {}",
                 plan.tables[i].qualified(), plan.tables[i].id, i);
  SubsetGraph g;
  g.whole.assign(n, false);
  for (const auto& name : spec.passthrough) g.whole[TRY(find_subset_table(plan, name))] = true;

  std::vector<uint32_t> starts;
  for (const auto& s : spec.starts) {
    uint32_t id = TRY(find_subset_table(plan, s.table));
    if (g.whole[id])
      return err(Errc::invalid_argument, "subset: {} is both a start table and passthrough",
                 s.table);
    bool by_percent = s.where.empty();
    if (by_percent && !(s.percent > 0 && s.percent <= 100))
      return err(Errc::invalid_argument, "subset: percentage for {} must be in (0, 100], got {}",
                 s.table, s.percent);
    g.seeds.push_back({id, by_percent ? s.percent : -1, s.where});
    starts.push_back(id);
  }

  std::vector<ForeignKey> edges;
  for (const auto& fk : plan.foreign_keys) {
    if (fk.child >= n || fk.parent >= n)
      return err(Errc::internal, "subset: foreign key {} names a table id out of range", fk.name);
    edges.push_back(fk);
  }
  for (auto& fk : TRY(resolve_virtual_keys(plan, spec.virtual_foreign_keys)))
    edges.push_back(std::move(fk));

  g.in_subset = connected(n, starts, edges, g.whole);
  for (uint32_t t = 0; t < n; ++t)
    if (g.in_subset[t]) g.members.push_back(t);
  for (const auto& fk : edges) {
    if (!g.in_subset[fk.parent]) continue;
    if (g.in_subset[fk.child] || g.whole[fk.child]) g.parent_edges.push_back(fk);
    if (g.in_subset[fk.child]) g.child_edges.push_back(fk);
  }
  return g;
}

}  // namespace dbtwin::pipeline
