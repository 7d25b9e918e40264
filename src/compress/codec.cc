#include "compress/codec.h"

#include <lz4.h>
// ZDICT_trainFromBuffer_fastCover and its parameters are in zdict.h's
// experimental section; libzstd.so exports them (1.3.6 and later).
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>

#include <algorithm>
#include <vector>

#include "alder/alder.hpp"

namespace alder::compress {

namespace {

[[noreturn]] void corrupt(const std::string& what) {
  throw Error(ErrorCode::corrupted, "corrupted compressed value: " + what);
}

// One compression and one decompression context per thread (a context is
// ~100 KiB to ~1 MiB; making one per value would cost more than the work).
struct Contexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ~Contexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
Contexts& contexts() {
  thread_local Contexts ctx;
  if (!ctx.c || !ctx.d) throw std::bad_alloc();
  return ctx;
}

int zstd_level(int8_t level) { return level == 0 ? ZSTD_CLEVEL_DEFAULT : level; }

}  // namespace

struct Codec::Dicts {
  ZSTD_CDict* c = nullptr;
  ZSTD_DDict* d = nullptr;
  ~Dicts() {
    ZSTD_freeCDict(c);
    ZSTD_freeDDict(d);
  }
};

void check_settings(const page::DbCompression& s, size_t dict_size) {
  auto bad = [](const std::string& m) { throw Error(ErrorCode::invalid_argument, m); };
  if (s.codec == page::kCodecNone || s.codec > page::kMaxCodec)
    bad("unknown compression codec " + std::to_string(s.codec));
  if (s.codec == page::kCodecLz4 && s.level != 0)
    bad("lz4 takes no level (got " + std::to_string(s.level) + ")");
  if (s.codec == page::kCodecZstd && (s.level < -7 || s.level > 19))
    bad("zstd level " + std::to_string(s.level) + " is outside [-7, 19]");
  if (dict_size && s.codec != page::kCodecZstd) bad("a dictionary needs zstd compression");
  if (dict_size > kMaxDictionarySize)
    bad("dictionary of " + std::to_string(dict_size) + " bytes exceeds the maximum of " +
        std::to_string(kMaxDictionarySize));
}

Codec::Codec(const page::DbCompression& s, std::string_view dict) : s_(s) {
  check_settings(s, dict.size());
  if (dict.empty()) return;
  dicts_ = std::make_unique<Dicts>();
  dicts_->c = ZSTD_createCDict(dict.data(), dict.size(), zstd_level(s.level));
  dicts_->d = ZSTD_createDDict(dict.data(), dict.size());
  if (!dicts_->c || !dicts_->d)
    throw Error(ErrorCode::invalid_argument, "zstd rejected the dictionary");
}

Codec::~Codec() = default;

bool Codec::compress(std::string_view v, std::string* out) const {
  if (v.size() < s_.min_size) return false;
  if (s_.codec == page::kCodecLz4 && v.size() > size_t(LZ4_MAX_INPUT_SIZE)) return false;
  const size_t want = v.size() - v.size() / 16;  // the most bytes worth storing
  const size_t H = page::kCompressedHeaderSize;
  size_t n;
  if (s_.codec == page::kCodecLz4) {
    out->resize(H + size_t(LZ4_compressBound(int(v.size()))));
    int r = LZ4_compress_default(v.data(), out->data() + H, int(v.size()), int(out->size() - H));
    if (r <= 0) return false;
    n = size_t(r);
  } else {
    ZSTD_CCtx* c = contexts().c;
    ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0);
    ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0);
    if (dicts_)
      ZSTD_CCtx_refCDict(c, dicts_->c);
    else
      ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, zstd_level(s_.level));
    out->resize(H + ZSTD_compressBound(v.size()));
    size_t r = ZSTD_compress2(c, out->data() + H, out->size() - H, v.data(), v.size());
    if (ZSTD_isError(r)) return false;
    n = r;
  }
  if (H + n > want) return false;
  out->resize(H + n);
  page::encode_compressed_header(uint32_t(v.size()), out->data());
  return true;
}

