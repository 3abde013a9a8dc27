// Mounts and loop devices.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace dbtwin::os {

namespace fs = std::filesystem;

struct MountEntry {
  fs::path target;
  std::string fstype;
  std::string source;
  std::string options;  // super options and mount options, comma-joined
};

// The mounts of this mount namespace (/proc/self/mountinfo), in mount order.
Result<std::vector<MountEntry>> list_mounts();
// The mount whose target is exactly `path`, if any.
Result<std::optional<MountEntry>> find_mount(const fs::path& path);

Status mount_fs(const std::string& source, const fs::path& target, const std::string& fstype,
                unsigned long flags, const std::string& data);
// Unmounts; not an error if nothing is mounted there.
Status unmount(const fs::path& target);

// A mount that is undone on destruction unless released.
class Mount {
 public:
  static Result<Mount> make(const std::string& source, const fs::path& target,
                            const std::string& fstype, unsigned long flags,
                            const std::string& data);
  Mount(Mount&& o) noexcept;
  Mount& operator=(Mount&&) = delete;
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;
  ~Mount();
  void release() { target_.clear(); }

 private:
  explicit Mount(fs::path target) : target_(std::move(target)) {}
  fs::path target_;
};

// A loop device bound to a backing file. Attached with autoclear, so the kernel detaches it
// when its last user (the mount) goes away; detached on destruction unless released.
class LoopDevice {
 public:
  static Result<LoopDevice> attach(const fs::path& backing_file);
  LoopDevice(LoopDevice&& o) noexcept;
  LoopDevice& operator=(LoopDevice&&) = delete;
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  ~LoopDevice();
  const fs::path& device() const { return device_; }
  // Keeps the device attached past this object. Call it once the device is mounted: with
  // autoclear, the kernel detaches a loop device nobody holds open.
  void release() { released_ = true; }

 private:
  LoopDevice(fs::path dev, UniqueFd fd) : device_(std::move(dev)), fd_(std::move(fd)) {}
  fs::path device_;
  UniqueFd fd_;  // held open: closing the last opener of an autoclear device detaches it
  bool released_ = false;
};

// The loop devices currently backed by `backing_file`.
Result<std::vector<fs::path>> loop_devices_for(const fs::path& backing_file);

}  // namespace dbtwin::os
