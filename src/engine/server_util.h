// Helpers shared by the PostgreSQL and MariaDB engines: programs, owned folders, secret files,
// log tails, pid files, stopping and waiting for a login.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "engine/engine.h"
#include "os/process.h"

namespace dbtwin::engine {

// A Result with `what` prefixed to its error message, if any.
template <typename T>
Result<T> with_context(Result<T> r, std::string_view what) {
  if (r.ok()) return r;
  return std::move(r).error().context(what);
}

// SpawnOptions for argv, the rest defaulted (designated initializers trip -Wextra).
os::SpawnOptions spawn_options(std::vector<std::string> argv,
                               const std::optional<os::Identity>& run_as = std::nullopt,
                               const fs::path& cwd = {});

// Finds `names[0]` (or a fallback name) in `bindir` only when bindir is set, else in `dirs`
// and then on PATH. Unavailable, naming the program, if none is found.
Result<fs::path> find_program(const fs::path& bindir, const std::vector<std::string>& names,
                              const std::vector<fs::path>& dirs);

// Creates `dir` (and parents) with `mode`, owned by `owner` when given.
Status make_owned_dir(const fs::path& dir, mode_t mode, const std::optional<os::Identity>& owner);

// Writes a small file owned by `owner` when given (in place, so inside data directories too).
Status write_owned_file(const fs::path& path, std::string_view content, mode_t mode,
                        const std::optional<os::Identity>& owner);

// A 0600 file holding a secret, removed when this goes out of scope.
class SecretFile {
 public:
  static Result<SecretFile> create(const fs::path& dir, std::string_view stem,
                                   std::string_view content,
                                   const std::optional<os::Identity>& owner = std::nullopt);
  SecretFile(SecretFile&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  SecretFile& operator=(SecretFile&&) = delete;
  SecretFile(const SecretFile&) = delete;
  SecretFile& operator=(const SecretFile&) = delete;
  ~SecretFile();
  const fs::path& path() const { return path_; }

 private:
  explicit SecretFile(fs::path p) : path_(std::move(p)) {}
  fs::path path_;
};

// A scratch file (0600) that a child's stderr goes to, read back after it exits, then removed.
class CapturedOutput {
 public:
  static Result<CapturedOutput> create(const fs::path& dir, std::string_view stem);
  CapturedOutput(CapturedOutput&& o) noexcept : path_(std::move(o.path_)), fd_(std::move(o.fd_)) {
    o.path_.clear();
  }
  CapturedOutput& operator=(CapturedOutput&&) = delete;
  ~CapturedOutput();
  int fd() const { return fd_.get(); }
  // The last `lines` lines written so far.
  std::string tail(int lines = 15) const;

 private:
  CapturedOutput(fs::path p, UniqueFd fd) : path_(std::move(p)), fd_(std::move(fd)) {}
  fs::path path_;
  UniqueFd fd_;
};

// The last `lines` lines of a text, and of a file (empty if unreadable).
std::string last_lines(std::string_view text, int lines);
std::string file_tail(const fs::path& path, int lines = 15);

// Opens a server log for appending (0640), creating its folder.
Result<UniqueFd> open_log(const fs::path& log_file);

// The process named by the first line of a pid file, if it is alive and its argv[0] contains
// `program_hint` (so a reused pid is not mistaken for the server).
std::optional<os::ProcessId> live_pid_from_file(const fs::path& pid_file,
                                                std::string_view program_hint);

// Clears a pid file whose server is dead but not yet reaped (a zombie, after a kill -9), which a
// server takes for a live one and so refuses to start. Waits briefly for the reaping first.
Status clear_zombie_pid_file(const fs::path& pid_file);

// Sends `sig`, waits up to `grace`, then SIGKILLs and waits again.
Status stop_process(const os::ProcessId& server, int sig, std::chrono::milliseconds grace,
                    std::string_view what);

// Calls `try_login` every few milliseconds until it succeeds. Fails at once with the log's
// tail if the server dies, and with the last login error on timeout.
Status wait_for_login(const os::ProcessId& server, const fs::path& log_file,
                      std::chrono::milliseconds timeout, std::string_view what,
                      const std::function<Status()>& try_login);

// Where a client connects to reach a server listening on `listen_address`.
std::string connect_host(const std::string& listen_address);

// Refuses configuration values that could break out of their line (sizes such as "32MB").
Status check_config_value(std::string_view name, std::string_view value);

// Waits for a client child and turns a non-zero exit into Errc::engine with its stderr tail.
Status finish_client(os::ChildProcess& child, const CapturedOutput& err, std::string_view what);

}  // namespace dbtwin::engine
