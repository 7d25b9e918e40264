// The catalog records of named dbs, shared by the read txns of an env.
//
// A read txn that reaches a named db looks its record up in the catalog
// tree: a descent, the db's name copied under the dbi table's lock, the
// record decoded. A program that opens a read txn per get (the path store
// does, and so does LMDB's usual caller) paid that on every read: about a
// quarter of a path store read (docs/DECISIONS.md, "Named-db records of
// read txns"). The cache keeps, per dbi, the record as last read and the
// catalog it was read from, named by the catalog root's page number, birth
// txn and checksum. A root's checksum covers the whole catalog below it
// (each reference carries its child's), so a read txn whose snapshot has
// the same catalog root finds exactly the record its own descent would.
// Write txns neither read nor fill it: their catalog changes under them.
//
// Each cell is a sequence lock (src/util/seqlock.h): a reader copies the
// words and retries a torn copy a few times, then gives up and descends.
// A filler that finds another filling the cell skips it. Only records of
// dbs that exist are kept.
//
// Thread-safety: find() and store() from any thread.
#pragma once

#include <cstdint>
#include <mutex>

#include "page/page.h"
#include "page/records.h"
#include "util/seqlock.h"

namespace alder::txn {

class CatalogCache {
 public:
  /// Dbis 1..kCells are cached; higher ones always descend.
  static constexpr uint32_t kCells = 16;

  /// A named db's catalog record: its tree and its compression settings.
  struct Record {
    page::TreeRef ref;
    page::DbCompression comp;
  };

  /// The record of `dbi` as read from catalog `catalog` (a sealed,
  /// published catalog reference), if cached.
  bool find(uint32_t dbi, const page::TreeRef& catalog, Record* out) const;
  /// Caches the record of `dbi` read from `catalog`, unless another thread
  /// is storing into the cell.
  void store(uint32_t dbi, const page::TreeRef& catalog, const Record& r);

 private:
  // Words: the catalog root's page number, birth txn and checksum, then
  // the TreeRef and the DbCompression.
  static constexpr size_t kKeyWords = 3;
  static constexpr size_t kWords =
      kKeyWords + sizeof(page::TreeRef) / 8 + sizeof(page::DbCompression) / 8;
  static_assert(sizeof(page::TreeRef) % 8 == 0 && sizeof(page::DbCompression) % 8 == 0);
  struct Cell {
    util::SeqWords<kWords> words;
    std::mutex store_mu;  // one filler at a time (try_lock)
  };
  Cell cells_[kCells];
};

}  // namespace alder::txn
