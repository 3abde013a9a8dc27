// The dump's model, shared by sources, transformers, the stream format and restore targets:
// tables, columns, foreign keys, the plan a source reads, and the interfaces between stages.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/engine.h"

namespace dbtwin::pipeline {

// How rows travel in the stream: each row one line ending in '\n', in the engine's own bulk text
// format, so that a table without masking rules passes through untouched.
//  - pg_copy_text: PostgreSQL COPY text format (tab-separated, \N for NULL, backslash escapes
//    \b \f \n \r \t \v \\ and \ooo/\xhh accepted on input).
//  - mysql_load_text: LOAD DATA's default format (tab-separated, \N for NULL, backslash escapes
//    \0 \b \n \r \t \Z \\), raw bytes of the column (the session runs SET NAMES binary).
enum class RowFormat { pg_copy_text, mysql_load_text };
std::string_view row_format_name(RowFormat f);
Result<RowFormat> parse_row_format(std::string_view name);

struct ColumnInfo {
  std::string name;
  std::string type;     // the engine's type name, e.g. "character varying(45)", "blob"
  bool binary = false;  // bytes, not text (bytea, BLOB, BINARY, BIT, GEOMETRY)
  bool nullable = true;
  bool unique = false;  // part of the primary key or of a single-column unique constraint
};

struct TableInfo {
  uint32_t id = 0;     // its index in SourcePlan::tables, and its number in the stream
  std::string schema;  // PostgreSQL schema; MariaDB database
  std::string name;
  std::vector<ColumnInfo> columns;  // in the order the rows carry them
  std::vector<std::string> primary_key;
  uint64_t estimated_bytes = 0;                                  // for progress; 0 when unknown
  std::string qualified() const { return schema + "." + name; }  // rules name tables this way
};

struct ForeignKey {
  uint32_t child = 0;  // table ids
  std::vector<std::string> child_columns;
  uint32_t parent = 0;
  std::vector<std::string> parent_columns;
  std::string name;  // the constraint's name; "virtual" for declared ones
};

// What a source found under its snapshot, before any row is read.
struct SourcePlan {
  engine::Kind kind = engine::Kind::postgres;
  RowFormat row_format = RowFormat::pg_copy_text;
  std::string server_version;  // e.g. "15.4", "10.11.6-MariaDB"
  std::string database;
  std::vector<TableInfo>
      tables;  // every table with rows to copy (PostgreSQL: partitioned parents, not partitions)
  std::vector<ForeignKey> foreign_keys;
  std::string pre_data;  // DDL to run before the rows: types, tables, sequences, functions
  std::string
      post_data;  // DDL to run after: indexes, constraints, triggers, views, sequence values
};

// A SQL session inside the source's snapshot, for subsetting (temporary tables live here).
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual Status exec(const std::string& sql) = 0;
  virtual Result<std::vector<engine::Row>> query(const std::string& sql) = 0;
  // Rows changed by the last exec() (INSERT ... SELECT), for fixpoint loops.
  virtual uint64_t affected() const = 0;
  virtual std::string quote_identifier(std::string_view name) const = 0;
};

// Rewrites a batch of one table's rows (masking). Called from several workers at once.
class RowTransform {
 public:
  virtual ~RowTransform() = default;
  // Appends the transformed form of `lines` (complete rows) to `out`.
  virtual Status apply(std::string_view lines, std::string& out) const = 0;
};

// Receives rows from a source's workers, concurrently for different tables. Blocks to apply
// back-pressure; an error stops every worker and is what read_tables() returns.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // `lines` holds `count` complete rows of `table`, each ending in '\n'.
  virtual Status rows(const TableInfo& table, std::string_view lines, uint64_t count) = 0;
  virtual Status table_done(const TableInfo& table, uint64_t rows) = 0;
};

class DumpSource {
 public:
  virtual ~DumpSource() = default;
  // The plan read under the consistent snapshot taken when the source was opened.
  virtual const SourcePlan& plan() const = 0;
  // The session holding the snapshot; rows of filtered tables are read through it.
  virtual SqlSession& session() = 0;
  // Streams every table's rows into `sink`. `filters` maps a table id to a WHERE condition (may
  // name temporary tables of session()); other tables are read whole.
  virtual Status read_tables(const std::map<uint32_t, std::string>& filters, RowSink& sink) = 0;
};

struct SourceOptions {
  std::string url;  // postgres://… or mysql://… naming one database
  int jobs = 1;     // parallel table readers (PostgreSQL shares an exported snapshot)
};

Result<std::unique_ptr<DumpSource>> open_pg_source(const SourceOptions& options);
Result<std::unique_ptr<DumpSource>> open_mariadb_source(const SourceOptions& options);
// Chooses by the URL's scheme.
Result<std::unique_ptr<DumpSource>> open_source(const SourceOptions& options);

// The part of a plan a restore needs; it travels as JSON in the stream's header frame.
struct DumpHeader {
  int format_version = 1;
  engine::Kind kind = engine::Kind::postgres;
  RowFormat row_format = RowFormat::pg_copy_text;
  std::string server_version;
  std::string database;
  std::vector<TableInfo> tables;
  int64_t created_at_ms = 0;
};
std::string header_to_json(const DumpHeader& h);
Result<DumpHeader> header_from_json(std::string_view json);  // invalid_argument when malformed

// A target's error for its server's full disk (Errc::no_space, which the sessions derive from
// the server's error code) says so first; other errors pass unchanged.
Status say_target_disk_full(Status st);

// A restore's destination. Calls come in stream order: begin, rows/table_done interleaved
// across tables, finish. Until finish() succeeds the real target is untouched: rows go to a
// temporary database that finish() swaps in. abort() (and the destructor, if finish() was not
// reached) removes the temporary database.
class RestoreTarget {
 public:
  virtual ~RestoreTarget() = default;
  virtual Status begin(const DumpHeader& header, const std::string& pre_data) = 0;
  virtual Status rows(const TableInfo& table, std::string_view lines) = 0;
  virtual Status table_done(const TableInfo& table, uint64_t rows) = 0;
  virtual Status finish(const std::string& post_data) = 0;
  virtual void abort() = 0;
};

struct RestoreOptions {
  std::string url;       // the target server and database name
  bool replace = false;  // swap out an existing non-empty database (else already_exists)
  bool direct = false;   // the database is new and private (a template's import): no swap
};

Result<std::unique_ptr<RestoreTarget>> open_pg_target(const RestoreOptions& options);
Result<std::unique_ptr<RestoreTarget>> open_mariadb_target(const RestoreOptions& options);
Result<std::unique_ptr<RestoreTarget>> open_target(const RestoreOptions& options);

}  // namespace dbtwin::pipeline
