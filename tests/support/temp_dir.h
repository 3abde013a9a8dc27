// Test support: a temporary folder removed (with anything mounted inside unmounted) at the end.
#pragma once

#include <filesystem>
#include <string>

namespace dbtwin::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "dbtwin-test");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// True when the test process runs as root (loop devices, mounts and service users need it).
bool running_as_root();

}  // namespace dbtwin::test

// Skips the current test with a reason unless running as root.
#define DBTWIN_REQUIRE_ROOT()                                            \
  do {                                                                   \
    if (!::dbtwin::test::running_as_root())                              \
      GTEST_SKIP() << "needs root (mounts, loop devices, service user)"; \
  } while (0)
