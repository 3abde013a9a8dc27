// Child processes: argv only, never a shell. Every child gets its own session and process group.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dbtwin::os {

struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
};

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is a path or a name found on PATH
  std::vector<std::string> env;   // "KEY=VALUE" added to (or replacing) the inherited env
  bool inherit_env = true;
  std::filesystem::path cwd;       // empty: the caller's
  std::optional<Identity> run_as;  // drop to this uid/gid (with no supplementary groups)
  int stdin_fd = -1;               // -1: /dev/null
  int stdout_fd = -1;              // -1: /dev/null
  int stderr_fd = -1;              // -1: /dev/null
};

// A process identity that survives pid reuse: the pid and its start time in clock ticks since
// boot (field 22 of /proc/PID/stat).
struct ProcessId {
  pid_t pid = 0;
  uint64_t start_time = 0;
};

// A child the caller waits for. Move-only. If it was not waited for, the destructor kills its
// process group with SIGKILL and reaps it, so no zombie and no stray grandchild survives.
class ChildProcess {
 public:
  static Result<ChildProcess> spawn(const SpawnOptions& opts);

  ChildProcess(ChildProcess&& o) noexcept;
  ChildProcess& operator=(ChildProcess&& o) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Waits for exit: the exit code, or 128 + the signal number.
  Result<int> wait();
  // The exit status if it has exited, without blocking.
  std::optional<int> try_wait();
  // Sends a signal to the child's whole process group.
  void kill_group(int sig);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  void kill_and_reap();
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

struct RunResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Runs to completion, feeding `input` to stdin and capturing stdout and stderr (each capped at
// 16 MiB; the rest is read and discarded). A stdout_fd/stderr_fd set by the caller is used as
// is (not captured); stdin_fd is used when `input` is empty. Returns when the child exits,
// even if a grandchild it left behind still holds the pipes. A non-zero exit is not an error.
Result<RunResult> run(SpawnOptions opts, std::string_view input = {});

// Runs to completion; a non-zero exit becomes an Error (code `on_failure`) naming the program
// (argv[0]'s base name, never the other arguments) and the last 20 lines of its stderr (of its
// stdout if stderr is empty). Returns stdout.
Result<std::string> run_checked(SpawnOptions opts, Errc on_failure = Errc::system,
                                std::string_view input = {});

// Starts a long-lived server detached from the caller (double fork, new session): it is
// re-parented to init, keeps running after the caller exits, and never becomes the caller's
// zombie. Returns once exec succeeded, or the exec error. Its pid is also its process group
// and session id.
Result<ProcessId> spawn_detached(const SpawnOptions& opts);

// The identity of a running process; not_found if there is none.
Result<ProcessId> process_id(pid_t pid);
// True if that very process (same start time) is alive and not a zombie.
bool process_alive(const ProcessId& id);
// Sends sig to the process if it is still the same process. Not an error if it is gone.
Status signal_process(const ProcessId& id, int sig);
// Waits until the process is gone; timeout if it is still alive after `limit`.
Status wait_gone(const ProcessId& id, std::chrono::milliseconds limit);
// The process group of a live process; not_found if there is none.
Result<pid_t> process_group(pid_t pid);
// Sends sig to the process group that `leader` leads, if that very process still leads one (as
// every child started here does): a tool and the children it forked go together. Not an error
// if it is gone.
Status signal_group(const ProcessId& leader, int sig);

// All pids on the machine, and one process's argv (empty for kernel threads).
std::vector<pid_t> list_pids();
std::vector<std::string> process_cmdline(pid_t pid);

// Finds an executable: an absolute path as is, else the first match in `dirs`, then on PATH.
Result<std::filesystem::path> find_executable(std::string_view name,
                                              const std::vector<std::filesystem::path>& dirs = {});

// This process's pid, and whether it runs as root.
pid_t self_pid();
bool is_root();

}  // namespace dbtwin::os
