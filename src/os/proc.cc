// Process identity through /proc, signals that survive pid reuse, and PATH lookup.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/unique_fd.h"
#include "os/process.h"

namespace dbtwin::os {

namespace {

struct StatFields {
  char state = '?';
  pid_t pgrp = 0;
  uint64_t start_time = 0;
};

// Parses /proc/PID/stat. The comm field (2) may hold spaces and parentheses, so the remaining
// fields are read after the LAST ')'.
std::optional<StatFields> read_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return std::nullopt;
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  StatFields f;
  std::string field;
  // Field 3 is the state, field 5 the process group; field 22 the start time, i.e. the 20th
  // field after the comm.
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return std::nullopt;
    if (i == 3) f.state = field.empty() ? '?' : field[0];
    if (i == 5) f.pgrp = static_cast<pid_t>(std::strtol(field.c_str(), nullptr, 10));
    if (i == 22) f.start_time = std::strtoull(field.c_str(), nullptr, 10);
  }
  return f;
}

bool is_executable_file(const std::filesystem::path& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

}  // namespace

Result<ProcessId> process_id(pid_t pid) {
  auto f = read_stat(pid);
  if (pid <= 0 || !f) return err(Errc::not_found, "no process with pid {}", pid);
  return ProcessId{pid, f->start_time};
}

bool process_alive(const ProcessId& id) {
  if (id.pid <= 0) return false;
  auto f = read_stat(id.pid);
  return f && f->start_time == id.start_time && f->state != 'Z' && f->state != 'X';
}

Status signal_process(const ProcessId& id, int sig) {
  if (id.pid <= 0) return err(Errc::invalid_argument, "cannot signal pid {}", id.pid);
  // A pidfd pins the process: once its start time is checked, the signal cannot hit a newcomer
  // that reused the pid.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, id.pid, 0));
  if (pidfd < 0) {
    if (errno == ESRCH) return {};
    if (!process_alive(id)) return {};
    if (::kill(id.pid, sig) < 0 && errno != ESRCH) {
      return errno_error(fmt::format("sending signal {} to pid {}", sig, id.pid), errno);
    }
    return {};
  }
  UniqueFd guard(pidfd);
  auto f = read_stat(id.pid);
  if (!f || f->start_time != id.start_time) return {};
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0 && errno != ESRCH) {
    return errno_error(fmt::format("sending signal {} to pid {}", sig, id.pid), errno);
  }
  return {};
}

Result<pid_t> process_group(pid_t pid) {
  auto f = read_stat(pid);
  if (pid <= 0 || !f || f->state == 'Z' || f->state == 'X') {
    return err(Errc::not_found, "no process with pid {}", pid);
  }
  return f->pgrp;
}

Status signal_group(const ProcessId& leader, int sig) {
  auto f = read_stat(leader.pid);
  // Checked just before the kill: a group whose leader was reaped could be a stranger's by now.
  if (leader.pid <= 1 || !f || f->start_time != leader.start_time || f->pgrp != leader.pid) {
    return {};
  }
  if (::kill(-leader.pid, sig) < 0 && errno != ESRCH) {
    return errno_error(fmt::format("sending signal {} to group {}", sig, leader.pid), errno);
  }
  return {};
}

Status wait_gone(const ProcessId& id, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (process_alive(id)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return err(Errc::timeout, "pid {} still running after {} ms", id.pid, limit.count());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return {};
}

std::vector<pid_t> list_pids() {
  std::vector<pid_t> pids;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return pids;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long v = std::strtol(e->d_name, &end, 10);
    if (end != e->d_name && *end == '\0' && v > 0) pids.push_back(static_cast<pid_t>(v));
  }
  ::closedir(d);
  return pids;
}

std::vector<std::string> process_cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> args;
  std::string arg;
  while (std::getline(in, arg, '\0')) args.push_back(arg);
  return args;
}

Result<std::filesystem::path> find_executable(std::string_view name,
                                              const std::vector<std::filesystem::path>& dirs) {
  if (name.empty()) return err(Errc::invalid_argument, "empty program name");
  if (name.find('/') != std::string_view::npos) {
    std::filesystem::path p(name);
    if (!is_executable_file(p)) return err(Errc::unavailable, "{} is not an executable file", name);
    return p;
  }
  for (const auto& d : dirs) {
    if (is_executable_file(d / name)) return d / name;
  }
  const char* path_env = std::getenv("PATH");
  std::string path = path_env != nullptr && *path_env != '\0'
                         ? path_env
                         : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  std::istringstream in(path);
  std::string dir;
  while (std::getline(in, dir, ':')) {
    if (dir.empty()) continue;
    std::filesystem::path p = std::filesystem::path(dir) / name;
    if (is_executable_file(p)) return p;
  }
  return err(Errc::unavailable, "program {} not found on PATH", name);
}

pid_t self_pid() {
  return ::getpid();
}

bool is_root() {
  return ::geteuid() == 0;
}

}  // namespace dbtwin::os
