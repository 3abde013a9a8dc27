#include "bridge/file_store.h"

#include <fcntl.h>

#include "base/strings.h"
#include "bridge/temp_names.h"
#include "os/file_stream.h"
#include "os/files.h"

namespace dbtwin::bridge {

namespace {

namespace fs = std::filesystem;
using pipeline::check_key;

class FileWriter : public pipeline::ObjectWriter {
 public:
  FileWriter(fs::path target, fs::path temp, UniqueFd fd)
      : target_(std::move(target)), temp_(std::move(temp)), fd_(std::move(fd)) {}
  ~FileWriter() override {
    // Not committed: the temporary goes, and the target is untouched.
    if (!committed_) {
      fd_.reset();
      (void)os::remove_file(temp_);
    }
  }

  Status write(std::string_view data) override {
    if (auto w = os::write_all(fd_.get(), data); !w)
      return std::move(w).error().context(temp_.string());
    return {};
  }

  Status commit() override {
    TRY(os::sync_file(fd_.get(), temp_));
    fd_.reset();
    TRY(os::rename_path(temp_, target_));
    committed_ = true;
    return os::sync_dir(target_.parent_path());
  }

 private:
  fs::path target_, temp_;
  UniqueFd fd_;
  bool committed_ = false;
};

class FileSource : public pipeline::ByteSource {
 public:
  FileSource(fs::path path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  Result<size_t> read(char* buf, size_t n) override {
    return os::read_some(fd_.get(), buf, n, path_);
  }

 private:
  fs::path path_;
  UniqueFd fd_;
};

class IndexLock : public pipeline::ObjectStore::Lock {
 public:
  explicit IndexLock(os::FileLock lock) : lock_(std::move(lock)) {}

 private:
  os::FileLock lock_;
};

class FileStore : public pipeline::ObjectStore {
 public:
  explicit FileStore(fs::path dir) : dir_(std::move(dir)) {}

  std::string describe() const override { return "file://" + dir_.string(); }

  Result<std::unique_ptr<pipeline::ObjectWriter>> create(const std::string& key) override {
    TRY(check_key(key));
    fs::path target = dir_ / key;
    TRY(os::make_dirs(target.parent_path(), 0700));
    fs::path temp = dir_ / temp_key(key);
    UniqueFd fd = TRY(os::open_fd(temp, O_WRONLY | O_CREAT | O_EXCL, 0600));
    return std::unique_ptr<pipeline::ObjectWriter>(
        std::make_unique<FileWriter>(target, temp, std::move(fd)));
  }

  Result<std::unique_ptr<pipeline::ByteSource>> open(const std::string& key) override {
    TRY(check_key(key));
    fs::path path = dir_ / key;
    auto fd = os::open_fd(path, O_RDONLY);
    if (!fd.ok() && fd.error().code == Errc::not_found)
      return err(Errc::not_found, "no object {} on {}", key, describe());
    if (!fd.ok()) return std::move(fd).error();
    return std::unique_ptr<pipeline::ByteSource>(
        std::make_unique<FileSource>(path, std::move(*fd)));
  }

  Result<std::vector<pipeline::ObjectInfo>> list(const std::string& prefix) override {
    std::vector<pipeline::ObjectInfo> out;
    for (auto& f : TRY(os::list_files(dir_))) {
      if (starts_with(f.path, prefix) && !is_hidden_key(f.path)) out.push_back({f.path, f.size});
    }
    return out;
  }

  Status remove(const std::string& key) override {
    TRY(check_key(key));
    TRY(os::remove_file(dir_ / key));
    // A dump's folder goes with its last object, so a deleted dump leaves nothing behind.
    for (fs::path p = (dir_ / key).parent_path();
         p != dir_ && p.string().size() > dir_.string().size(); p = p.parent_path()) {
      TRY(os::remove_empty_dir(p));
    }
    return {};
  }

  Status put(const std::string& key, std::string_view data) override {
    auto w = TRY(create(key));
    TRY(w->write(data));
    return w->commit();
  }

  Result<std::optional<std::string>> get(const std::string& key) override {
    TRY(check_key(key));
    auto data = os::read_file(dir_ / key);
    if (!data.ok() && data.error().code == Errc::not_found) return std::optional<std::string>();
    if (!data.ok()) return std::move(data).error();
    return std::optional<std::string>(std::move(*data));
  }

  Result<std::unique_ptr<Lock>> lock_index() override {
    TRY(os::make_dirs(dir_, 0700));
    auto lock = TRY(os::FileLock::acquire(dir_ / ".metadata.lock", true, true));
    return std::unique_ptr<Lock>(std::make_unique<IndexLock>(std::move(lock)));
  }

 private:
  fs::path dir_;
};

}  // namespace

std::unique_ptr<pipeline::ObjectStore> open_file_store(const fs::path& dir) {
  return std::make_unique<FileStore>(dir);
}

}  // namespace dbtwin::bridge
