#include "pipeline/dump_model.h"

#include <nlohmann/json.hpp>

namespace dbtwin::pipeline {

using nlohmann::json;

std::string_view row_format_name(RowFormat f) {
  switch (f) {
    case RowFormat::pg_copy_text:
      return "pg_copy_text";
    case RowFormat::mysql_load_text:
      return "mysql_load_text";
  }
  return "unknown";
}

Result<RowFormat> parse_row_format(std::string_view name) {
  if (name == "pg_copy_text") return RowFormat::pg_copy_text;
  if (name == "mysql_load_text") return RowFormat::mysql_load_text;
  return err(Errc::invalid_argument, "unknown row format '{}'", name);
}

Status say_target_disk_full(Status st) {
  if (st.ok() || st.error().code != Errc::no_space) return st;
  return std::move(st).error().context("no space left on the target server");
}

namespace {

json table_to_json(const TableInfo& t) {
  json cols = json::array();
  for (const auto& c : t.columns)
    cols.push_back({{"name", c.name},
                    {"type", c.type},
                    {"binary", c.binary},
                    {"nullable", c.nullable},
                    {"unique", c.unique}});
  return {
      {"id", t.id},      {"schema", t.schema},           {"name", t.name},
      {"columns", cols}, {"primary_key", t.primary_key}, {"estimated_bytes", t.estimated_bytes}};
}

// Throws nlohmann::json::exception on a missing key or a wrong type; the caller converts.
TableInfo table_from_json(const json& j) {
  TableInfo t;
  t.id = j.at("id").get<uint32_t>();
  t.schema = j.at("schema").get<std::string>();
  t.name = j.at("name").get<std::string>();
  for (const auto& c : j.at("columns")) {
    ColumnInfo col;
    col.name = c.at("name").get<std::string>();
    col.type = c.at("type").get<std::string>();
    col.binary = c.at("binary").get<bool>();
    col.nullable = c.at("nullable").get<bool>();
    col.unique = c.at("unique").get<bool>();
    t.columns.push_back(std::move(col));
  }
  t.primary_key = j.at("primary_key").get<std::vector<std::string>>();
  t.estimated_bytes = j.value("estimated_bytes", uint64_t{0});
  return t;
}

}  // namespace

std::string header_to_json(const DumpHeader& h) {
  json tables = json::array();
  for (const auto& t : h.tables) tables.push_back(table_to_json(t));
  json j = {{"format_version", h.format_version},
            {"kind", engine::kind_name(h.kind)},
            {"row_format", row_format_name(h.row_format)},
            {"server_version", h.server_version},
            {"database", h.database},
            {"created_at_ms", h.created_at_ms},
            {"tables", tables}};
  return j.dump();
}

Result<DumpHeader> header_from_json(std::string_view text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return err(Errc::invalid_argument, "malformed dump header: not a JSON object");
  DumpHeader h;
  try {
    h.format_version = j.at("format_version").get<int>();
    if (h.format_version != 1)
      return err(Errc::invalid_argument, "dump format version {} is not supported (this is 1)",
                 h.format_version);
    h.kind = TRY_CTX(engine::parse_kind(j.at("kind").get<std::string>()), "malformed dump header");
    h.row_format =
        TRY_CTX(parse_row_format(j.at("row_format").get<std::string>()), "malformed dump header");
    h.server_version = j.at("server_version").get<std::string>();
    h.database = j.at("database").get<std::string>();
    h.created_at_ms = j.at("created_at_ms").get<int64_t>();
    for (const auto& t : j.at("tables")) h.tables.push_back(table_from_json(t));
  } catch (const json::exception& e) {
    return err(Errc::invalid_argument, "malformed dump header: {}", e.what());
  }
  // Frames name tables by their index; the header must agree.
  for (size_t i = 0; i < h.tables.size(); ++i)
    if (h.tables[i].id != i)
      return err(Errc::invalid_argument, "malformed dump header: table {} has id {}, expected {}",
                 h.tables[i].qualified(), h.tables[i].id, i);
  return h;
}

}  // namespace dbtwin::pipeline
