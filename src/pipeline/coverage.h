// Which columns the rules classify, for `validate` and strict mode.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "pipeline/dump_model.h"
#include "pipeline/rules.h"

namespace dbtwin::pipeline {

struct Coverage {
  std::vector<std::string> uncovered;  // schema.table.column that no rule covers
  std::vector<std::string> unknown;    // rule patterns that match no existing column
};

// Tables and columns in the order given; patterns in file order.
Coverage check_coverage(const Rules& rules, const std::vector<TableInfo>& tables);

// When rules.strict: invalid_argument listing (up to 20) uncovered columns. OK otherwise.
Status require_coverage(const Rules& rules, const std::vector<TableInfo>& tables);

}  // namespace dbtwin::pipeline
