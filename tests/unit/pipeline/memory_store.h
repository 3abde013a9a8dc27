// MemoryStore: an in-memory ObjectStore for unit tests and fuzz targets. Objects are plain
// strings that a test may inspect or damage through objects(). Options simulate failures and
// let big streams through without keeping their bytes.
#pragma once

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/object_store.h"

namespace dbtwin::test {

class MemoryStore : public pipeline::ObjectStore {
 public:
  // discard: committed objects keep their size but not their bytes (reads give zeros).
  // fail_after_bytes: every write fails once this many bytes were written in total (a full disk).
  struct Options {
    bool discard = false;
    uint64_t fail_after_bytes = UINT64_MAX;
  };
  MemoryStore() = default;
  explicit MemoryStore(Options o) : options_(o) {}

  std::string describe() const override { return "memory://"; }

  Result<std::unique_ptr<pipeline::ObjectWriter>> create(const std::string& key) override {
    return std::unique_ptr<pipeline::ObjectWriter>(new Writer(*this, key));
  }

  Result<std::unique_ptr<pipeline::ByteSource>> open(const std::string& key) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return err(Errc::not_found, "object {} not found", key);
    auto discarded = sizes_.find(key);
    uint64_t zeros = discarded == sizes_.end() ? 0 : discarded->second;
    return std::unique_ptr<pipeline::ByteSource>(new Reader(it->second, zeros));
  }

  Result<std::vector<pipeline::ObjectInfo>> list(const std::string& prefix) override {
    std::lock_guard lock(mu_);
    std::vector<pipeline::ObjectInfo> out;
    for (const auto& [k, v] : objects_)
      if (k.compare(0, prefix.size(), prefix) == 0) out.push_back({k, size_of(k)});
    return out;
  }

  Status remove(const std::string& key) override {
    std::lock_guard lock(mu_);
    objects_.erase(key);
    sizes_.erase(key);
    return {};
  }

  Status put(const std::string& key, std::string_view data) override {
    std::lock_guard lock(mu_);
    objects_[key] = std::string(data);
    sizes_.erase(key);
    return {};
  }

  Result<std::optional<std::string>> get(const std::string& key) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Result<std::unique_ptr<Lock>> lock_index() override { return std::make_unique<Lock>(); }

  // Direct access for tests that damage objects. Not synchronized: use between operations.
  std::map<std::string, std::string>& objects() { return objects_; }
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : objects_) out.push_back(k);
    return out;
  }

 private:
  class Writer : public pipeline::ObjectWriter {
   public:
    Writer(MemoryStore& store, std::string key) : store_(store), key_(std::move(key)) {}
    Status write(std::string_view data) override {
      if (store_.written_ + data.size() > store_.options_.fail_after_bytes)
        return err(Errc::no_space, "memory store is full writing {}", key_);
      store_.written_ += data.size();
      size_ += data.size();
      if (!store_.options_.discard) data_.append(data);
      return {};
    }
    Status commit() override {
      std::lock_guard lock(store_.mu_);
      store_.objects_[key_] = std::move(data_);
      if (store_.options_.discard)
        store_.sizes_[key_] = size_;
      else
        store_.sizes_.erase(key_);
      return {};
    }

   private:
    MemoryStore& store_;
    std::string key_;
    std::string data_;
    uint64_t size_ = 0;
  };

  class Reader : public pipeline::ByteSource {
   public:
    Reader(std::string data, uint64_t zeros) : data_(std::move(data)), zeros_(zeros) {}
    Result<size_t> read(char* buf, size_t n) override {
      if (data_.empty() && zeros_ > 0) {  // a discarded object reads as zeros
        size_t k = static_cast<size_t>(std::min<uint64_t>(n, zeros_ - pos_));
        std::memset(buf, 0, k);
        pos_ += k;
        return k;
      }
      size_t k = std::min(n, data_.size() - static_cast<size_t>(pos_));
      std::memcpy(buf, data_.data() + pos_, k);
      pos_ += k;
      return k;
    }

   private:
    std::string data_;
    uint64_t zeros_;
    uint64_t pos_ = 0;
  };

  uint64_t size_of(const std::string& key) const {
    auto s = sizes_.find(key);
    return s != sizes_.end() ? s->second : objects_.at(key).size();
  }

  Options options_;
  std::mutex mu_;
  std::map<std::string, std::string> objects_;
  std::map<std::string, uint64_t> sizes_;  // discarded objects
  uint64_t written_ = 0;                   // across writers: writers are used one at a time
};

}  // namespace dbtwin::test
