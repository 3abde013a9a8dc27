#include "support/pools.h"

#include "os/process.h"
#include "storage/loop_pool.h"

namespace dbtwin::test {

bool have_program(const std::string& name) {
  return os::find_executable(name).ok();
}

std::unique_ptr<LoopFs> LoopFs::make(const std::string& fs_type, uint64_t size,
                                     std::string* why_not) {
  auto fail = [&](std::string why) -> std::unique_ptr<LoopFs> {
    if (why_not) *why_not = std::move(why);
    return nullptr;
  };
  if (!running_as_root()) return fail("a loop-mounted " + fs_type + " needs root");
  std::string mkfs = "mkfs." + fs_type;
  if (!have_program(mkfs)) return fail(mkfs + " is not installed");
  std::unique_ptr<LoopFs> fs(new LoopFs());
  fs->fs_type_ = fs_type;
  fs->image_ = fs->dir_ / "pool.img";
  fs->mountpoint_ = fs->dir_ / "mnt";
  auto made = storage::init_loop_pool({fs->image_, fs->mountpoint_, size, fs_type});
  if (!made.ok())
    return fail("cannot make a loop-mounted " + fs_type + ": " + made.error().message);
  fs->mounted_ = true;
  return fs;
}

LoopFs::~LoopFs() {
  // TempDir's destructor would also detach the mount; unmount cleanly first so that the loop
  // device is released (autoclear) before the image is removed.
  if (mounted_) (void)storage::unmount_loop_pool(mountpoint_);
}

}  // namespace dbtwin::test
