#include "pipeline/coverage.h"

namespace dbtwin::pipeline {

Coverage check_coverage(const Rules& rules, const std::vector<TableInfo>& tables) {
  Coverage c;
  std::vector<bool> used(rules.columns.size(), false);
  for (const TableInfo& t : tables) {
    for (const ColumnInfo& col : t.columns) {
      bool covered = false;
      for (size_t i = 0; i < rules.columns.size(); ++i) {
        if (pattern_matches(rules.columns[i].first, t.schema, t.name, col.name)) {
          used[i] = true;
          covered = true;
        }
      }
      if (!covered) c.uncovered.push_back(t.qualified() + "." + col.name);
    }
  }
  for (size_t i = 0; i < rules.columns.size(); ++i) {
    if (!used[i]) c.unknown.push_back(rules.columns[i].first);
  }
  return c;
}

Status require_coverage(const Rules& rules, const std::vector<TableInfo>& tables) {
  if (!rules.strict) return {};
  Coverage c = check_coverage(rules, tables);
  if (c.uncovered.empty()) return {};
  constexpr size_t kShown = 20;
  std::string list;
  for (size_t i = 0; i < c.uncovered.size() && i < kShown; ++i) {
    list += (i ? ", " : "") + c.uncovered[i];
  }
  if (c.uncovered.size() > kShown) list += fmt::format(" and {} more", c.uncovered.size() - kShown);
  return err(Errc::invalid_argument,
             "strict masking: {} column(s) have no rule (add one, transient to keep a column): {}",
             c.uncovered.size(), list);
}

}  // namespace dbtwin::pipeline
