#include "support/temp_dir.h"

#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace dbtwin::test {

TempDir::TempDir(const std::string& prefix) {
  std::string templ = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  char* made = ::mkdtemp(templ.data());
  if (made == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = made;
  std::filesystem::permissions(path_, std::filesystem::perms(0755));
}

TempDir::~TempDir() {
  // Unmount anything left mounted below the folder, deepest first, before removing it.
  std::ifstream in("/proc/self/mounts");
  std::vector<std::string> targets;
  std::string src, target, rest;
  while (in >> src >> target && std::getline(in, rest)) {
    if (target.rfind(path_.string() + "/", 0) == 0) targets.push_back(target);
  }
  std::sort(targets.rbegin(), targets.rend());
  for (const auto& t : targets) ::umount2(t.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

bool running_as_root() {
  return ::geteuid() == 0;
}

}  // namespace dbtwin::test
