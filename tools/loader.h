// Where load, import-lmdb, load-debian and copy --compact write: one write
// transaction on the destination, so a failure leaves nothing behind.
//
//   * destination exists (Mode::into_existing_or_new): the records go into
//     it in ONE write txn; an error aborts the txn, the file is unchanged.
//   * destination absent: a new file is built under a temporary name next to
//     it, committed, closed and renamed into place (refusing to replace a
//     file that appeared meanwhile); an error removes the temporary file.
//   * Mode::replace (compact): always a new temporary file, renamed over the
//     destination at the end.
//
// Keys that arrive in ascending order into a db that was empty are stored
// with PutFlags::append (the bulk-load path); anything else uses plain puts.
//
// Compression (set_compression, compress_opts.h): dbs the load creates get
// it; an existing db must have it already (alder refuses otherwise). With
// zstd-dict, a new db's first values are held back until there are enough
// to train its dictionary (or until commit), then the db is created with
// the dictionary and they are stored.
#pragma once

#include <alder/alder.hpp>

#include "compress_opts.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace alder_cli {

class LoadTarget {
 public:
  enum class Mode { into_existing_or_new, new_only, replace };
  LoadTarget(const std::string& path, Mode mode, std::uint32_t page_size = 4096);
  ~LoadTarget();
  LoadTarget(const LoadTarget&) = delete;
  LoadTarget& operator=(const LoadTarget&) = delete;

  /// Compression of the dbs the load creates (validated: CliError).
  void set_compression(const CompressSpec& spec);
  /// The db called name (nullopt or "" = main db), created if needed. A
  /// new db gets set_compression's codec, or else `keep` (copy --compact:
  /// the source db's options), or none. May be a handle of a db still
  /// gathering dictionary samples, good for put() only.
  alder::Dbi db(const std::optional<std::string>& name, const alder::DbOptions* keep = nullptr);
  /// Stores one record. Returns false when no_overwrite kept an existing
  /// value. Throws CliError for an empty or too long key (without a
  /// location: the caller adds it) and alder::Error for the rest.
  bool put(alder::Dbi dbi, std::string_view key, std::string_view value,
           bool no_overwrite = false);
  /// Commits, closes and (for a new file) renames into place.
  void commit();

  bool new_file() const { return !tmp_.empty(); }
  const std::string& path() const { return path_; }
  std::size_t max_key_size() const { return max_key_; }
  std::uint64_t records() const { return records_; }

 private:
  struct DbState {
    bool append = false;  // still loading in ascending order into an empty db
    bool has_last = false;
    std::string last;
  };
  // A new zstd-dict db gathering the values its dictionary is trained from.
  struct Pending {
    std::string name;
    alder::DbOptions options;
    std::vector<std::pair<std::string, std::string>> puts;
    std::unordered_set<std::string> keys;
    std::size_t bytes = 0;
    std::optional<alder::Dbi> dbi;  // once created
  };
  static constexpr alder::Dbi kPendingBase = 0xf0000000u;
  alder::Dbi open(const std::string& name, const alder::DbOptions* options);
  bool exists(const std::string& name);
  void flush(Pending& p);
  bool store(alder::Dbi dbi, std::string_view key, std::string_view value, bool no_overwrite);
  std::optional<CompressSpec> compress_;
  std::vector<Pending> pending_;
  std::string path_, tmp_;
  Mode mode_;
  std::optional<alder::Env> env_;
  std::optional<alder::Txn> txn_;
  std::map<alder::Dbi, DbState> dbs_;
  std::size_t max_key_ = 0;
  std::uint64_t records_ = 0;
  bool done_ = false;
};

}  // namespace alder_cli
