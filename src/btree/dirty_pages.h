// The pages a write txn has written and not yet handed to the file: private
// page buffers keyed by page number, and the pool they come from.
//
// A write txn never writes the file's pages in place. It copies a page into
// a buffer from this pool, changes it there, and at commit the txn layer
// writes every buffer with pwritev, sorted by page number so adjacent pages
// go out in one run (src/txn/page_writer.h). The pool outlives the txn (the
// writer keeps one for the env): in steady state a commit takes its buffers
// from the pool and gives them back, so it makes no page faults (a store
// into a shared writable mapping faults the first time a page is written
// after writeback, and writeback then write-protects it again with a TLB
// shootdown: the cost this replaces). LMDB builds its dirty pages the same
// way unless MDB_WRITEMAP is set; libmdbx too.
//
// Lifetime: a buffer handed out stays valid memory until clear(), even after
// drop(): a caller may still read a page it has just freed (a node is
// rebuilt from cells that point into its old page). Buffers are malloc'ed
// (16-byte aligned; page code never needs more).
//
// Not thread-safe: owned by the writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace alder::btree {

class DirtyPages {
 public:
  /// page_size in bytes; keep_pages: single-page buffers the pool keeps
  /// for the next txn after clear() (the rest are freed).
  DirtyPages(uint32_t page_size, uint64_t keep_pages);
  ~DirtyPages();
  DirtyPages(const DirtyPages&) = delete;
  DirtyPages& operator=(const DirtyPages&) = delete;

  /// The buffer of the run that starts at pgno, or nullptr when this txn
  /// holds none (never written, or spilled to the file).
  uint8_t* find(uint64_t pgno) const {
    const Slot& s = slots_[probe(pgno)];
    return s.pgno == pgno ? s.data : nullptr;
  }
  /// A buffer for the run of n >= 1 pages starting at pgno, which must not
  /// be held already; contents undefined.
  uint8_t* add(uint64_t pgno, uint32_t n);
  /// Forgets the run at pgno (freed by the txn): it will not be written.
  /// The buffer stays readable until clear(). No-op if not held.
  void drop(uint64_t pgno);

  /// Bytes in buffers handed out since the last clear() (dropped included):
  /// the txn's dirty memory, which the spill bound applies to.
  uint64_t bytes() const { return bytes_; }
  /// Runs held, for writing. Views valid until the next add/drop/clear.
  struct Run {
    uint64_t pgno;
    uint32_t pages;
    const uint8_t* data;
  };
  /// The held runs sorted by page number.
  std::vector<Run> sorted() const;
  bool empty() const { return count_ == 0; }
  /// Ends the txn's use of every buffer (after it was written, or on abort):
  /// single pages go back to the pool, up to keep_pages.
  void clear();

 private:
  // The index is an open-addressing hash table with linear probing: a txn
  // touches it on every page it reads or writes, so a lookup must be a
  // probe or two in one cache line, not a walk through allocated nodes; and
  // clear() after a single-put commit must cost the few slots in use, not
  // the table a bulk load once grew (clear() shrinks it again).
  struct Entry {
    uint8_t* data;
    uint32_t pages;
  };
  struct Slot {
    uint64_t pgno = kEmpty;
    uint8_t* data = nullptr;
    uint32_t pages = 0;
  };
  static constexpr uint64_t kEmpty = ~uint64_t{0};  // no page has this number
  static constexpr size_t kMinSlots = 64;

  /// The slot holding pgno, or the empty slot where it would go.
  size_t probe(uint64_t pgno) const {
    size_t i = size_t((pgno * 0x9E3779B97F4A7C15ull) >> shift_);
    while (slots_[i].pgno != pgno && slots_[i].pgno != kEmpty) i = (i + 1) & mask_;
    return i;
  }
  void resize_table(size_t slots);  // a power of 2 > count_
  void recycle(const Entry& e);

  uint32_t page_size_;
  uint64_t keep_pages_;
  uint64_t bytes_ = 0;
  std::vector<Slot> slots_;     // the index; load factor <= 1/2
  size_t count_ = 0;            // slots in use
  size_t mask_ = 0;             // slots_.size() - 1
  unsigned shift_ = 64;         // 64 - log2(slots_.size())
  std::vector<Entry> retired_;  // dropped, still readable until clear()
  std::vector<uint8_t*> pool_;  // free single-page buffers
};

}  // namespace alder::btree
