// How the B+tree reaches pages: reads through the read-only mapping, writes
// in private page buffers (btree/dirty_pages.h), new pages from the txn's
// allocator (src/txn/freelist.h implements PageAllocator).
//
// Invariant that makes dirtiness cheap to test: a page is dirty in write txn
// T exactly when the reference that leads to it (a branch cell, a TreeRef or
// an overflow reference) carries txnid T. Touching a page (copy-on-write)
// stamps the reference. A dirty page lives in the txn's DirtyPages, or, once
// spilled (written to the file before commit to bound memory), in the file:
// either way at its own page number, which no snapshot can see, so a spilled
// page that is written again is simply copied back into a buffer.
//
// Group commit (src/txn/group_commit.h) adds pages carried from earlier txns
// of the writer chain: their references carry a txnid in [dirty_from, T),
// they are looked up in DirtyPages first (the file does not hold them until
// the group's flush), and touching one that is still held changes it in
// place (adopt()) instead of copying it: no reader can see it and no meta
// names it.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "alder/alder.hpp"
#include "btree/dirty_pages.h"
#include "page/page.h"
#include "util/check.h"

namespace alder::btree {

[[noreturn]] void throw_corrupted(uint64_t pgno, const std::string& what);

/// Where the tree gets and returns pages. Implemented by the txn layer.
class PageAllocator {
 public:
  virtual ~PageAllocator() = default;
  /// n contiguous free pages, already inside the file (so a spilled page
  /// can be read back through the mapping); throws map_full / no_space.
  virtual uint64_t allocate(uint32_t n) = 0;
  /// The tree no longer references pages [pgno, pgno+n), written by txn
  /// `birth` (the current txn's id: allocated by this txn, so no snapshot
  /// can see them).
  virtual void release(uint64_t pgno, uint32_t n, uint64_t birth) = 0;
};

/// A txn's view of pages. For a read txn, txnid is kNoWriter and dirty and
/// alloc are null. For the write txn every page it writes is a private
/// buffer (dirty), written to the file at commit or when spilled.
struct Pager {
  static constexpr uint64_t kNoWriter = ~uint64_t{0};

  uint32_t page_size = 0;
  const uint8_t* map = nullptr;
  uint64_t map_pages = 0;  ///< pages that may be read: [2, map_pages)
  uint64_t txnid = kNoWriter;
  PageAllocator* alloc = nullptr;
  DirtyPages* dirty = nullptr;
  /// Oldest txn whose pages may be held in `dirty` (== txnid unless the
  /// writer chain carries pages).
  uint64_t dirty_from = kNoWriter;
  bool verify_checksums = false;  ///< EnvOptions::verify_checksums

  /// Pages written by txn `birth` may be held in `dirty`.
  bool maybe_dirty(uint64_t birth) const {
    return dirty && birth >= dirty_from && birth <= txnid;
  }

  /// A page as the file (mapping) holds it, bounds-checked.
  const uint8_t* read(uint64_t pgno) const {
    if (pgno < 2 || pgno >= map_pages) throw_corrupted(pgno, "page number out of range");
    return map + pgno * page_size;
  }
  /// The run of n pages starting at pgno, written by txn `birth`: this
  /// txn's buffer, or the mapping. Bounds-checked.
  const uint8_t* read_run(uint64_t pgno, uint64_t n, uint64_t birth) const {
    if (pgno < 2 || n == 0 || pgno + n > map_pages || pgno + n < pgno)
      throw_corrupted(pgno, "overflow run out of range");
    if (maybe_dirty(birth))
      if (const uint8_t* p = dirty->find(pgno)) return p;
    return map + pgno * page_size;
  }
  /// The page `ref` leads to, bounds-checked, and with verify_checksums
  /// checked against ref.csum unless this txn wrote it (its reference is
  /// not sealed yet). Throws corrupted.
  const uint8_t* read_checked(const page::ChildRef& ref) const {
    const uint8_t* p = read(ref.pgno);  // bounds
    if (maybe_dirty(ref.txnid)) {
      if (const uint8_t* d = dirty->find(ref.pgno)) return d;
      if (ref.txnid == txnid) return p;  // spilled, not sealed yet
      // carried and spilled: sealed, checked below
    }
    if (verify_checksums && page::checksum(p, page_size, ref.pgno) != ref.csum)
      throw_corrupted(ref.pgno, "checksum mismatch (torn, stale or damaged page)");
    return p;
  }
  /// Writable view of a page this txn allocated (copied back into a buffer
  /// if it was spilled). Valid until the txn's next spill, commit or abort.
  uint8_t* writable_page(uint64_t pgno) const {
    ALDER_DCHECK(dirty && txnid != kNoWriter);  // write txns only
    if (uint8_t* p = dirty->find(pgno)) return p;
    const uint8_t* src = read(pgno);
    uint8_t* p = dirty->add(pgno, 1);
    std::memcpy(p, src, page_size);
    return p;
  }
  /// A page an earlier txn of the chain wrote (`birth` in [dirty_from,
  /// txnid)) and left in `dirty`, made this txn's to change in place; the
  /// caller stamps it and its reference with txnid. nullptr if it is not
  /// such a page (then copy it as usual).
  uint8_t* adopt(uint64_t pgno, uint64_t birth) const {
    if (!dirty || birth < dirty_from || birth >= txnid) return nullptr;
    return dirty->adopt(pgno);
  }
  /// A new run of n pages (contents undefined) at a freshly allocated pgno.
  uint8_t* new_run(uint32_t n, uint64_t* pgno) {
    ALDER_DCHECK(alloc && dirty && n >= 1);
    *pgno = alloc->allocate(n);
    return dirty->add(*pgno, n);
  }
  uint8_t* new_page(uint64_t* pgno) { return new_run(1, pgno); }
  /// The tree no longer references pages [pgno, pgno+n); birth is the txn
  /// id its reference carries.
  void release(uint64_t pgno, uint32_t n, uint64_t birth) {
    ALDER_DCHECK(alloc && dirty);  // write txns only
    if (maybe_dirty(birth)) dirty->drop(pgno);
    alloc->release(pgno, n, birth);
  }
  void free_page(uint64_t pgno, uint64_t birth) { release(pgno, 1, birth); }
};

}  // namespace alder::btree
