// How the B+tree reaches pages: through the read-only mapping, writes through
// the writer's writable mapping, new pages from the txn's allocator
// (src/txn/freelist.h implements PageAllocator).
//
// Invariant that makes dirtiness cheap to test: a page is dirty in write txn
// T exactly when the reference that leads to it (a branch cell or a TreeRef)
// carries txnid T. Touching a page (copy-on-write) stamps the reference.
#pragma once

#include <cstdint>

#include "alder/alder.hpp"
#include "page/page.h"

namespace alder::btree {

[[noreturn]] void throw_corrupted(uint64_t pgno, const std::string& what);

/// Where the tree gets and returns pages. Implemented by the txn layer.
class PageAllocator {
 public:
  virtual ~PageAllocator() = default;
  /// n contiguous free pages, already inside the file (so writable through
  /// the mapping); throws map_full / no_space.
  virtual uint64_t allocate(uint32_t n) = 0;
  /// The tree no longer references pages [pgno, pgno+n), written by txn
  /// `birth` (the current txn's id: allocated by this txn, so no snapshot
  /// can see them).
  virtual void release(uint64_t pgno, uint32_t n, uint64_t birth) = 0;
};

/// A txn's view of pages. A write txn writes its new pages in place, through
/// the writer's writable mapping of the file: they are free pages (fresh or
/// reusable), which no snapshot can see, so no private copy is needed
/// (LMDB's MDB_WRITEMAP does the same). Reads, dirty or not, go through the
/// read-only mapping of the same file. For a read txn, txnid is kNoWriter
/// and wmap and alloc are null.
struct Pager {
  static constexpr uint64_t kNoWriter = ~uint64_t{0};

  uint32_t page_size = 0;
  const uint8_t* map = nullptr;
  uint8_t* wmap = nullptr;
  uint64_t map_pages = 0;  ///< pages that may be read: [2, map_pages)
  uint64_t txnid = kNoWriter;
  PageAllocator* alloc = nullptr;
  bool verify_checksums = false;  ///< EnvOptions::verify_checksums

  /// A page, bounds-checked.
  const uint8_t* read(uint64_t pgno) const {
    if (pgno < 2 || pgno >= map_pages) throw_corrupted(pgno, "page number out of range");
    return map + pgno * page_size;
  }
  /// The page `ref` leads to, bounds-checked, and with verify_checksums
  /// checked against ref.csum unless this txn wrote it (its reference is
  /// not sealed yet). Throws corrupted.
  const uint8_t* read_checked(const page::ChildRef& ref) const {
    const uint8_t* p = read(ref.pgno);
    if (verify_checksums && ref.txnid != txnid &&
        page::checksum(p, page_size, ref.pgno) != ref.csum)
      throw_corrupted(ref.pgno, "checksum mismatch (torn, stale or damaged page)");
    return p;
  }
  /// The first page of an overflow run of n pages, bounds-checked.
  const uint8_t* read_run(uint64_t pgno, uint64_t n) const {
    if (pgno < 2 || n == 0 || pgno + n > map_pages || pgno + n < pgno)
      throw_corrupted(pgno, "overflow run out of range");
    return map + pgno * page_size;
  }
  /// Writable view of a page this txn allocated.
  uint8_t* writable_page(uint64_t pgno) const {
    if (pgno < 2 || pgno >= map_pages) throw_corrupted(pgno, "page number out of range");
    return wmap + pgno * page_size;
  }
  /// A new page (contents undefined) at a freshly allocated pgno.
  uint8_t* new_page(uint64_t* pgno) {
    *pgno = alloc->allocate(1);
    return wmap + *pgno * page_size;
  }
  /// Drops a page the tree no longer references; birth is the txn id its
  /// reference carries.
  void free_page(uint64_t pgno, uint64_t birth) { alloc->release(pgno, 1, birth); }
};

}  // namespace alder::btree
