// Mounts (mount(2), /proc/self/mountinfo) and loop devices (/dev/loop-control, LOOP_CONFIGURE).
#include "os/mount.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/log.h"
#include "base/strings.h"
#include "os/files.h"

namespace dbtwin::os {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// One line: ID PARENT MAJ:MIN ROOT TARGET OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
std::optional<MountEntry> parse_mountinfo_line(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> f;
  std::string word;
  while (in >> word) f.push_back(word);
  size_t dash = 6;
  while (dash < f.size() && f[dash] != "-") ++dash;
  if (f.size() < 6 || dash + 3 > f.size()) return std::nullopt;
  MountEntry e;
  e.target = unescape(f[4]);
  e.fstype = unescape(f[dash + 1]);
  e.source = unescape(f[dash + 2]);
  e.options = f[5];
  if (dash + 3 < f.size()) e.options += "," + f[dash + 3];
  return e;
}

fs::path normal(const fs::path& p) {
  fs::path n = p.lexically_normal();
  if (!n.has_filename() && n != n.root_path()) n = n.parent_path();
  return n;
}

}  // namespace

Result<std::vector<MountEntry>> list_mounts() {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return errno_error("reading /proc/self/mountinfo", errno);
  std::vector<MountEntry> out;
  std::string line;
  while (std::getline(in, line)) {
    if (auto e = parse_mountinfo_line(line)) out.push_back(std::move(*e));
  }
  return out;
}

Result<std::optional<MountEntry>> find_mount(const fs::path& path) {
  auto mounts = TRY(list_mounts());
  fs::path want = normal(path);
  std::optional<MountEntry> found;
  for (auto& m : mounts) {
    if (m.target == want) found = std::move(m);  // the last one is on top
  }
  return found;
}

Status mount_fs(const std::string& source, const fs::path& target, const std::string& fstype,
                unsigned long flags, const std::string& data) {
  if (::mount(source.c_str(), target.c_str(), fstype.empty() ? nullptr : fstype.c_str(), flags,
              data.empty() ? nullptr : data.c_str()) < 0) {
    return errno_error(fmt::format("mounting {} ({}) on {}", source, fstype, target.string()),
                       errno);
  }
  return {};
}

Status unmount(const fs::path& target) {
  // A process that just exited may still hold the file system for a moment: retry on EBUSY.
  for (int attempt = 0;; ++attempt) {
    if (::umount2(target.c_str(), UMOUNT_NOFOLLOW) == 0) return {};
    int e = errno;
    if (e == EINVAL || e == ENOENT) return {};  // nothing mounted there
    if (e != EBUSY || attempt >= 20)
      return errno_error(fmt::format("unmounting {}", target.string()), e);
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

Result<Mount> Mount::make(const std::string& source, const fs::path& target,
                          const std::string& fstype, unsigned long flags, const std::string& data) {
  TRY(mount_fs(source, target, fstype, flags, data));
  return Mount(target);
}

Mount::Mount(Mount&& o) noexcept : target_(std::move(o.target_)) {
  o.target_.clear();
}

Mount::~Mount() {
  if (target_.empty()) return;
  auto s = unmount(target_);
  if (!s.ok()) log::warn("{}", s.error().message);
}

Result<LoopDevice> LoopDevice::attach(const fs::path& backing_file) {
  UniqueFd backing = TRY(open_fd(backing_file, O_RDWR));
  UniqueFd control = TRY(open_fd("/dev/loop-control", O_RDWR));
  // Another process may take the same free device between GET_FREE and CONFIGURE: retry.
  for (int attempt = 0; attempt < 50; ++attempt) {
    int n = ::ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (n < 0) return errno_error("finding a free loop device", errno);
    fs::path dev = "/dev/loop" + std::to_string(n);
    if (!os::exists(dev) && ::mknod(dev.c_str(), S_IFBLK | 0660, makedev(7, n)) < 0 &&
        errno != EEXIST) {
      return errno_error(fmt::format("creating {}", dev.string()), errno);
    }
    UniqueFd fd = TRY(open_fd(dev, O_RDWR));
    loop_config cfg;
    std::memset(&cfg, 0, sizeof cfg);
    cfg.fd = static_cast<uint32_t>(backing.get());
    cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    std::strncpy(reinterpret_cast<char*>(cfg.info.lo_file_name), backing_file.c_str(),
                 LO_NAME_SIZE - 1);
    if (::ioctl(fd.get(), LOOP_CONFIGURE, &cfg) == 0) return LoopDevice(dev, std::move(fd));
    if (errno == EBUSY) continue;
    if (errno != EINVAL && errno != ENOTTY) {
      return errno_error(fmt::format("binding {} to {}", dev.string(), backing_file.string()),
                         errno);
    }
    // Kernels before 5.8: two steps.
    if (::ioctl(fd.get(), LOOP_SET_FD, backing.get()) < 0) {
      if (errno == EBUSY) continue;
      return errno_error(fmt::format("binding {} to {}", dev.string(), backing_file.string()),
                         errno);
    }
    if (::ioctl(fd.get(), LOOP_SET_STATUS64, &cfg.info) < 0) {
      int e = errno;
      ::ioctl(fd.get(), LOOP_CLR_FD, 0);
      return errno_error(fmt::format("configuring {}", dev.string()), e);
    }
    return LoopDevice(dev, std::move(fd));
  }
  return err(Errc::conflict, "no free loop device for {} after many attempts",
             backing_file.string());
}

LoopDevice::LoopDevice(LoopDevice&& o) noexcept
    : device_(std::move(o.device_)), fd_(std::move(o.fd_)), released_(o.released_) {
  o.device_.clear();
}

LoopDevice::~LoopDevice() {
  if (!fd_.valid()) return;
  // While mounted this only marks the device autoclear; the kernel detaches it on unmount.
  if (!released_ && ::ioctl(fd_.get(), LOOP_CLR_FD, 0) < 0 && errno != ENXIO) {
    log::warn("detaching {}: {}", device_.string(), std::strerror(errno));
  }
}

Result<std::vector<fs::path>> loop_devices_for(const fs::path& backing_file) {
  std::error_code ec;
  fs::path want = fs::weakly_canonical(backing_file, ec);
  if (ec) want = backing_file;
  std::vector<fs::path> out;
  auto names = list_dir("/sys/block");
  if (!names.ok()) return std::move(names).error();
  for (const auto& name : *names) {
    if (!starts_with(name, "loop")) continue;
    auto text = read_file(fs::path("/sys/block") / name / "loop" / "backing_file");
    if (!text.ok()) continue;  // not bound
    std::string file(trim(*text));
    if (ends_with(file, " (deleted)")) file.resize(file.size() - 10);
    if (file == want.string() || file == backing_file.string())
      out.push_back(fs::path("/dev") / name);
  }
  return out;
}

}  // namespace dbtwin::os
