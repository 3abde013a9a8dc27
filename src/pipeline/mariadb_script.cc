// A small lexer does the work: it knows where quotes, comments and executable comments start and
// end, which is all that splitting, classifying and renaming need. The rules follow the mariadb
// client's, so a script means the same thing here as when it is piped into the client.
#include "pipeline/mariadb_script.h"

#include <cctype>
#include <optional>

#include "base/strings.h"

namespace dbtwin::pipeline {
namespace {

enum class Kind { space, comment, exec_open, exec_close, quoted, ident, word, other };

struct Token {
  Kind kind = Kind::other;
  size_t end = 0;  // one past the token's last byte
};

bool is_word_byte(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The end of a quoted run opened by s[i]; nullopt when it never closes.
std::optional<size_t> quote_end(std::string_view s, size_t i) {
  char q = s[i];
  for (size_t j = i + 1; j < s.size(); ++j) {
    if (s[j] == '\\' && q != '`') {
      ++j;
    } else if (s[j] == q) {
      if (j + 1 < s.size() && s[j + 1] == q) {
        ++j;
      } else {
        return j + 1;
      }
    }
  }
  return std::nullopt;
}

// An executable comment's opener at s[i] ("/*!50003", "/*M!100100"): its length, or 0 when s[i]
// opens a plain comment. /*M!999999 marks text no server ever runs (mariadb-dump's sandbox line).
size_t exec_opener(std::string_view s, size_t i, bool& never_runs) {
  size_t j = i + 2;
  if (j < s.size() && s[j] == 'M') ++j;
  if (j >= s.size() || s[j] != '!') return 0;
  ++j;
  size_t digits = j;
  while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
  never_runs = s.substr(digits, j - digits) == "999999";
  return j - i;
}

// The token starting at s[i]. `in_exec` tells whether an executable comment is open (its "*/"
// closes it); `words` groups identifier bytes into one token, else every byte is its own token.
Result<Token> lex(std::string_view s, size_t i, bool in_exec, bool words) {
  char c = s[i];
  auto next = [&](size_t k) { return i + k < s.size() ? s[i + k] : '\0'; };
  if (is_space(c)) {
    size_t j = i;
    while (j < s.size() && is_space(s[j])) ++j;
    return Token{Kind::space, j};
  }
  bool dash_comment = c == '-' && next(1) == '-' &&
                      (i + 2 >= s.size() || static_cast<unsigned char>(s[i + 2]) <= ' ');
  if (c == '#' || dash_comment) {
    size_t j = s.find('\n', i);
    return Token{Kind::comment, j == std::string_view::npos ? s.size() : j};
  }
  if (c == '/' && next(1) == '*') {
    bool never_runs = false;
    size_t opener = exec_opener(s, i, never_runs);
    if (opener != 0 && !never_runs) return Token{Kind::exec_open, i + opener};
    size_t j = s.find("*/", i + 2);
    if (j == std::string_view::npos) return err(Errc::invalid_argument, "unterminated /* comment");
    return Token{Kind::comment, j + 2};
  }
  if (in_exec && c == '*' && next(1) == '/') return Token{Kind::exec_close, i + 2};
  if (c == '\'' || c == '"' || c == '`') {
    auto end = quote_end(s, i);
    if (!end) return err(Errc::invalid_argument, "unterminated {} quote", c);
    return Token{c == '`' ? Kind::ident : Kind::quoted, *end};
  }
  if (words && is_word_byte(c)) {
    size_t j = i;
    while (j < s.size() && is_word_byte(s[j])) ++j;
    return Token{Kind::word, j};
  }
  return Token{Kind::other, i + 1};
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

struct DelimiterCommand {
  std::string delimiter;
  size_t next = 0;  // the start of the following line
};

// A "DELIMITER x" line starting at s[i], if there is one.
Result<std::optional<DelimiterCommand>> delimiter_command(std::string_view s, size_t i) {
  size_t j = i;
  while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
  constexpr std::string_view kWord = "delimiter";
  if (s.size() - j <= kWord.size() || !iequals(s.substr(j, kWord.size()), kWord)) {
    return std::optional<DelimiterCommand>{};
  }
  char after = s[j + kWord.size()];
  if (after != ' ' && after != '\t') return std::optional<DelimiterCommand>{};
  size_t eol = s.find('\n', j);
  if (eol == std::string_view::npos) eol = s.size();
  auto rest = trim(s.substr(j + kWord.size(), eol - j - kWord.size()));
  size_t stop = 0;
  while (stop < rest.size() && !is_space(rest[stop])) ++stop;
  if (stop == 0) return err(Errc::invalid_argument, "DELIMITER without a delimiter");
  return std::optional<DelimiterCommand>{
      DelimiterCommand{std::string(rest.substr(0, stop)), std::min(eol + 1, s.size())}};
}

std::string unquote_ident(std::string_view quoted) {
  std::string out;
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    out += quoted[i];
    if (quoted[i] == '`') ++i;
  }
  return out;
}

std::string quote_ident(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

}  // namespace

Result<std::vector<std::string>> split_sql_script(std::string_view s) {
  std::vector<std::string> out;
  std::string delimiter = ";";
  size_t start = 0, i = 0;  // start: the statement's first code byte, once has_code
  bool has_code = false, in_exec = false;
  auto emit = [&](size_t end) {
    if (has_code) out.emplace_back(trim(s.substr(start, end - start)));
    has_code = in_exec = false;
  };
  while (i < s.size()) {
    if (!has_code && !in_exec && (i == 0 || s[i - 1] == '\n')) {
      auto cmd = TRY(delimiter_command(s, i));
      if (cmd) {
        delimiter = cmd->delimiter;
        i = cmd->next;
        continue;
      }
    }
    if (s.compare(i, delimiter.size(), delimiter) == 0) {
      emit(i);
      i += delimiter.size();
      continue;
    }
    auto token = TRY(lex(s, i, in_exec, /*words=*/false));
    if (token.kind == Kind::exec_open) in_exec = true;
    if (token.kind == Kind::exec_close) in_exec = false;
    if (token.kind != Kind::space && token.kind != Kind::comment && !has_code) {
      has_code = true;  // comments before a statement are left out of its text
      start = i;
    }
    i = token.end;
  }
  if (in_exec) return err(Errc::invalid_argument, "unterminated /*! comment");
  emit(s.size());
  return out;
}

std::string sql_code(std::string_view s) {
  std::string out;
  bool in_exec = false;
  for (size_t i = 0; i < s.size();) {
    auto token = lex(s, i, in_exec, /*words=*/false);
    if (!token.ok()) {  // an unterminated quote: keep the rest as it is
      out.append(s.substr(i));
      break;
    }
    Kind kind = token->kind;
    if (kind == Kind::exec_open) in_exec = true;
    if (kind == Kind::exec_close) in_exec = false;
    if (kind == Kind::space || kind == Kind::comment || kind == Kind::exec_open ||
        kind == Kind::exec_close) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out.append(s.substr(i, token->end - i));
    }
    i = token->end;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string join_sql_script(const std::vector<std::string>& statements) {
  std::string out;
  for (const auto& stmt : statements) {
    // A trailing line comment would swallow a delimiter written on the same line.
    auto last_line = std::string_view(stmt).substr(stmt.rfind('\n') + 1);
    std::string_view gap =
        last_line.find("--") != std::string_view::npos || last_line.find('#') != std::string::npos
            ? "\n"
            : "";
    if (stmt.find(';') == std::string::npos) {
      out += stmt;
      out += gap;
      out += ";\n";
      continue;
    }
    std::string delimiter = ";;";
    for (const char* candidate : {";;", "$$", "//", "@@@@", "~~~~~"}) {
      if (stmt.find(candidate) == std::string::npos) {
        delimiter = candidate;
        break;
      }
    }
    out += "DELIMITER " + delimiter + "\n" + stmt;
    out += gap;
    out += delimiter + "\nDELIMITER ;\n";
  }
  return out;
}

std::string rename_database_refs(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  bool in_exec = false;
  std::string prev1, prev2;  // the last two words, for ALTER DATABASE
  for (size_t i = 0; i < s.size();) {
    auto token = lex(s, i, in_exec, /*words=*/true);
    if (!token.ok()) {
      out.append(s.substr(i));
      break;
    }
    auto text = s.substr(i, token->end - i);
    Kind kind = token->kind;
    if (kind == Kind::exec_open) in_exec = true;
    if (kind == Kind::exec_close) in_exec = false;
    // Only the head of a dotted name can be a database: in shop.shop.id the second is a table.
    bool dotted = token->end < s.size() && s[token->end] == '.' && (i == 0 || s[i - 1] != '.');
    bool after_alter_db =
        iequals(prev2, "alter") && (iequals(prev1, "database") || iequals(prev1, "schema"));
    bool named = (kind == Kind::ident && unquote_ident(text) == from) ||
                 (kind == Kind::word && text == from);
    if (named && (dotted || after_alter_db)) {
      out += quote_ident(to);
    } else {
      out.append(text);
    }
    if (kind == Kind::word || kind == Kind::ident) {
      prev2 = std::move(prev1);
      prev1 = std::string(text);
    } else if (kind != Kind::space && kind != Kind::comment && kind != Kind::exec_open &&
               kind != Kind::exec_close) {
      prev1.clear();
      prev2.clear();
    }
    i = token->end;
  }
  return out;
}

}  // namespace dbtwin::pipeline
