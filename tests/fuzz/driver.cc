// A small stand-in for libFuzzer, so that every fuzz target also runs under g++ in ctest: it
// feeds the seed corpus, then deterministic random mutations of it, to LLVMFuzzerTestOneInput
// for a number of iterations or seconds, whichever ends first. Crashes are the failures.
//   fuzz_<target> [--iterations N] [--seconds S] [--seed N] CORPUS_DIR...
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Input = std::vector<uint8_t>;

std::vector<Input> load_corpus(const std::vector<std::string>& dirs) {
  std::vector<Input> out;
  for (const auto& dir : dirs) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());  // a fixed order keeps runs reproducible
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (out.empty()) out.emplace_back();
  return out;
}

// Values that tend to sit on a parser's edges: lengths, sizes, flags.
constexpr uint32_t kInteresting[] = {
    0, 1, 4, 5, 12, 0x7f, 0x80, 0xff, 0xffff, 0x1000000, 0x1000001, 0x7fffffff, 0xffffffff};

void mutate(Input& in, const std::vector<Input>& corpus, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    switch (rng() % 8) {
      case 0:  // flip a bit
        if (!in.empty()) in[pick(in.size())] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // set a byte
        if (!in.empty()) in[pick(in.size())] = static_cast<uint8_t>(rng());
        break;
      case 2: {  // insert random bytes
        size_t at = pick(in.size() + 1), n = 1 + pick(16);
        Input bytes(n);
        for (auto& b : bytes) b = static_cast<uint8_t>(rng());
        in.insert(in.begin() + static_cast<long>(at), bytes.begin(), bytes.end());
        break;
      }
      case 3: {  // delete a range
        if (in.empty()) break;
        size_t at = pick(in.size()), n = 1 + pick(std::min<size_t>(64, in.size() - at));
        in.erase(in.begin() + static_cast<long>(at), in.begin() + static_cast<long>(at + n));
        break;
      }
      case 4:  // truncate
        in.resize(pick(in.size() + 1));
        break;
      case 5: {  // duplicate a range
        if (in.empty()) break;
        size_t at = pick(in.size()), n = 1 + pick(std::min<size_t>(256, in.size() - at));
        Input copy(in.begin() + static_cast<long>(at), in.begin() + static_cast<long>(at + n));
        size_t to = pick(in.size() + 1);
        in.insert(in.begin() + static_cast<long>(to), copy.begin(), copy.end());
        break;
      }
      case 6: {  // an interesting little-endian u32
        if (in.size() < 4) break;
        uint32_t v = kInteresting[pick(std::size(kInteresting))];
        size_t at = pick(in.size() - 3);
        for (int i = 0; i < 4; ++i) in[at + i] = static_cast<uint8_t>(v >> (8 * i));
        break;
      }
      case 7: {  // splice with another seed
        const Input& other = corpus[pick(corpus.size())];
        size_t cut = pick(in.size() + 1), from = pick(other.size() + 1);
        in.resize(cut);
        in.insert(in.end(), other.begin() + static_cast<long>(from), other.end());
        break;
      }
    }
  }
  if (in.size() > (1u << 20)) in.resize(1u << 20);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t iterations = 20000, seed = 1;
  double seconds = 10;
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--iterations" && i + 1 < argc) {
      iterations = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::strtod(argv[++i], nullptr);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      dirs.push_back(a);
    }
  }
  auto corpus = load_corpus(dirs);
  for (const auto& in : corpus) LLVMFuzzerTestOneInput(in.data(), in.size());
  std::mt19937_64 rng(seed);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  uint64_t done = 0;
  for (; done < iterations; ++done) {
    if (done % 256 == 0 && std::chrono::steady_clock::now() > deadline) break;
    Input in = corpus[static_cast<size_t>(rng() % corpus.size())];
    mutate(in, corpus, rng);
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  std::printf("%s: %zu seeds, %llu mutated inputs, no crash\n", argv[0], corpus.size(),
              static_cast<unsigned long long>(done));
  return 0;
}
