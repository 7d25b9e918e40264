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

namespace alder::btree {
class Tree;
}

namespace alder::txn {

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
void decode_inline_free(const std::vector<uint64_t>& words, std::vector<InlineRecord>* out);
std::vector<uint64_t> encode_inline_free(const std::vector<InlineRecord>& records);
/// Appends the words of `records` to *out.
void encode_inline_free(const std::vector<InlineRecord>& records, std::vector<uint64_t>* out);

/// The writer's free-space manager. One object lives as long as the env's
/// writer (WriterState owns it) and serves one write txn at a time, between
/// begin() and end(), under the writer lock. What it keeps from one txn to
/// the next is only memory: its buffers (so a small commit allocates
/// nothing) and the blocked-prefix hint below. Everything a txn decides is
/// written at its commit into the freelist tree and the meta page's inline
/// records, so the file alone says which pages are free (recovery and
/// verify() read nothing else).
///
/// The hint: where the previous txn found the freelist's blocked prefix to
/// end (every record up to that key was unusable under (synced, readers)).
/// It stays valid while the synced commit is the same and those readers are
/// still live (a new reader's snapshot is newer than every record, so it
/// cannot unblock anything), which spares a scan of the same blocked
/// records in every txn.
class FreeSpace final : public btree::PageAllocator {
 public:
  explicit FreeSpace(uint32_t page_size);
  ~FreeSpace() override;

  /// Starts serving a write txn. pg: its pager (map_pages follows the
  /// high-water mark). free_tree: its freelist TreeRef. grow(pages): makes
  /// the file at least that many pages long. npages: high-water mark at the
  /// snapshot. max_pages: the file limit. synced: newest synced txn id.
  /// readers: snapshot ids of live readers, sorted. inline_words: the
  /// snapshot meta's inline freelist (copied). The references must stay
  /// valid until end().
  void begin(btree::Pager& pg, page::TreeRef& free_tree, std::function<void(uint64_t)> grow,
             uint64_t npages, uint64_t max_pages, uint64_t synced,
             const std::vector<uint64_t>& readers, const std::vector<uint64_t>& inline_words);
  /// The txn ended (committed or aborted): keeps the hint, drops the
  /// references. A txn that aborts after save() leaves no trace: the hint
  /// describes the snapshot's freelist, which the next txn starts from.
  void end();

  uint64_t allocate(uint32_t n) override;
  void release(uint64_t pgno, uint32_t n, uint64_t birth) override;

  /// Writes the freelist for commit `txnid` (see above): into the tree,
  /// and the records small enough for the meta page into *inline_out
  /// (replaced). free_pages: the snapshot's count of free pages; returns
  /// the new count.
  uint64_t save(uint64_t txnid, uint64_t free_pages, std::vector<uint64_t>* inline_out);
  uint64_t npages() const { return npages_; }
  /// Shrinking (src/txn/shrink.h): loads every reusable record into the
  /// pool, so allocate() hands out the lowest free pages of the whole file
  /// and save() trims every free page at its end. Costs a read of the
  /// freelist, and save() then writes the loaded pages back as this txn's
  /// records (in page order: the next txns load the lowest first).
  void load_all();
  /// After load_all(): the page count the file would have with every
  /// reusable free page at its end (the high-water mark minus the pool).
  uint64_t compact_npages() const { return npages_ - pool_.size(); }
  /// Shrinking (src/txn/shrink.h): single pages are taken below `cut` when
  /// the freelist has one within a few more records (at most
  /// kCutLoads per txn), so pages a txn copies move toward the front of the
  /// file. 0 (each begin()): no preference.
  void prefer_below(uint64_t cut) { cut_ = cut; }
  static constexpr uint32_t kCutLoads = 64;
  /// Pages this txn took from the pool at or above the cut: the freelist's
  /// record order no longer finds low pages, and a gather would.
  uint64_t cut_misses() const { return cut_misses_; }
  /// Loads reusable records (oldest first) until the pool holds `want`
  /// pages below `cut`, at most `max_records` of them.
  void load_below(uint64_t cut, uint64_t want, size_t max_records);
  /// Pool pages below `cut` (where relocated pages can go).
  uint64_t pool_below(uint64_t cut) const;
  /// Pages this txn freed that the synced commit still references (they
  /// stay unusable until the next sync).
  uint64_t held_by_sync() const;

 private:
  bool reusable(uint64_t freed_by, uint64_t min_birth) const;
  bool load_next_record();
  void add_to_pool(const uint64_t* pages, size_t n, uint64_t root);
  uint64_t take_from_pool(uint32_t n);
  bool crosses(uint64_t a, uint64_t b) const;
  void own_records(uint64_t txnid);
  void put_record(btree::Tree& tree, const InlineRecord& r);

  // Per txn (begin() to end()).
  btree::Pager* pg_ = nullptr;
  page::TreeRef* tree_ = nullptr;
  std::function<void(uint64_t)> grow_;
  uint64_t npages_ = 0;
  uint64_t max_pages_ = 0;
  uint64_t synced_ = 0;
  std::vector<uint64_t> readers_;
  const size_t chunk_max_;
  const size_t inline_cap_;  // words of inline freelist a meta page holds
  std::vector<uint64_t> inline_words_;  // the snapshot meta's inline freelist
  std::vector<InlineRecord> inline_;    // records pointing into it
  std::vector<uint64_t> pool_;  // reusable now, sorted descending
  std::vector<std::pair<uint64_t, uint64_t>> freed_;  // (birth, pgno)
  std::vector<std::string> consumed_;  // record keys loaded into the pool
  size_t consumed_count_ = 0;          // live entries of consumed_
  uint64_t consumed_pages_ = 0;
  std::string next_key_;  // load_next_record() resumes after this key
  std::string blocked_until_;   // every record up to this key is unusable
  bool prefix_broken_ = false;  // a usable record was found after it
  bool exhausted_ = false;
  bool saving_ = false;
  uint64_t cut_ = 0;           // prefer_below()
  uint32_t cut_loads_ = 0;     // records loaded for it this txn
  uint64_t cut_misses_ = 0;    // pages handed out at or above it this txn

  // The hint, carried from txn to txn.
  bool hint_valid_ = false;
  std::string hint_blocked_until_;
  uint64_t hint_synced_ = 0;
  std::vector<uint64_t> hint_readers_;

  // save()'s buffers, kept for the next txn.
  std::vector<uint64_t> merge_, incoming_;
  std::vector<std::pair<uint64_t, uint64_t>> all_;
  std::vector<uint64_t> own_pages_;
  std::vector<InlineRecord> own_, keep_, both_;
  std::vector<std::pair<uint64_t, uint64_t>> held_;
  std::vector<uint64_t> held_pages_;
  std::vector<uint64_t> value_;
};

/// Birth recorded for pages that are free for every snapshot.
inline constexpr uint64_t kFreeForAll = ~uint64_t{0};

}  // namespace alder::txn
