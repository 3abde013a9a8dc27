// A long-lived child that answers one line for every line written to it (a filter such as
// `tr` under `stdbuf -oL`), for the command transformer. Not thread-safe: callers serialise.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "os/process.h"

namespace dbtwin::os {

class Coprocess {
 public:
  // Starts argv (no shell) with pipes on stdin and stdout; stderr is inherited so the
  // program's own complaints reach the user.
  static Result<Coprocess> start(const std::vector<std::string>& argv);

  Coprocess(Coprocess&&) noexcept = default;
  Coprocess& operator=(Coprocess&&) noexcept = default;
  // Closes the child's stdin, then kills its process group and reaps it: no zombie remains.
  ~Coprocess() = default;

  // Writes `line` and a '\n', and returns the next line the child writes (without its '\n').
  // Writing and reading interleave, so a line longer than a pipe's buffer cannot deadlock.
  // unavailable when the child exited or closed a pipe; timeout when it answers nothing for
  // `idle` (it hangs, or it buffers its output).
  Result<std::string> exchange(std::string_view line,
                               std::chrono::milliseconds idle = std::chrono::seconds(60));

  pid_t pid() const { return child_.pid(); }

 private:
  Coprocess(ChildProcess child, UniqueFd in, UniqueFd out, std::string name)
      : child_(std::move(child)),
        in_(std::move(in)),
        out_(std::move(out)),
        name_(std::move(name)) {}
  Error gone();

  // Declared first so that it is destroyed last, after both pipes are closed.
  ChildProcess child_;
  UniqueFd in_;   // the child's stdin
  UniqueFd out_;  // the child's stdout
  std::string name_;
  std::string pending_;  // bytes read past the last line
  bool broken_ = false;
};

}  // namespace dbtwin::os
