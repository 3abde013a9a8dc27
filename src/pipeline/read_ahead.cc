#include "pipeline/read_ahead.h"

#include <algorithm>
#include <cstring>

namespace dbtwin::pipeline {

ReadAheadSource::ReadAheadSource(ByteSource& inner, size_t piece_bytes, size_t depth)
    : inner_(inner),
      piece_bytes_(std::max<size_t>(piece_bytes, 1)),
      depth_(std::max<size_t>(depth, 1)) {
  thread_ = std::thread([this] { run(); });
}

ReadAheadSource::~ReadAheadSource() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadAheadSource::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || pieces_.size() < depth_; });
      if (stop_) return;
    }
    std::string piece(piece_bytes_, '\0');
    size_t got = 0;
    Status st;
    while (got < piece.size()) {
      auto k = inner_.read(piece.data() + got, piece.size() - got);
      if (!k.ok()) {
        st = std::move(k).error();
        break;
      }
      if (*k == 0) break;
      got += *k;
    }
    piece.resize(got);
    std::lock_guard lock(mu_);
    if (got > 0) pieces_.push_back(std::move(piece));
    if (!st.ok() || got < piece_bytes_) {
      error_ = st;
      done_ = true;
    }
    cv_.notify_all();
    if (done_) return;
  }
}

Result<size_t> ReadAheadSource::read(char* buf, size_t n) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !pieces_.empty() || done_; });
  if (pieces_.empty()) {
    if (!error_.ok()) return error_.error();
    return size_t{0};
  }
  std::string& front = pieces_.front();
  size_t k = std::min(n, front.size() - pos_);
  std::memcpy(buf, front.data() + pos_, k);
  pos_ += k;
  if (pos_ == front.size()) {
    pieces_.pop_front();
    pos_ = 0;
    cv_.notify_all();
  }
  return k;
}

}  // namespace dbtwin::pipeline
