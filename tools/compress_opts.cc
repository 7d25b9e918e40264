#include "compress_opts.h"

#include "common.h"

namespace alder_cli {

alder::DbOptions CompressSpec::options() const {
  alder::DbOptions o;
  if (codec == "none") {
    o.compression = alder::Compression::none;
    return o;
  }
  if (codec == "lz4")
    o.compression = alder::Compression::lz4;
  else if (codec == "zstd" || codec == "zstd-dict")
    o.compression = alder::Compression::zstd;
  else
    throw CliError("unknown --compress codec '" + codec + "' (none, lz4, zstd or zstd-dict)");
  o.level = level;
  o.min_size = min_size;
  return o;
}

void add_compress_options(CLI::App* cmd, CompressSpec* spec) {
  cmd->add_option("--compress", spec->codec,
                  "value compression of the dbs this creates: none, lz4, zstd, or zstd-dict "
                  "(zstd with a dictionary trained from the first values of each db)")
      ->type_name("CODEC");
  cmd->add_option("--compress-level", spec->level, "zstd level, -7..19 (0: zstd's default, 3)")
      ->type_name("N");
  cmd->add_option("--compress-min", spec->min_size,
                  "values shorter than N bytes are stored raw")
      ->type_name("N")
      ->capture_default_str();
  cmd->add_option("--dict-size", spec->dict_size,
                  "zstd-dict: dictionary size in bytes (trained from 100x as many bytes of values)")
      ->type_name("BYTES")
      ->capture_default_str();
}

}  // namespace alder_cli
