// HyperBEAM's hb_store_lmdb database format, and what `alder
// import-hyperbeam` and `alder export-hyperbeam` share: one unnamed LMDB db
// whose keys are paths and whose values are the data, the text "group" for
// a group, or "link:<target>" for a link. Both commands check the copy
// both ways with verify() before they report success.
#pragma once

#include <alder/path_store.hpp>

#include <lmdb.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace alder_cli::hb {

/// hb_store_lmdb's reading of a stored value: "group" is a group,
/// "link:" followed by at least one byte is a link to that target
/// (normalised here, as the path store stores it), anything else a value.
alder::PathEntry decode(std::string_view stored);
/// The value hb_store_lmdb stores for an entry.
std::string encode(const alder::PathEntry& e);

inline std::string_view sv(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

/// An LMDB environment with one transaction on its main db. Owns the
/// handles; every failure throws CliError naming the path.
class Lmdb {
 public:
  /// Opens an existing env read-only (a directory, or a data file), or
  /// creates one in directory `path` with a map of map_size bytes.
  Lmdb(const std::string& path, bool create, std::uint64_t map_size = 0);
  ~Lmdb();
  Lmdb(const Lmdb&) = delete;
  Lmdb& operator=(const Lmdb&) = delete;

  /// Calls f(key, value) for every entry of the main db, in key order.
  void scan(const std::function<void(std::string_view, std::string_view)>& f);
  std::optional<std::string_view> get(std::string_view key);
  void put(std::string_view key, std::string_view value);
  /// Commits the write txn and starts a read txn (for checking).
  void commit();
  std::uint64_t entries();
  const std::string& path() const { return path_; }

 private:
  void check(int rc, const std::string& what) const;
  std::string path_;
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  MDB_dbi dbi_ = 0;
};

/// Calls f(path, entry) for every path a listing from the root reaches,
/// parents before children, without descending into links (a link's
/// children are its target's). entry is nullopt for a path that only has
/// entries below it.
void walk(alder::PathStore::Snapshot& s,
          const std::function<void(const std::string&, const std::optional<alder::PathEntry>&)>& f);

/// What verify() found.
struct Checked {
  std::uint64_t source_entries = 0;  ///< LMDB entries compared with the store
  std::uint64_t store_entries = 0;   ///< store entries found by listing
  std::uint64_t implicit = 0;        ///< listed paths without an entry
};

/// Checks that the LMDB db and the store hold the same entries, both ways:
/// every LMDB entry (but the keys in `skipped`) has the same entry at its
/// normalised path in the store, a value also read back through read();
/// every path the store lists (walk) is an LMDB key with the same entry, or
/// one of `extra_groups`, or (no entry) a prefix of an LMDB key. Throws
/// CliError naming the first difference.
Checked verify(Lmdb& db, alder::PathStore::Snapshot& s, const std::unordered_set<std::string>& skipped,
               const std::unordered_set<std::string>& extra_groups);

}  // namespace alder_cli::hb
