// The DDL half of mariadb_schema.h. mariadb-dump stays the authority on how a table is written;
// this file only moves lines between the parts. Rows load fastest into tables with nothing but
// their primary key, and constraints added afterwards with FOREIGN_KEY_CHECKS=1 check every row.
#include <cctype>
#include <optional>

#include "base/strings.h"
#include "engine/server_util.h"
#include "os/process.h"
#include "pipeline/mariadb_schema.h"
#include "pipeline/mariadb_script.h"

namespace dbtwin::pipeline {
namespace {

bool istarts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// An identifier at s[pos] (`quoted` or bare), advancing pos past it.
std::optional<std::string> parse_ident(std::string_view s, size_t& pos) {
  while (pos < s.size() && s[pos] == ' ') ++pos;
  if (pos >= s.size()) return std::nullopt;
  std::string out;
  if (s[pos] == '`') {
    for (size_t i = pos + 1; i < s.size(); ++i) {
      if (s[i] != '`') {
        out += s[i];
      } else if (i + 1 < s.size() && s[i + 1] == '`') {
        out += '`';
        ++i;
      } else {
        pos = i + 1;
        return out;
      }
    }
    return std::nullopt;
  }
  while (pos < s.size() && (std::isalnum(static_cast<unsigned char>(s[pos])) || s[pos] == '_' ||
                            s[pos] == '$' || static_cast<unsigned char>(s[pos]) >= 0x80)) {
    out += s[pos++];
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// The first column of a key definition line: the identifier after its first '('.
std::optional<std::string> first_key_column(std::string_view line) {
  size_t pos = 0;
  if (istarts_with(line, "PRIMARY KEY")) {
    pos = line.find('(');
  } else {
    size_t name = line.find('`');
    if (name == std::string_view::npos) return std::nullopt;
    if (!parse_ident(line, name)) return std::nullopt;
    pos = line.find('(', name);
  }
  if (pos == std::string_view::npos) return std::nullopt;
  ++pos;
  return parse_ident(line, pos);
}

// The table named by "CREATE TABLE [IF NOT EXISTS] name" in a statement's code.
std::optional<std::string> created_table(std::string_view code) {
  if (!istarts_with(code, "CREATE TABLE ")) return std::nullopt;
  size_t pos = 13;
  if (istarts_with(code.substr(pos), "IF NOT EXISTS ")) pos += 14;
  return parse_ident(code, pos);
}

enum class Section { pre, objects };

// Which way a SET travels: one restoring a saved value (x = @saved) belongs to the statement
// before it, any other (saving, or setting up) to the statement after it.
bool restores_saved_value(std::string_view code) {
  size_t eq = code.find('=');
  if (eq == std::string_view::npos) return false;
  auto lhs = trim(code.substr(3, eq - 3));
  auto rhs = trim(code.substr(eq + 1));
  return !lhs.empty() && lhs[0] != '@' && !rhs.empty() && rhs[0] == '@' &&
         (rhs.size() < 2 || rhs[1] != '@');
}

struct Splitter {
  const std::map<std::string, std::string>& auto_increment;
  std::vector<std::string> preamble;
  std::vector<std::string> pre, objects, pending;
  std::vector<CreateTableParts> tables;
  std::optional<Section> last;

  void flush_to(std::vector<std::string>& out) {
    out.insert(out.end(), pending.begin(), pending.end());
    pending.clear();
  }

  Status add(const std::string& stmt, bool from_tables_dump) {
    std::string code = sql_code(stmt);
    if (istarts_with(code, "SET ")) {
      if (!last) {
        if (from_tables_dump) preamble.push_back(stmt);
      } else if (restores_saved_value(code) && pending.empty()) {
        (*last == Section::pre ? pre : objects).push_back(stmt);
      } else {
        pending.push_back(stmt);
      }
      return {};
    }
    if (istarts_with(code, "DROP TABLE ")) return {};  // the targets start empty
    auto table = created_table(code);
    if (table && auto_increment.count(*table)) {
      auto parts = TRY(split_create_table(stmt, auto_increment.at(*table)));
      flush_to(pre);
      pre.push_back(parts.create);
      tables.push_back(std::move(parts));
      last = Section::pre;
    } else if (istarts_with(code, "CREATE SEQUENCE ")) {
      flush_to(pre);
      pre.push_back(stmt);
      last = Section::pre;
    } else {
      flush_to(objects);
      objects.push_back(stmt);
      last = Section::objects;
    }
    return {};
  }

  std::string tables_part() const {
    std::vector<std::string> out = preamble;
    out.push_back("SET UNIQUE_CHECKS = 1");
    for (const auto& t : tables) {
      if (!t.indexes.empty()) {
        std::string alter = "ALTER TABLE " + mariadb_ident(t.table);
        for (size_t i = 0; i < t.indexes.size(); ++i) {
          alter += (i ? ", ADD " : " ADD ") + t.indexes[i];
        }
        out.push_back(alter);
      }
      for (const auto& f : t.fulltext) {
        out.push_back("ALTER TABLE " + mariadb_ident(t.table) + " ADD " + f);
      }
    }
    // With checks on, adding a foreign key verifies every existing row.
    out.push_back("SET FOREIGN_KEY_CHECKS = 1");
    for (const auto& t : tables) {
      if (t.constraints.empty()) continue;
      std::string alter = "ALTER TABLE " + mariadb_ident(t.table);
      for (size_t i = 0; i < t.constraints.size(); ++i) {
        alter += (i ? ", ADD " : " ADD ") + t.constraints[i];
      }
      out.push_back(alter);
    }
    return join_sql_script(out);
  }
};

bool is_index_line(std::string_view line) {
  for (auto prefix : {"KEY ", "INDEX ", "UNIQUE ", "FULLTEXT ", "SPATIAL ", "VECTOR "}) {
    if (istarts_with(line, prefix)) return true;
  }
  return false;
}

bool is_constraint_line(std::string_view line) {
  return istarts_with(line, "CONSTRAINT ") || istarts_with(line, "FOREIGN KEY") ||
         istarts_with(line, "CHECK ") || istarts_with(line, "CHECK(");
}

}  // namespace

Result<CreateTableParts> split_create_table(std::string_view stmt, std::string_view auto_inc) {
  CreateTableParts parts;
  auto name = created_table(sql_code(stmt));
  if (!name) return err(Errc::invalid_argument, "not a CREATE TABLE statement: {:.60}", stmt);
  parts.table = *name;
  auto lines = split(stmt, '\n');
  size_t close = lines.size();
  while (close > 0 && !starts_with(lines[close - 1], ")")) --close;
  if (lines.size() < 3 || close < 2) {  // not mariadb-dump's layout: leave it whole
    parts.create = std::string(stmt);
    return parts;
  }
  bool ai_indexed = auto_inc.empty();
  std::vector<std::string> kept;
  for (size_t i = 1; i + 1 < close; ++i) {
    std::string line(trim(lines[i]));
    if (!line.empty() && line.back() == ',') line.pop_back();
    bool index = is_index_line(line), constraint = is_constraint_line(line);
    bool primary = istarts_with(line, "PRIMARY KEY");
    if ((primary || index) && !ai_indexed && first_key_column(line) == std::string(auto_inc)) {
      ai_indexed = true;  // InnoDB wants the AUTO_INCREMENT column first in some key
      kept.push_back("  " + line);
    } else if (index && istarts_with(line, "FULLTEXT ")) {
      parts.fulltext.push_back(line);
    } else if (index) {
      parts.indexes.push_back(line);
    } else if (constraint) {
      parts.constraints.push_back(line);
    } else {
      kept.push_back("  " + line);
    }
  }
  std::string create = lines[0] + "\n";
  for (size_t i = 0; i < kept.size(); ++i) create += kept[i] + (i + 1 < kept.size() ? ",\n" : "\n");
  for (size_t i = close - 1; i < lines.size(); ++i) {
    create += lines[i];
    if (i + 1 < lines.size()) create += "\n";
  }
  parts.create = std::move(create);
  return parts;
}

Result<MariadbDdl> split_mariadb_ddl(std::string_view tables_dump, std::string_view objects_dump,
                                     const std::map<std::string, std::string>& auto_increment) {
  Splitter sp{auto_increment, {}, {}, {}, {}, {}, std::nullopt};
  for (const auto& stmt : TRY_CTX(split_sql_script(tables_dump), "reading mariadb-dump's tables")) {
    TRY(sp.add(stmt, true));
  }
  sp.pending.clear();  // the dump's closing SETs restore a session that ends anyway
  // The second dump is taken whole: its own preamble and the SETs around each trigger and
  // routine (character sets and sql_mode, which the server records with each object).
  for (const auto& stmt :
       TRY_CTX(split_sql_script(objects_dump), "reading mariadb-dump's routines")) {
    sp.objects.push_back(stmt);
  }
  MariadbDdl ddl;
  std::vector<std::string> pre = sp.preamble;
  pre.insert(pre.end(), sp.pre.begin(), sp.pre.end());
  ddl.pre_data = join_sql_script(pre);
  std::vector<std::string> objects = sp.preamble;
  objects.insert(objects.end(), sp.objects.begin(), sp.objects.end());
  ddl.post_data = sp.tables_part() + std::string(kObjectsMarker) + "\n" + join_sql_script(objects);
  return ddl;
}

PostData split_post_data(std::string_view post) {
  std::string marker = std::string(kObjectsMarker) + "\n";
  size_t at = post.find(marker);
  while (at != std::string_view::npos && at != 0 && post[at - 1] != '\n') {
    at = post.find(marker, at + 1);
  }
  if (at == std::string_view::npos) return PostData{std::string(post), ""};
  return PostData{std::string(post.substr(0, at)), std::string(post.substr(at + marker.size()))};
}

Result<MariadbDdl> dump_mariadb_ddl(const MariadbParams& p, const std::string& database,
                                    const std::map<std::string, std::string>& auto_increment) {
  auto program = TRY(engine::find_program({}, {"mariadb-dump", "mysqldump"}, {"/usr/bin"}));
  std::vector<std::string> common = {program.string(),
                                     "--no-defaults",
                                     "--protocol=TCP",
                                     "--host=" + p.host,
                                     "--port=" + std::to_string(p.port),
                                     "--user=" + p.user,
                                     "--default-character-set=utf8mb4",
                                     "--single-transaction",
                                     "--skip-add-locks",
                                     "--skip-lock-tables",
                                     "--skip-comments",
                                     "--no-data"};
  // MySQL's own mysqldump writes GTID_PURGED into dumps of servers using GTIDs; MariaDB's never.
  os::SpawnOptions version;
  version.argv = {program.string(), "--version"};
  auto text = TRY(os::run_checked(version, Errc::engine));
  if (text.find("MariaDB") == std::string::npos) common.push_back("--set-gtid-purged=OFF");

  auto run_dump = [&](std::vector<std::string> extra) -> Result<std::string> {
    os::SpawnOptions opts;
    opts.argv = common;
    opts.argv.insert(opts.argv.end(), extra.begin(), extra.end());
    opts.argv.push_back("--");
    opts.argv.push_back(database);
    opts.env = {"MYSQL_PWD=" + p.password};
    auto out = TRY(os::run_checked(opts, Errc::engine));
    if (out.size() >= (16u << 20)) {
      return err(Errc::engine, "the schema of {} is larger than 16 MiB of DDL", database);
    }
    return out;
  };
  auto tables = TRY_CTX(run_dump({"--skip-triggers"}), "dumping the tables of " + database);
  auto objects = TRY_CTX(run_dump({"--no-create-info", "--triggers", "--routines", "--events"}),
                         "dumping the routines of " + database);
  return split_mariadb_ddl(tables, objects, auto_increment);
}

}  // namespace dbtwin::pipeline
