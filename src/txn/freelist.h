// The free-page allocator of a write txn, and the freelist it keeps on disk.
//
// On disk the freelist is a B+tree like any other (so it is checksummed from
// the meta): key = (txn id T, chunk number); value = the smallest birth txn
// id B of the chunk's pages, then up to chunk_max_ page numbers (123 at
// 4 KiB pages, so every record stays inline in its leaf). The bytes are
// laid out in src/page/records.h.
// T is the txn that stopped using the pages; a page's birth is the txn that
// wrote it (its parent reference carries that id).
//
// Reuse rule. A page born at B and freed at T belongs to snapshots B..T-1
// only. A record (T, B) may be reused when
//   (a) no live reader holds a snapshot in [B, T), and
//   (b) the newest synced commit S does not reference the pages: T <= S
//       (freed before it) or B > S (born after it).
// (a) is what keeps a long-lived reader from pinning everything written
// after it: only pages it can actually see are held. (b) is what lets the
// no-sync modes survive a power loss: recovery falls back at worst to S,
// whose pages are never overwritten (docs/DURABILITY.md, "Reuse of freed pages").
// Pages that are free for everyone (allocated and released by the same txn,
// or taken from the pool and not used) are recorded with B = ~0.
//
// The newest small records live in the meta page instead ("inline"): a
// commit that frees a few pages (the common single-put commit) then writes
// no freelist page at all, only the meta page it writes anyway. They are
// used first, and stay inline until used.
//
// During a txn: allocate() takes the lowest page from the pool, loading
// reusable records (inline ones, then the tree's in key order) as needed,
// else extends the file. release()
// puts a page freed by this txn in freed_ with its birth, or, if this txn
// allocated it, straight back in the pool. At commit, save() deletes the
// records it loaded and writes freed_ plus the unused pool as this txn's
// records, repeating until nothing moves: saving the freelist allocates and
// frees pages of the freelist tree itself. Each round the pool only shrinks
// and freed_ only grows (pages freed during save() always go to freed_), so
// the loop ends, in practice after two or three rounds (the fixed point
// LMDB's mdb_freelist_save also reaches).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "btree/pager.h"
#include "page/page.h"
#include "txn/meta.h"

namespace alder::txn {

/// Where the previous write txn found the freelist's blocked prefix to end:
/// every record up to `blocked_until` was unusable under (synced, readers).
/// It stays unusable while the synced commit is the same and those readers
/// are still live (a new reader's snapshot is newer than every record, so it
/// cannot unblock anything), which spares a scan of the same blocked records
/// in every txn. Owned by the writer.
struct FreelistHint {
  bool valid = false;
  std::string blocked_until;
  uint64_t synced = 0;
  std::vector<uint64_t> readers;
};

/// A freelist record kept in the meta page instead of the tree (the same
/// content as a tree record under key (txnid, chunk)). In the meta page:
/// words txnid, chunk << 32 | count, birth, then count page numbers.
/// `pages` points into the words it was decoded from (or built in).
struct InlineRecord {
  uint64_t txnid = 0;
  uint32_t chunk = 0;
  uint64_t birth = 0;
  const uint64_t* pages = nullptr;
  uint32_t count = 0;
  bool consumed = false;
};
/// Records pointing into words, which must outlive them. Throws corrupted
/// on malformed words.
std::vector<InlineRecord> decode_inline_free(const std::vector<uint64_t>& words);
std::vector<uint64_t> encode_inline_free(const std::vector<InlineRecord>& records);

class FreeSpace final : public btree::PageAllocator {
 public:
  /// pg: the txn's pager (its map_pages follows the high-water mark).
  /// free_tree: the txn's freelist TreeRef. npages: high-water mark at the
  /// snapshot. max_pages: the file limit. synced: newest synced txn id.
  /// readers: snapshot ids of live readers, sorted.
  /// hint: carried from txn to txn (see FreelistHint), updated here.
  /// grow(pages): makes the file at least that many pages long.
  /// inline_words: the snapshot meta's inline freelist.
  FreeSpace(btree::Pager& pg, page::TreeRef& free_tree, std::function<void(uint64_t)> grow,
            uint64_t npages, uint64_t max_pages, uint64_t synced,
            std::vector<uint64_t> readers, FreelistHint& hint,
            const std::vector<uint64_t>& inline_words);
  ~FreeSpace() override;

  uint64_t allocate(uint32_t n) override;
  void release(uint64_t pgno, uint32_t n, uint64_t birth) override;

  /// Writes the freelist for commit `txnid` (see above): into the tree,
  /// and the records small enough for the meta page into *inline_out.
  /// free_pages: the snapshot's count of free pages; returns the new count.
  uint64_t save(uint64_t txnid, uint64_t free_pages, std::vector<uint64_t>* inline_out);
  uint64_t npages() const { return npages_; }
  /// Pages this txn freed that the synced commit still references (they
  /// stay unusable until the next sync).
  uint64_t held_by_sync() const;

 private:
  bool reusable(uint64_t freed_by, uint64_t min_birth) const;
  bool load_next_record();
  uint64_t take_from_pool(uint32_t n);
  void sort_pool();

  btree::Pager& pg_;
  page::TreeRef& tree_;
  std::function<void(uint64_t)> grow_;
  uint64_t npages_;
  uint64_t max_pages_;
  uint64_t synced_;
  std::vector<uint64_t> readers_;
  size_t chunk_max_;
  size_t inline_cap_;  // words of inline freelist a meta page holds
  std::vector<uint64_t> inline_words_;  // the snapshot meta's inline freelist
  std::vector<InlineRecord> inline_;    // records pointing into it
  std::vector<uint64_t> pool_;  // reusable now; sorted descending when !pool_dirty_
  bool pool_dirty_ = false;
  std::vector<std::pair<uint64_t, uint64_t>> freed_;  // (birth, pgno)
  std::vector<std::string> consumed_;  // record keys loaded into the pool
  uint64_t consumed_pages_ = 0;
  std::string next_key_;  // load_next_record() resumes after this key
  FreelistHint& hint_;
  std::string blocked_until_;   // every record up to this key is unusable
  bool prefix_broken_ = false;  // a usable record was found after it
  bool exhausted_ = false;
  bool saving_ = false;
};

/// Birth recorded for pages that are free for every snapshot.
inline constexpr uint64_t kFreeForAll = ~uint64_t{0};

}  // namespace alder::txn
