#include "bridge/sftp_store.h"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <algorithm>

#include "base/strings.h"
#include "bridge/temp_names.h"

namespace dbtwin::bridge {

namespace {

using pipeline::check_key;
constexpr size_t kIoBytes = 32 << 10;  // the SFTP packet size every server accepts

using Conn = std::shared_ptr<SftpConn>;

struct FileCloser {
  void operator()(sftp_file f) const { sftp_close(f); }
};
using FilePtr = std::unique_ptr<sftp_file_struct, FileCloser>;

class SftpWriter : public pipeline::ObjectWriter {
 public:
  SftpWriter(Conn conn, std::string target, std::string temp, FilePtr file)
      : conn_(std::move(conn)),
        target_(std::move(target)),
        temp_(std::move(temp)),
        file_(std::move(file)) {}
  ~SftpWriter() override {
    if (committed_) return;
    auto lock = conn_->lock();
    file_.reset();
    sftp_unlink(conn_->sftp(), temp_.c_str());
  }

  Status write(std::string_view data) override {
    auto lock = conn_->lock();
    while (!data.empty()) {
      size_t len = std::min(data.size(), kIoBytes);
      ssize_t n = sftp_write(file_.get(), data.data(), len);
      if (n <= 0) return conn_->sftp_error(fmt::format("writing {}", temp_));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
  }

  Status commit() override {
    auto lock = conn_->lock();
    if (conn_->has_extension("fsync@openssh.com", "1") && sftp_fsync(file_.get()) != 0)
      return conn_->sftp_error(fmt::format("flushing {}", temp_));
    if (sftp_close(file_.release()) != 0)
      return conn_->sftp_error(fmt::format("closing {}", temp_));
    if (sftp_rename(conn_->sftp(), temp_.c_str(), target_.c_str()) != 0) {
      // SFTP v3 rename never replaces: remove the old object, then try once more.
      sftp_unlink(conn_->sftp(), target_.c_str());
      if (sftp_rename(conn_->sftp(), temp_.c_str(), target_.c_str()) != 0)
        return conn_->sftp_error(fmt::format("renaming {} to {}", temp_, target_));
    }
    committed_ = true;
    return {};
  }

 private:
  Conn conn_;
  std::string target_, temp_;
  FilePtr file_;
  bool committed_ = false;
};

class SftpSource : public pipeline::ByteSource {
 public:
  SftpSource(Conn conn, std::string path, FilePtr file)
      : conn_(std::move(conn)), path_(std::move(path)), file_(std::move(file)) {}
  ~SftpSource() override {
    auto lock = conn_->lock();
    file_.reset();
  }
  Result<size_t> read(char* buf, size_t n) override {
    auto lock = conn_->lock();
    ssize_t got = sftp_read(file_.get(), buf, std::min(n, kIoBytes));
    if (got < 0) return conn_->sftp_error(fmt::format("reading {}", path_));
    return static_cast<size_t>(got);
  }

 private:
  Conn conn_;
  std::string path_;
  FilePtr file_;
};

class NoLock : public pipeline::ObjectStore::Lock {};

class SftpStore : public pipeline::ObjectStore {
 public:
  SftpStore(Conn conn, std::string root) : conn_(std::move(conn)), root_(std::move(root)) {}

  std::string describe() const override { return "sftp://" + conn_->where() + root_; }

