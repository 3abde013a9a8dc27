// SQL scripts as mariadb-dump writes them, executed statement by statement through libmariadb
// instead of the mariadb client: splitting on the current DELIMITER, and writing statements back
// as a script that both this splitter and the mariadb client read the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dbtwin::pipeline {

// The statements of `script`, each without its delimiter, leading comments and surrounding
// whitespace. Honours DELIMITER lines,
// quotes ('…', "…", `…` with doubling and backslash escapes), comments (--, #, /* */) and
// executable comments (/*!NNNNN … */, /*M!NNNNNN … */, whose content is code). Statements that
// hold only comments are left out. invalid_argument on an unterminated quote or comment.
Result<std::vector<std::string>> split_sql_script(std::string_view script);

// The code of one statement, for classifying it: comments removed, executable comments unwrapped
// (except the never-run /*M!999999 kind), runs of whitespace made one space, quoted text kept.
std::string sql_code(std::string_view statement);

// A script that split_sql_script() turns back into exactly `statements`: ';' after each, and a
// DELIMITER pair around statements whose text holds a ';' (routine and trigger bodies).
std::string join_sql_script(const std::vector<std::string>& statements);

// Rewrites references to database `from` into `to` in one statement's code: `from`.x and from.x
// (not after a dot), and ALTER DATABASE `from`. String literals and comments are left alone.
// Textual, so `from`.x where `from` is also a table or alias would be rewritten too: view
// definitions, which the server writes without their own database, should not go through it.
std::string rename_database_refs(std::string_view statement, std::string_view from,
                                 std::string_view to);

}  // namespace dbtwin::pipeline
