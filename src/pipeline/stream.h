// Byte streams between the pipeline's stages: a sink takes bytes in order, a source gives them.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/result.h"

namespace dbtwin::pipeline {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Appends `data`; an error stops the pipeline.
  virtual Status write(std::string_view data) = 0;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `buf`; 0 means the clean end of the stream. A stream that ends
  // before its own end marker is an error, never a 0.
  virtual Result<size_t> read(char* buf, size_t n) = 0;
};

}  // namespace dbtwin::pipeline
