// Masking one table's rows: the ruled columns are decoded, transformed and encoded again; every
// other field is copied byte for byte.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pipeline/dump_model.h"
#include "pipeline/rules.h"
#include "pipeline/transform/transformer.h"

namespace dbtwin::pipeline {

class TableMasker : public RowTransform {
 public:
  // The masker for `table`, or nullptr when no rule changes any of its columns (no rule, or
  // only transient ones): the table then passes through untouched. invalid_argument when a
  // rule's transformer cannot be built.
  static Result<std::unique_ptr<TableMasker>> make(const Rules& rules, const TableInfo& table,
                                                   RowFormat format);

  // Thread-safe: transformers are const and keep per-thread state only. invalid_argument naming
  // the table for a row with the wrong number of fields or a malformed escape.
  Status apply(std::string_view lines, std::string& out) const override;

  // Transforms one line (without its '\n') and appends it, with '\n', to `out`.
  Status apply_line(std::string_view line, std::string& out) const;

 private:
  TableMasker(const TableInfo& table, RowFormat format,
              std::vector<std::unique_ptr<Transformer>> columns)
      : table_(table.qualified()), format_(format), columns_(std::move(columns)) {
    for (const auto& c : table.columns) names_.push_back(c.name);
  }

  std::string table_;
  RowFormat format_;
  std::vector<std::unique_ptr<Transformer>> columns_;  // nullptr: copied verbatim
  std::vector<std::string> names_;
};

}  // namespace dbtwin::pipeline
