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
#include "pipeline/row_codec.h"
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

 private:
  TableMasker(const TableInfo& table, RowFormat format,
              std::vector<std::unique_ptr<Transformer>> columns)
      : table_(table.qualified()), format_(format), columns_(std::move(columns)) {
    for (const auto& c : table.columns) names_.push_back(c.name);
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (!columns_[i]) continue;
      masked_.push_back(i);
      plain_.push_back(columns_[i]->keeps_plain());
    }
  }

  struct Scratch;
  // Splits the next group of lines from `p` (moved past them) into the scratch's cells.
  Status split_group(const char*& p, const char* end, Scratch& sc) const;
  // Masks the group's values of the k-th masked column into the scratch's outputs[k].
  Status mask_column(size_t k, Scratch& sc) const;
  // Appends one output, escaped as the row format needs.
  void append_output(std::string_view raw, Scratch& sc, std::string& out) const;

  std::string table_;
  RowFormat format_;
  std::vector<std::unique_ptr<Transformer>> columns_;  // nullptr: copied verbatim
  std::vector<size_t> masked_;                         // the columns with a transformer
  std::vector<bool> plain_;                            // their keeps_plain()
  std::vector<std::string> names_;
};

}  // namespace dbtwin::pipeline
