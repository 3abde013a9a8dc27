// What /proc says about processes: CPU time, memory, and the servers running under a pool.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace dbtwin::bench {

// utime + stime of a process, in seconds (NaN if it cannot be read).
double cpu_seconds(pid_t pid);
// The number on a "Key:   N [kB]" line of /proc/PID/<file> (status, smaps_rollup); 0 if absent.
uint64_t proc_number(pid_t pid, const std::string& file, const std::string& key);
// The same for a line in kB, in bytes.
inline uint64_t proc_kb(pid_t pid, const std::string& file, const std::string& key) {
  return proc_number(pid, file, key) * 1024;
}

struct ProcInfo {
  pid_t ppid = 0;
  std::string cmdline;  // arguments joined by spaces
};
std::map<pid_t, ProcInfo> all_processes();

struct ServerMemory {
  int servers = 0;    // processes whose command line names the pool (postmasters)
  int processes = 0;  // with all their descendants
  uint64_t rss = 0;   // sum of VmRSS: counts shared pages once per process
  uint64_t pss = 0;   // sum of Pss: shared pages split between their users
};
// Every process started with a data directory under `pool`, and its descendants (PostgreSQL's
// background processes).
ServerMemory server_memory(const std::filesystem::path& pool);

}  // namespace dbtwin::bench
