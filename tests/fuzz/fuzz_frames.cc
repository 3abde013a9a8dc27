// Fuzz target: the frame parser (pipeline/frames.h) over arbitrary plaintext streams.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "pipeline/frames.h"

namespace {

class BytesSource : public dbtwin::pipeline::ByteSource {
 public:
  explicit BytesSource(std::string_view d) : d_(d) {}
  dbtwin::Result<size_t> read(char* buf, size_t n) override {
    // Odd read sizes exercise the parser's refills.
    size_t k = std::min({n, d_.size() - pos_, size_t{7} + pos_ % 13});
    std::memcpy(buf, d_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string_view d_;
  size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  BytesSource src(std::string_view(reinterpret_cast<const char*>(data), size));
  dbtwin::pipeline::FrameReader reader(src);
  dbtwin::pipeline::Frame f;
  for (;;) {
    auto more = reader.next(f);
    if (!more.ok() || !*more) break;
  }
  return 0;
}
