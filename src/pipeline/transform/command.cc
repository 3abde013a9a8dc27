// command: one long-lived external program per transformer, fed one value per line. Values are
// escaped so that each is exactly one line: "\n" for a newline, "\\" for a backslash, and "\N"
// alone for NULL; the answer uses the same escapes.
#include <mutex>

#include "os/coprocess.h"
#include "os/process.h"
#include "pipeline/transform/families.h"
#include "pipeline/transform/options.h"

namespace dbtwin::pipeline::detail {
namespace {

using Out = Result<bool>;

std::string escape_line(std::optional<std::string_view> v) {
  if (!v) return "\\N";
  std::string out;
  out.reserve(v->size());
  for (char c : *v) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Appends the value `line` stands for to `out`; false for NULL.
bool unescape_line(std::string_view line, std::string& out) {
  if (line == "\\N") return false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      ++i;
      out.push_back(line[i] == 'n' ? '\n' : line[i]);
    } else {
      out.push_back(line[i]);
    }
  }
  return true;
}

class Command final : public Transformer {
 public:
  Command(const TransformerSpec& s, const MaskKeys& k, std::vector<std::string> argv)
      : Transformer(s, k), argv_(std::move(argv)) {}

  Out transform_to(std::string_view v, std::string& out) const override { return exchange(v, out); }
  Out null_to(std::string& out) const override { return exchange(std::nullopt, out); }

 private:
  Out exchange(std::optional<std::string_view> value, std::string& out) const {
    std::lock_guard lock(mu_);  // one child answers values in order
    if (!child_) {
      // Started on first use, so that checking a rules file starts nothing.
      auto started = os::Coprocess::start(argv_);
      if (!started.ok()) return std::move(started).error().context("transformer command");
      child_.emplace(std::move(*started));
    }
    auto answer = child_->exchange(escape_line(value));
    if (!answer.ok()) return std::move(answer).error().context("transformer command");
    return unescape_line(*answer, out);
  }

  std::vector<std::string> argv_;
  mutable std::mutex mu_;
  mutable std::optional<os::Coprocess> child_;
};

}  // namespace

Result<TransformerPtr> make_command(const TransformerSpec& s, const MaskKeys& k) {
  Options o(s);
  std::vector<std::string> argv = TRY(o.text_list("argv"));
  TRY(o.finish());
  if (argv.empty()) return o.bad("argv", "is required (a list: program and arguments)");
  auto exe = os::find_executable(argv[0]);
  if (!exe.ok()) return o.bad("argv", fmt::format("names no program found: {}", argv[0]));
  argv[0] = exe->string();
  return TransformerPtr(std::make_unique<Command>(s, k, std::move(argv)));
}

}  // namespace dbtwin::pipeline::detail
