// Test support: a real btrfs or XFS (reflink=1) file system, loop-mounted in a temporary folder.
//
//   std::string why;
//   auto loop = dbtwin::test::LoopFs::make("xfs", 512 << 20, &why);
//   if (!loop) GTEST_SKIP() << why;
//   auto pool = dbtwin::storage::open_pool(loop->mountpoint() / "pool", Driver::reflink);
//
// The image is sparse, so a 512 MiB file system costs only what is written to it. Destruction
// unmounts it (the loop device detaches itself), and removes the image and the folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "support/temp_dir.h"

namespace dbtwin::test {

class LoopFs {
 public:
  // fs_type is "btrfs" or "xfs" (XFS needs at least 300 MiB). Returns nullptr and sets *why_not
  // when this machine cannot do it (not root, no mkfs, no loop device).
  static std::unique_ptr<LoopFs> make(const std::string& fs_type, uint64_t size,
                                      std::string* why_not);
  LoopFs(const LoopFs&) = delete;
  LoopFs& operator=(const LoopFs&) = delete;
  ~LoopFs();

  const std::filesystem::path& mountpoint() const { return mountpoint_; }
  const std::filesystem::path& image() const { return image_; }
  const std::string& fs_type() const { return fs_type_; }

 private:
  LoopFs() = default;
  TempDir dir_{"dbtwin-loopfs"};
  std::filesystem::path image_;
  std::filesystem::path mountpoint_;
  std::string fs_type_;
  bool mounted_ = false;
};

// True if the program `name` is found on PATH (for tests probing the machine's tools).
bool have_program(const std::string& name);

}  // namespace dbtwin::test
