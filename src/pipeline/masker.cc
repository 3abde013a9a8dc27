#include "pipeline/masker.h"

#include <cstring>

#include "pipeline/row_codec.h"

namespace dbtwin::pipeline {

Result<std::unique_ptr<TableMasker>> TableMasker::make(const Rules& rules, const TableInfo& table,
                                                       RowFormat format) {
  std::vector<std::unique_ptr<Transformer>> columns;
  bool any = false;
  for (const ColumnInfo& c : table.columns) {
    const TransformerSpec* spec = find_rule(rules, table.schema, table.name, c.name);
    if (spec == nullptr || spec->name == "transient") {
      columns.emplace_back();
      continue;
    }
    std::string what = fmt::format("masking column {}.{}", table.qualified(), c.name);
    columns.push_back(TRY_CTX(make_transformer(*spec, rules.keys), what));
    any = true;
  }
  if (!any) return std::unique_ptr<TableMasker>();
  return std::unique_ptr<TableMasker>(new TableMasker(table, format, std::move(columns)));
}

Status TableMasker::apply_line(std::string_view line, std::string& out) const {
  thread_local std::vector<std::string_view> fields;  // reused: one allocation per thread
  thread_local std::string decoded;                   // a field with escapes, decoded
  Status split = split_fields(line, fields);
  if (!split.ok()) return std::move(split).error().context("masking table " + table_);
  if (fields.size() != columns_.size()) {
    return err(Errc::invalid_argument,
               "masking table {}: a row has {} fields, the table has {} "
               "columns",
               table_, fields.size(), columns_.size());
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) out.push_back('\t');
    std::string_view field = fields[i];
    if (!columns_[i]) {
      out.append(field);
      continue;
    }
    auto raw = decode_field(format_, field, decoded);
    if (!raw.ok()) {
      return std::move(raw).error().context(fmt::format("masking column {}.{}", table_, names_[i]));
    }
    auto masked = columns_[i]->apply(*raw);
    if (!masked.ok()) {
      return std::move(masked).error().context(
          fmt::format("masking column {}.{}", table_, names_[i]));
    }
    append_field(format_, out, *masked);
  }
  out.push_back('\n');
  return {};
}

Status TableMasker::apply(std::string_view lines, std::string& out) const {
  out.reserve(out.size() + lines.size() + lines.size() / 8);
  const char* p = lines.data();
  const char* end = p + lines.size();
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* stop = nl ? nl : end;  // a last row without its '\n' is still a row
    TRY(apply_line(std::string_view(p, stop - p), out));
    p = nl ? nl + 1 : end;
  }
  return {};
}

}  // namespace dbtwin::pipeline
