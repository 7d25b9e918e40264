// A file that shrinks while it is open (issue #14, item 3).
//
// Copy-on-write already moves every page it touches, so shrinking is three
// small mechanisms on top of the allocator, none of which changes the
// format:
//
//   1. Gather. Now and then a commit loads every reusable freelist record
//      into the pool (FreeSpace::load_all). Its allocations then take the
//      lowest free pages of the whole file, save() trims every free page at
//      the end of the file (the high-water mark, Meta::npages, drops), and
//      the pool left over is written back as this txn's records in page
//      order, so the txns after it also allocate lowest first. Hot pages
//      drift to the front by themselves, as in libmdbx, whose allocator
//      also prefers low pages.
//   2. Relocate. The same commit moves live pages that sit above the
//      "cut" (the page count the file would have with all reusable free
//      space at its end) to free pages below it: Tree::relocate copies
//      each such page's path, or writes an overflow run anew. A bounded
//      number per commit (kAutoRelocate), so a commit that gathers costs
//      at most a few hundred extra page writes.
//   3. Truncate. Under the writer lock, when the file is longer than every
//      meta a recovery could pick needs (MetaBounds) by at least the
//      threshold, ftruncate cuts it there. Pages past the cut are free and
//      reusable: no snapshot can read them (FreeSpace's reuse rule), and
//      the synced commit does not reference them. The mapping keeps its
//      reservation, so readers' pointers stay valid.
//
// When: a commit gathers when the free pages inside the file are at least
// the threshold (EnvOptions::shrink_threshold; default 1/8 of the file, at
// least 2 MiB) and their count has changed by 1/8 (at least 256 pages)
// since the last gather, which bounds the cost (a gather reads and
// rewrites the freelist: about free_pages / 120 freelist pages) to a small
// share of the work that freed the pages. Env::compact() runs commits that
// gather and relocate without limit until the file stops shrinking.
#pragma once

#include <cstdint>
#include <mutex>

namespace alder::txn {

struct EnvState;
struct WriterState;

/// Where the writer is in shrinking (WriterState::shrink_state).
enum class ShrinkState : uint8_t {
  walking,      ///< commits move pages above the estimated cut
  gather_next,  ///< the last walk found nothing: the next commit gathers and trims
  /// A gather found nothing to move (often: the pages are still held by
  /// the last sync or a reader): no shrinking until 1/8 more pages are
  /// free or kRestCommits commits have passed.
  resting,
};
inline constexpr uint64_t kRestCommits = 32;
/// A walking txn that took this many pages at or above the cut (the
/// records it loaded had too few below) makes the next commit gather.
inline constexpr uint64_t kGatherMisses = 16;
/// What one commit does.
enum class ShrinkStep : uint8_t { none, relocate, gather };

/// The page counts (Meta::npages) of the metas a recovery could pick: the
/// file is never cut below them. Those are the newest durable meta (the
/// last one written before the last completed sync) and every meta written
/// since (each may or may not have reached the disk). An older meta in the
/// other slot is not counted: a recovery takes it only when the newest
/// durable one is damaged, and it then reports that the file is too short
/// (not_alder_file) instead of opening it. Thread-safe (its own mutex:
/// group commit's flush syncs without the writer lock).
class MetaBounds {
 public:
  /// At open, after the sync that makes the recovered meta durable.
  void reset(uint64_t npages);
  /// A meta naming `npages` pages is about to be written (write_meta).
  void written(uint64_t npages);
  /// Before an fdatasync: a token for synced().
  uint64_t before_sync() const;
  /// After that fdatasync completed: the last meta written is the newest
  /// durable one, unless a write came between (then nothing changes).
  void synced(uint64_t token);
  /// The largest page count a recoverable meta may name.
  uint64_t floor() const;

 private:
  mutable std::mutex mu_;
  uint64_t durable_ = 0;  // the newest durable meta's npages
  uint64_t last_ = 0;     // the last meta written
  uint64_t since_ = 0;    // the most any meta written since the last sync named
  uint64_t writes_ = 0;
};

/// The free-space threshold, in bytes, for a file of `file_size` bytes
/// (EnvOptions::shrink_threshold resolved); UINT64_MAX: shrinking is off.
uint64_t shrink_threshold(const EnvState& env, uint64_t file_size);

/// Where the file would end with every free page at its end, plus the
/// slack Txn::shrink leaves, from the meta's counts: an estimate (some of
/// the free pages may be held by readers or the last sync).
uint64_t cut_for(uint64_t live_pages);

/// Pages a commit moves at most while shrinking, or half the pages the txn
/// wrote itself when that is more (Env::compact: its own budget).
inline constexpr uint64_t kAutoRelocate = 64;

/// Under the writer lock, before the meta naming `npages` is written: cuts
/// the file to the largest page count a meta may name (MetaBounds, and
/// `npages`) when it is longer by at least the threshold, or by anything
/// when `force`. Throws io_error (the txn fails; the file is as before or
/// shorter past every meta, which is harmless).
void trim_file(EnvState& env, WriterState& w, uint64_t npages, bool force);

}  // namespace alder::txn
