#include "pipeline/sealing.h"

#include <zstd.h>

#include <cstring>
#include <memory>

#include "pipeline/bytes.h"

namespace dbtwin::pipeline {

namespace {

constexpr uint8_t kFlagCompressed = 1;
constexpr uint8_t kFlagEncrypted = 2;

template <size_t N>
void put_bytes(std::string& out, const std::array<unsigned char, N>& a) {
  out.append(reinterpret_cast<const char*>(a.data()), N);
}

template <size_t N>
void get_bytes(const char*& p, std::array<unsigned char, N>& a) {
  std::memcpy(a.data(), p, N);
  p += N;
}

struct ZstdCctxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct ZstdDctxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

}  // namespace

std::string encode_chunk_header(const ChunkHeader& h) {
  std::string out(kChunkMagic);
  out.push_back(static_cast<char>(h.version));
  out.push_back(
      static_cast<char>((h.compressed ? kFlagCompressed : 0) | (h.encrypted ? kFlagEncrypted : 0)));
  out.push_back(static_cast<char>(h.kdf));
  put_u32(out, h.opslimit);
  put_u32(out, h.memlimit_kib);
  put_bytes(out, h.salt);
  put_bytes(out, h.stream_header);
  put_bytes(out, h.key_check);
  return out;
}

Result<ChunkHeader> decode_chunk_header(std::string_view bytes) {
  if (bytes.size() < kChunkHeaderBytes || bytes.substr(0, kChunkMagic.size()) != kChunkMagic)
    return err(Errc::invalid_argument, "not a dbtwin dump (no DBTWDUMP header)");
  ChunkHeader h;
  const char* p = bytes.data() + kChunkMagic.size();
  h.version = static_cast<uint8_t>(*p++);
  if (h.version != kChunkVersion)
    return err(Errc::invalid_argument, "dump chunk format version {} is not supported (this is {})",
               h.version, kChunkVersion);
  auto flags = static_cast<uint8_t>(*p++);
  if (flags & ~(kFlagCompressed | kFlagEncrypted))
    return err(Errc::invalid_argument, "dump header has unknown flags 0x{:02x}", flags);
  h.compressed = flags & kFlagCompressed;
  h.encrypted = flags & kFlagEncrypted;
  auto kdf = static_cast<uint8_t>(*p++);
  if (kdf > static_cast<uint8_t>(Kdf::argon2id))
    return err(Errc::invalid_argument, "dump header names an unknown key derivation {}", kdf);
  h.kdf = static_cast<Kdf>(kdf);
  if (h.encrypted != (h.kdf != Kdf::none))
    return err(Errc::invalid_argument, "dump header's encryption flag and key derivation disagree");
  h.opslimit = get_u32(p);
  h.memlimit_kib = get_u32(p + 4);
  p += 8;
  get_bytes(p, h.salt);
  get_bytes(p, h.stream_header);
  get_bytes(p, h.key_check);
  return h;
}

Result<std::string> compress_block(std::string_view plain, int level) {
  // One context per thread: compression runs on the writer's workers.
  thread_local std::unique_ptr<ZSTD_CCtx, ZstdCctxFree> cctx(ZSTD_createCCtx());
  if (!cctx) return err(Errc::internal, "zstd could not allocate a compression context");
  ZSTD_CCtx_reset(cctx.get(), ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1);
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  size_t n = ZSTD_compress2(cctx.get(), out.data(), out.size(), plain.data(), plain.size());
  if (ZSTD_isError(n))
    return err(Errc::internal, "zstd compression failed: {}", ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> decompress_block(std::string_view frame) {
  thread_local std::unique_ptr<ZSTD_DCtx, ZstdDctxFree> dctx(ZSTD_createDCtx());
  if (!dctx) return err(Errc::internal, "zstd could not allocate a decompression context");
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
    return err(Errc::invalid_argument, "a block is not a zstd frame with a known size");
  if (size > kMaxBlockBytes)
    return err(Errc::invalid_argument, "a block claims {} bytes, more than the 16 MiB limit", size);
  size_t frame_size = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
  if (ZSTD_isError(frame_size) || frame_size != frame.size())
    return err(Errc::invalid_argument, "a block is not exactly one zstd frame");
  std::string out(size, '\0');
  size_t n = ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size)
    return err(Errc::invalid_argument, "a block does not decompress: {}",
               ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size");
  return out;
}

Encryptor::~Encryptor() {
  sodium_memzero(&state_, sizeof state_);
}

void Encryptor::init(const SecretKey& key,
                     std::array<unsigned char, kSecretstreamHeaderBytes>& header) {
  crypto_secretstream_xchacha20poly1305_init_push(&state_, header.data(), key.data());
}

void Encryptor::push(std::string_view plain, bool final, std::string& out) {
  size_t at = out.size();
  out.resize(at + plain.size() + crypto_secretstream_xchacha20poly1305_ABYTES);
  unsigned long long len = 0;
  crypto_secretstream_xchacha20poly1305_push(
      &state_, reinterpret_cast<unsigned char*>(out.data() + at), &len,
      reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nullptr, 0,
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
            : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  out.resize(at + len);
}

Decryptor::~Decryptor() {
  sodium_memzero(&state_, sizeof state_);
}

Status Decryptor::init(const SecretKey& key,
                       const std::array<unsigned char, kSecretstreamHeaderBytes>& header) {
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state_, header.data(), key.data()) != 0)
    return err(Errc::invalid_argument, "the dump's encryption header is invalid");
  return {};
}

bool Decryptor::pull(std::string_view sealed, std::string& out, bool& final) {
  if (sealed.size() < crypto_secretstream_xchacha20poly1305_ABYTES) return false;
  out.resize(sealed.size() - crypto_secretstream_xchacha20poly1305_ABYTES);
  unsigned long long len = 0;
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(
          &state_, reinterpret_cast<unsigned char*>(out.data()), &len, &tag,
          reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(), nullptr, 0) != 0)
    return false;
  out.resize(len);
  final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  return true;
}

}  // namespace dbtwin::pipeline
