#include "proc_stats.h"

#include <unistd.h>

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "base/strings.h"
#include "os/files.h"

namespace dbtwin::bench {

namespace fs = std::filesystem;

double cpu_seconds(pid_t pid) {
  auto stat = os::read_file(fmt::format("/proc/{}/stat", pid));
  if (!stat) return std::nan("");
  auto close = stat->rfind(')');
  auto fields = split(stat->substr(close + 2), ' ');  // fields[0] is field 3 (state)
  if (fields.size() < 13) return std::nan("");
  double ticks = std::stod(fields[11]) + std::stod(fields[12]);  // fields 14 and 15
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

uint64_t proc_number(pid_t pid, const std::string& file, const std::string& key) {
  auto text = os::read_file(fmt::format("/proc/{}/{}", pid, file));
  if (!text) return 0;
  for (const auto& line : split(*text, '\n')) {
    if (starts_with(line, key)) return std::stoull(std::string(trim(line.substr(key.size()))));
  }
  return 0;
}

std::map<pid_t, ProcInfo> all_processes() {
  std::map<pid_t, ProcInfo> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::stol(name));
    auto stat = os::read_file(e.path() / "stat");
    auto cmd = os::read_file(e.path() / "cmdline");
    if (!stat || !cmd) continue;
    auto close = stat->rfind(')');
    auto fields = split(stat->substr(close + 2), ' ');
    if (fields.size() < 2) continue;
    for (auto& c : *cmd) {
      if (c == '\0') c = ' ';
    }
    out[pid] = {static_cast<pid_t>(std::stol(fields[1])), *cmd};
  }
  return out;
}

ServerMemory server_memory(const fs::path& pool) {
  auto procs = all_processes();
  std::set<pid_t> members;
  ServerMemory m;
  for (const auto& [pid, p] : procs) {
    if (p.cmdline.find(pool.string()) != std::string::npos) {
      members.insert(pid);
      ++m.servers;
    }
  }
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, p] : procs) {
      if (!members.count(pid) && members.count(p.ppid)) {
        members.insert(pid);
        grew = true;
      }
    }
  }
  for (pid_t pid : members) {
    m.rss += proc_kb(pid, "status", "VmRSS:");
    m.pss += proc_kb(pid, "smaps_rollup", "Pss:");
  }
  m.processes = static_cast<int>(members.size());
  return m;
}

}  // namespace dbtwin::bench
