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

namespace {

// Rows masked together: each masked column's values of a group go to its transformer at once.
// Small enough that a group's fields and outputs stay in the L1 cache.
constexpr size_t kGroupRows = 64;

}  // namespace

// Per-thread buffers, fetched once per batch (a thread_local with a destructor costs a guard
// check at every use).
struct TableMasker::Scratch {
  LineFields line;
  std::vector<const char*> starts, ends;  // each row's line, without its '\n'
  std::vector<FieldRef> cells;            // row r's masked field k at [r * masked + k]
  std::vector<std::string_view> values;   // one masked column's values
  std::vector<uint8_t> nulls;
  std::string decoded;  // the fields with escapes of one column, decoded
  std::vector<size_t> decoded_ends;
  std::vector<MaskedBatch> outputs;  // per masked column
  std::string raw_out;               // an output that needs escaping, before it is encoded
};

Status TableMasker::split_group(const char*& p, const char* end, Scratch& sc) const {
  sc.starts.clear();
  sc.ends.clear();
  sc.cells.clear();
  while (p < end && sc.starts.size() < kGroupRows) {
    auto line_end = split_line(p, end, sc.line);
    if (!line_end.ok()) return std::move(line_end).error().context("masking table " + table_);
    if (sc.line.size() != columns_.size()) {
      return err(Errc::invalid_argument,
                 "masking table {}: a row has {} fields, the table has {} "
                 "columns",
                 table_, sc.line.size(), columns_.size());
    }
    sc.starts.push_back(p);
    sc.ends.push_back(*line_end);
    for (size_t column : masked_) sc.cells.push_back(sc.line[column]);
    p = *line_end == end ? end : *line_end + 1;
  }
  return {};
}

Status TableMasker::mask_column(size_t k, Scratch& sc) const {
  size_t rows = sc.starts.size(), width = masked_.size(), column = masked_[k];
  sc.values.resize(rows);
  sc.nulls.resize(rows);
  sc.decoded.clear();
  sc.decoded_ends.clear();
  // Fields with escapes are decoded into one buffer first, and viewed once it stops growing.
  for (size_t r = 0; r < rows; ++r) {
    const FieldRef& f = sc.cells[r * width + k];
    sc.nulls[r] = 0;
    sc.values[r] = f.view();
    if (!f.escaped) continue;
    auto has_value = decode_field_to(format_, f.view(), sc.decoded);
    if (!has_value.ok()) {
      return std::move(has_value).error().context(
          fmt::format("masking column {}.{}", table_, names_[column]));
    }
    sc.nulls[r] = *has_value ? 0 : 1;
    sc.decoded_ends.push_back(sc.decoded.size());
  }
  for (size_t r = 0, e = 0, from = 0; r < rows; ++r) {
    if (!sc.cells[r * width + k].escaped) continue;
    size_t to = sc.decoded_ends[e++];
    sc.values[r] = std::string_view(sc.decoded).substr(from, to - from);
    from = to;
  }
  MaskedBatch& out = sc.outputs[k];
  out.clear();
  Status st = columns_[column]->mask_batch({sc.values.data(), sc.nulls.data(), rows}, out);
  if (!st.ok())
    return std::move(st).error().context(
        fmt::format("masking column {}.{}", table_, names_[column]));
  return {};
}

void TableMasker::append_output(std::string_view raw, Scratch& sc, std::string& out) const {
  if (!needs_encoding(format_, raw)) {
    out.append(raw);
    return;
  }
  sc.raw_out.assign(raw);
  append_field(format_, out, std::string_view(sc.raw_out));
}

Status TableMasker::apply(std::string_view lines, std::string& out) const {
  thread_local Scratch scratch;
  Scratch& sc = scratch;
  sc.outputs.resize(masked_.size());
  out.reserve(out.size() + lines.size() + lines.size() / 8);
  const char* p = lines.data();
  const char* end = p + lines.size();
  size_t width = masked_.size();
  while (p < end) {
    TRY(split_group(p, end, sc));
    for (size_t k = 0; k < width; ++k) TRY(mask_column(k, sc));
    // Between two masked fields, the bytes of the line (tabs and unmasked fields) are copied in
    // one piece.
    for (size_t r = 0; r < sc.starts.size(); ++r) {
      const char* copied = sc.starts[r];
      for (size_t k = 0; k < width; ++k) {
        const FieldRef& f = sc.cells[r * width + k];
        out.append(copied, static_cast<size_t>(f.data - copied));
        if (sc.outputs[k].nulls[r]) {
          append_null(out);
        } else if (plain_[k] && !f.escaped) {
          out.append(sc.outputs[k].at(r));  // nothing in it to escape: see keeps_plain()
        } else {
          append_output(sc.outputs[k].at(r), sc, out);
        }
        copied = f.data + f.size;
      }
      out.append(copied, static_cast<size_t>(sc.ends[r] - copied));
      out.push_back('\n');
    }
  }
  return {};
}

}  // namespace dbtwin::pipeline
