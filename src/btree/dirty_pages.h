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
// Carrying pages across txns (group commit, src/txn/group_commit.h): with
// Durability::sync a committed txn's pages stay here, unwritten, until the
// flush of its group writes them; the next txns of the chain change them in
// place (adopt()) instead of copying them to new page numbers, so a group
// writes the union of its txns' pages. Between begin_txn() and
// commit_txn()/abort_txn() every change to a page an earlier txn left here
// is logged, so abort_txn() gives the chain back exactly what it committed.
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
  /// The buffer stays readable until clear() (or commit_txn()). No-op if
  /// not held.
  void drop(uint64_t pgno);

  /// Starts logging this txn's changes to runs earlier txns left here.
  void begin_txn();
  /// A run an earlier txn left here, made this txn's to change: the
  /// returned buffer holds a copy, the old one is kept for abort_txn().
  /// The run's own buffer if this txn already has it; nullptr if not held
  /// (spilled to the file).
  uint8_t* adopt(uint64_t pgno);
  /// The txn committed: its runs stay (carried to the next txn); buffers
  /// kept for an abort are recycled.
  void commit_txn();
  /// The txn aborted: runs it added are dropped, runs it adopted or dropped
  /// get their old buffers back.
  void abort_txn();

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
    uint32_t gen = 0;  // the txn (gen_) that added or adopted it
  };
  // One change of the running txn, for abort_txn().
  struct Undo {
    enum Kind : uint8_t { added, adopted, dropped } kind;
    Slot old;  // the slot before the change (pgno only, for added)
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
  uint8_t* take_buffer(uint32_t n);  // from the pool or malloc
  void insert(const Slot& s);        // pgno not held
  void erase(size_t i);              // slot i, which is held

  uint32_t page_size_;
  uint64_t keep_pages_;
  uint64_t bytes_ = 0;
  std::vector<Slot> slots_;     // the index; load factor <= 1/2
  size_t count_ = 0;            // slots in use
  size_t mask_ = 0;             // slots_.size() - 1
  unsigned shift_ = 64;         // 64 - log2(slots_.size())
  std::vector<Entry> retired_;  // dropped, still readable until clear()
  std::vector<uint8_t*> pool_;  // free single-page buffers
  uint32_t gen_ = 0;            // bumped by begin_txn()
  bool logging_ = false;        // between begin_txn() and its end
  std::vector<Undo> undo_;      // the running txn's changes; owns `old` buffers
};

}  // namespace alder::btree
