// ReadAheadSource: reads another ByteSource on its own thread into a few fixed-size buffers, so
// that decoding (decrypt, decompress) overlaps with whatever consumes the bytes. Memory is
// bounded by depth * piece bytes.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "base/result.h"
#include "pipeline/stream.h"

namespace dbtwin::pipeline {

class ReadAheadSource : public ByteSource {
 public:
  // `inner` must outlive this object and is read only by its thread from now on.
  explicit ReadAheadSource(ByteSource& inner, size_t piece_bytes = 1u << 20, size_t depth = 4);
  ~ReadAheadSource() override;
  ReadAheadSource(const ReadAheadSource&) = delete;
  ReadAheadSource& operator=(const ReadAheadSource&) = delete;

  // As inner.read(); its error comes back here once the bytes before it were consumed.
  Result<size_t> read(char* buf, size_t n) override;

 private:
  void run();

  ByteSource& inner_;
  size_t piece_bytes_;
  size_t depth_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> pieces_;
  size_t pos_ = 0;  // consumed bytes of pieces_.front()
  bool done_ = false;
  bool stop_ = false;
  Status error_;
  std::thread thread_;
};

}  // namespace dbtwin::pipeline
