// Value compression of one db (issue #14, item 1; docs/DECISIONS.md,
// "Value compression"): its codec (lz4 or zstd), level, the size below
// which values stay raw, and an optional zstd dictionary, ready to use.
//
// Each value is compressed on its own (RocksDB and WiredTiger compress
// whole blocks; a value here is read alone, so it is the unit, and a
// dictionary trained on the db's values, as zstd's documentation advises
// for small records, brings back what per-block compression shares). The
// stored form is records.h's compressed value: raw length, then the
// codec's frame (zstd: no magic-free format, but no content size, checksum
// or dictionary id either: alder's page checksums cover the bytes).
//
// A Codec is immutable once built and thread-safe: the zstd contexts are
// per thread, the dictionaries (ZSTD_CDict / ZSTD_DDict) are read-only.
// Envs share one Codec per db settings through CodecCache, so a read txn
// does not digest a dictionary again.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>

#include "page/records.h"

namespace alder::compress {

/// Largest dictionary a db accepts, bytes.
inline constexpr size_t kMaxDictionarySize = size_t{1} << 20;
/// Default min_size: shorter values are stored raw.
inline constexpr uint32_t kDefaultMinSize = 64;

class Codec {
 public:
  /// Throws invalid_argument for settings alder does not accept (unknown
  /// codec, level out of range, dictionary with lz4 or too large).
  Codec(const page::DbCompression& settings, std::string_view dictionary);
  ~Codec();
  Codec(const Codec&) = delete;
  Codec& operator=(const Codec&) = delete;

  const page::DbCompression& settings() const { return s_; }
  /// The stored (compressed value) form of value in *out; false when the
  /// value is to be stored raw (shorter than min_size, or compression
  /// saves less than 1/16 of it).
  bool compress(std::string_view value, std::string* out) const;
  /// Decompresses a stored compressed value into *out. Throws corrupted
  /// when the bytes do not decode to their recorded length.
  void decompress(std::string_view stored, std::string* out) const;

 private:
  page::DbCompression s_;
  struct Dicts;
  std::unique_ptr<Dicts> dicts_;
};

/// Raw (decompressed) length recorded in a stored compressed value; throws
/// corrupted when it is too short to hold one.
uint32_t raw_length(std::string_view stored);

/// Checks settings the way Codec's constructor does, without building one.
void check_settings(const page::DbCompression& settings, size_t dictionary_size);

/// A zstd dictionary of at most max_bytes trained from samples by one
/// fastCover pass (k = 200, d = 8), or by ZDICT_trainFromBuffer where that
/// pass fails. Throws invalid_argument when zstd cannot train one (too few
/// or too small samples).
std::string train_dictionary(std::span<const std::string_view> samples, size_t max_bytes);

/// Codecs by settings (dictionary identified by its run's place, writer
/// and checksum), kept for the env's life.
class CodecCache {
 public:
  /// The codec for settings; `load` reads the dictionary when it is not
  /// cached yet.
  template <class Load>  // std::string_view load()
  std::shared_ptr<const Codec> get(const page::DbCompression& s, Load&& load) {
    const Key k{s.codec, s.level, s.min_size, s.dict.pgno, s.dict.txnid, s.dict.csum};
    {
      std::lock_guard lk(mu_);
      if (auto it = map_.find(k); it != map_.end()) return it->second;
    }
    auto c = std::make_shared<const Codec>(s, s.dict.vlen ? load() : std::string_view());
    std::lock_guard lk(mu_);
    return map_.emplace(k, std::move(c)).first->second;
  }

 private:
  using Key = std::tuple<uint8_t, int8_t, uint32_t, uint64_t, uint64_t, uint64_t>;
  std::mutex mu_;
  std::map<Key, std::shared_ptr<const Codec>> map_;
};

}  // namespace alder::compress