  Result<std::unique_ptr<pipeline::ObjectWriter>> create(const std::string& key) override {
    TRY(check_key(key));
    std::string target = path_of(key);
    std::string temp = path_of(temp_key(key));
    auto lock = conn_->lock();
    TRY(make_parents(key));
    sftp_file f = sftp_open(conn_->sftp(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (!f) return conn_->sftp_error(fmt::format("creating {}", temp));
    return std::unique_ptr<pipeline::ObjectWriter>(
        std::make_unique<SftpWriter>(conn_, target, temp, FilePtr(f)));
  }

  Result<std::unique_ptr<pipeline::ByteSource>> open(const std::string& key) override {
    TRY(check_key(key));
    std::string path = path_of(key);
    auto lock = conn_->lock();
    sftp_file f = sftp_open(conn_->sftp(), path.c_str(), O_RDONLY, 0);
    if (!f) {
      auto e = conn_->sftp_error(fmt::format("opening {}", path));
      if (e.code == Errc::not_found)
        return err(Errc::not_found, "no object {} on {}", key, describe());
      return e;
    }
    return std::unique_ptr<pipeline::ByteSource>(
        std::make_unique<SftpSource>(conn_, path, FilePtr(f)));
  }

  Result<std::vector<pipeline::ObjectInfo>> list(const std::string& prefix) override {
    std::vector<pipeline::ObjectInfo> out;
    auto lock = conn_->lock();
    TRY(walk("", prefix, out));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
  }

  Status remove(const std::string& key) override {
    TRY(check_key(key));
    std::string path = path_of(key);
    auto lock = conn_->lock();
    if (sftp_unlink(conn_->sftp(), path.c_str()) != 0) {
      auto e = conn_->sftp_error(fmt::format("removing {}", path));
      if (e.code != Errc::not_found) return e;
    }
    return {};
  }

  Status put(const std::string& key, std::string_view data) override {
    auto w = TRY(create(key));
    TRY(w->write(data));
    return w->commit();
  }

  Result<std::optional<std::string>> get(const std::string& key) override {
    auto src = open(key);
    if (!src.ok() && src.error().code == Errc::not_found) return std::optional<std::string>();
    if (!src.ok()) return std::move(src).error();
    std::string out;
    char buf[kIoBytes];
    for (;;) {
      size_t n = TRY((*src)->read(buf, sizeof buf));
      if (n == 0) break;
      out.append(buf, n);
    }
    return std::optional<std::string>(std::move(out));
  }

  Result<std::unique_ptr<Lock>> lock_index() override {
    return std::unique_ptr<Lock>(std::make_unique<NoLock>());
  }

 private:
  std::string path_of(const std::string& key) const { return root_ + "/" + key; }

  // mkdir -p of the root and the key's folders; call under the lock.
  Status make_parents(const std::string& key) {
    std::vector<std::string> dirs;
    std::string path;
    for (const auto& seg : split(root_, '/')) {
      if (seg.empty()) continue;
      path += "/" + seg;
      dirs.push_back(path);
    }
    auto segs = split(key, '/');
    for (size_t i = 0; i + 1 < segs.size(); ++i) {
      path += "/" + segs[i];
      dirs.push_back(path);
    }
    for (const auto& d : dirs) {
      sftp_attributes a = sftp_stat(conn_->sftp(), d.c_str());
      if (a) {
        bool is_dir = a->type == SSH_FILEXFER_TYPE_DIRECTORY;
        sftp_attributes_free(a);
        if (is_dir) continue;
        return err(Errc::already_exists, "{} on {} is not a folder", d, conn_->where());
      }
      // Another writer may create it at the same moment: only a folder still missing is an error.
      if (sftp_mkdir(conn_->sftp(), d.c_str(), 0700) != 0) {
        sftp_attributes again = sftp_stat(conn_->sftp(), d.c_str());
        if (!again) return conn_->sftp_error(fmt::format("creating folder {}", d));
        sftp_attributes_free(again);
      }
    }
    return {};
  }

  // Collects regular files under root/rel whose key starts with `prefix`; call under the lock.
  Status walk(const std::string& rel, const std::string& prefix,
              std::vector<pipeline::ObjectInfo>& out) {
    std::string dir = rel.empty() ? (root_.empty() ? "/" : root_) : path_of(rel);
    sftp_dir d = sftp_opendir(conn_->sftp(), dir.c_str());
    if (!d) {
      auto e = conn_->sftp_error(fmt::format("listing {}", dir));
      if (e.code == Errc::not_found) return {};  // nothing written yet, or removed meanwhile
      return e;
    }
    std::vector<std::string> subdirs;
    while (sftp_attributes a = sftp_readdir(conn_->sftp(), d)) {
      std::string name = a->name ? a->name : "";
      std::string key = rel.empty() ? name : rel + "/" + name;
      if (name != "." && name != "..") {
        if (a->type == SSH_FILEXFER_TYPE_DIRECTORY) {
          // Only folders that can hold matching keys are entered.
          if (starts_with(prefix, key + "/") || starts_with(key + "/", prefix))
            subdirs.push_back(key);
        } else if (a->type == SSH_FILEXFER_TYPE_REGULAR && starts_with(key, prefix) &&
                   !is_hidden_key(key)) {
          out.push_back({key, a->size});
        }
      }
      sftp_attributes_free(a);
    }
    bool eof = sftp_dir_eof(d);
    sftp_closedir(d);
    if (!eof) return conn_->sftp_error(fmt::format("listing {}", dir));
    for (const auto& s : subdirs) TRY(walk(s, prefix, out));
    return {};
  }

  Conn conn_;
  std::string root_;  // absolute without a trailing '/', or "" for the server's root
};

}  // namespace

Result<std::unique_ptr<pipeline::ObjectStore>> open_sftp_store(const SftpParams& p,
                                                               std::string root) {
  auto conn = TRY(SftpConn::connect(p));
  while (!root.empty() && root.back() == '/') root.pop_back();  // "/" becomes "": keys are "/<key>"
  return std::unique_ptr<pipeline::ObjectStore>(
      std::make_unique<SftpStore>(Conn(std::move(conn)), std::move(root)));
}

}  // namespace dbtwin::bridge