uint32_t raw_length(std::string_view stored) {
  uint32_t raw;
  std::string_view frame;
  if (!page::decode_compressed_value(stored, &raw, &frame)) corrupt("shorter than its header");
  return raw;
}

void Codec::decompress(std::string_view stored, std::string* out) const {
  uint32_t raw;
  std::string_view f;
  if (!page::decode_compressed_value(stored, &raw, &f)) corrupt("shorter than its header");
  if (raw > kMaxValueSize) corrupt("claims more bytes than a value may have");
  // Bound the allocation by what the frame can produce, so a damaged length
  // cannot ask for gigabytes.
  if (s_.codec == page::kCodecLz4) {
    if (raw > f.size() * 255 + 16) corrupt("claims more bytes than its frame holds");
    out->resize(raw);
    int r = LZ4_decompress_safe(f.data(), out->data(), int(f.size()), int(raw));
    if (r < 0 || uint32_t(r) != raw) corrupt("does not decode (lz4)");
    return;
  }
  // A zstd block of at least 4 bytes (3 of header) makes at most 128 KiB
  // (ZSTD_decompressBound is not in libzstd's stable API).
  if (raw > (f.size() / 4 + 1) * uint64_t{ZSTD_BLOCKSIZE_MAX})
    corrupt("claims more bytes than its frame holds");
  out->resize(raw);
  ZSTD_DCtx* d = contexts().d;
  size_t r = dicts_ ? ZSTD_decompress_usingDDict(d, out->data(), raw, f.data(), f.size(), dicts_->d)
                    : ZSTD_decompressDCtx(d, out->data(), raw, f.data(), f.size());
  if (ZSTD_isError(r) || r != raw) corrupt("does not decode (zstd)");
}

std::string train_dictionary(std::span<const std::string_view> samples, size_t max_bytes) {
  if (max_bytes < 256 || max_bytes > kMaxDictionarySize)
    throw Error(ErrorCode::invalid_argument, "dictionary size must be in [256, " +
                                                 std::to_string(kMaxDictionarySize) + "] bytes");
  std::string all;
  std::vector<size_t> sizes;
  for (std::string_view s : samples) {
    all.append(s);
    sizes.push_back(s.size());
  }
  std::string dict(max_bytes, '\0');
  // One fastCover pass with fixed parameters. ZDICT_trainFromBuffer runs
  // the same algorithm for several segment sizes k and keeps the best,
  // which took 4x as long for no better dictionary: 6.4 MB of Debian
  // package records into a 64 KiB dictionary trained in 0.46-0.52 s that
  // way and in 0.11-0.14 s with k = 200, and the dictionaries compressed
  // 15,000 and 60,000 records to 33.78% / 34.00% and 33.36% / 34.02%
  // (2026-12-03, zstd 1.5.4, level 3). Where the pass fails (too few
  // samples for those parameters) the searching trainer gets its turn.
  ZDICT_fastCover_params_t p{};
  p.k = uint32_t(std::min<size_t>(200, max_bytes));
  p.d = 8;
  p.f = 20;
  p.accel = 1;
  p.splitPoint = 1.0;  // every sample trains; nothing is held out to score k
  p.zParams.compressionLevel = ZSTD_CLEVEL_DEFAULT;
  size_t n = ZDICT_trainFromBuffer_fastCover(dict.data(), dict.size(), all.data(), sizes.data(),
                                             unsigned(sizes.size()), p);
  if (ZDICT_isError(n))
    n = ZDICT_trainFromBuffer(dict.data(), dict.size(), all.data(), sizes.data(),
                              unsigned(sizes.size()));
  if (ZDICT_isError(n))
    throw Error(ErrorCode::invalid_argument,
                std::string("zstd could not train a dictionary: ") + ZDICT_getErrorName(n) +
                    " (" + std::to_string(samples.size()) + " samples)");
  dict.resize(n);
  return dict;
}

}  // namespace alder::compress
