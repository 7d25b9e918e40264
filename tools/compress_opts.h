// --compress and its companions, shared by load, load-debian, import-lmdb
// and copy --compact: which value compression the dbs a load creates get
// (alder::DbOptions). "zstd-dict" trains a zstd dictionary from the first
// values loaded into each new db (LoadTarget buffers them: about 100 times
// the dictionary size, zstd's advice) and stores it in the file.
#pragma once

#include <alder/alder.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace alder_cli {

struct CompressSpec {
  std::string codec;  ///< "" (not given), none, lz4, zstd, zstd-dict
  int level = 0;
  std::uint32_t min_size = 64;
  std::size_t dict_size = 64 * 1024;

  bool given() const { return !codec.empty(); }
  bool train() const { return codec == "zstd-dict"; }
  /// The options for a new db (no dictionary yet). Throws CliError for an
  /// unknown codec.
  alder::DbOptions options() const;
  /// Bytes of values to train a dictionary from.
  std::size_t sample_bytes() const { return dict_size * 100; }
};

void add_compress_options(CLI::App* cmd, CompressSpec* spec);

}  // namespace alder_cli
