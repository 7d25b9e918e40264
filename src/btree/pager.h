// How the B+tree reaches pages: committed pages straight from the read-only
// mapping, pages written by the current write txn from its dirty-page table,
// and new pages from the txn's allocator (src/txn/freelist.h implements
// PageAllocator).
//
// Invariant that makes dirtiness cheap to test: a page is dirty in write txn
// T exactly when the reference that leads to it (a branch cell or a TreeRef)
// carries txnid T. Touching a page (copy-on-write) stamps the reference.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "alder/alder.hpp"
#include "page/page.h"

namespace alder::btree {

[[noreturn]] void throw_corrupted(uint64_t pgno, const std::string& what);

/// Where the tree gets and returns pages. Implemented by the txn layer.
class PageAllocator {
 public:
  virtual ~PageAllocator() = default;
  /// n contiguous free pages; throws map_full.
  virtual uint64_t allocate(uint32_t n) = 0;
  /// The tree no longer references pages [pgno, pgno+n), written by txn
  /// `birth` (the current txn's id: allocated by this txn, so no snapshot
  /// can see them).
  virtual void release(uint64_t pgno, uint32_t n, uint64_t birth) = 0;
  /// Writes a finished overflow run straight to the file.
  virtual void write_run(uint64_t pgno, const struct iovec* iov, int n) = 0;
};

/// Page-aligned page buffers, recycled between txns (not thread-safe: owned
/// by the single writer).
class BufferPool {
 public:
  explicit BufferPool(uint32_t page_size) : psize_(page_size) {}
  ~BufferPool() {
    for (auto* b : free_) std::free(b);
  }
  uint8_t* get() {
    if (!free_.empty()) {
      uint8_t* b = free_.back();
      free_.pop_back();
      return b;
    }
    void* b = std::aligned_alloc(psize_, psize_);
    if (!b) throw std::bad_alloc();
    return static_cast<uint8_t*>(b);
  }
  void put(uint8_t* b) {
    if (free_.size() < kKeep)
      free_.push_back(b);
    else
      std::free(b);
  }

 private:
  static constexpr size_t kKeep = 4096;
  uint32_t psize_;
  std::vector<uint8_t*> free_;
};

/// pgno -> buffer for the pages a write txn has written. Open addressing with
/// linear probing and backward-shift deletion; pgno 0 marks an empty bucket
/// (page 0 is a meta page, never dirty).
class DirtyPages {
 public:
  DirtyPages() { rehash(64); }
  size_t size() const { return size_; }
  uint8_t* find(uint64_t pgno) const {
    for (size_t i = hash(pgno);; i = (i + 1) & mask_) {
      if (keys_[i] == pgno) return vals_[i];
      if (keys_[i] == 0) return nullptr;
    }
  }
  void insert(uint64_t pgno, uint8_t* buf) {
    if ((size_ + 1) * 4 > keys_.size() * 3) rehash(keys_.size() * 2);
    size_t i = hash(pgno);
    while (keys_[i] != 0) i = (i + 1) & mask_;
    keys_[i] = pgno;
    vals_[i] = buf;
    size_++;
  }
  /// Removes pgno, returning its buffer (nullptr if absent).
  uint8_t* erase(uint64_t pgno) {
    size_t i = hash(pgno);
    while (keys_[i] != pgno) {
      if (keys_[i] == 0) return nullptr;
      i = (i + 1) & mask_;
    }
    uint8_t* buf = vals_[i];
    // Backward-shift: move later members of the probe run into the hole.
    size_t hole = i;
    for (size_t j = (i + 1) & mask_; keys_[j] != 0; j = (j + 1) & mask_) {
      size_t home = hash(keys_[j]);
      bool between = hole <= j ? (home > hole && home <= j)
                               : (home > hole || home <= j);
      if (!between) {
        keys_[hole] = keys_[j];
        vals_[hole] = vals_[j];
        hole = j;
      }
    }
    keys_[hole] = 0;
    size_--;
    return buf;
  }
  /// Calls f(pgno, buf) for every page, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < keys_.size(); i++)
      if (keys_[i]) f(keys_[i], vals_[i]);
  }
  void clear() {
    std::fill(keys_.begin(), keys_.end(), 0);
    size_ = 0;
  }

 private:
  size_t hash(uint64_t k) const {
    return size_t((k * 0x9E3779B97F4A7C15ull) >> 20) & mask_;
  }
  void rehash(size_t cap) {
    std::vector<uint64_t> ok = std::move(keys_);
    std::vector<uint8_t*> ov = std::move(vals_);
    keys_.assign(cap, 0);
    vals_.assign(cap, nullptr);
    mask_ = cap - 1;
    size_ = 0;
    for (size_t i = 0; i < ok.size(); i++)
      if (ok[i]) insert(ok[i], ov[i]);
  }
  std::vector<uint64_t> keys_;
  std::vector<uint8_t*> vals_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

/// A txn's view of pages. For a read txn, txnid is kNoWriter and dirty,
/// alloc and buffers are null.
struct Pager {
  static constexpr uint64_t kNoWriter = ~uint64_t{0};

  uint32_t page_size = 0;
  const uint8_t* map = nullptr;
  uint64_t map_pages = 0;  ///< pages that may be read from the mapping
  uint64_t txnid = kNoWriter;
  DirtyPages* dirty = nullptr;
  PageAllocator* alloc = nullptr;
  BufferPool* buffers = nullptr;

  bool writable() const { return dirty != nullptr; }

  /// The page reached through a reference stamped ref_txnid.
  const uint8_t* read(uint64_t pgno, uint64_t ref_txnid) const {
    if (ref_txnid == txnid) {
      if (uint8_t* p = dirty->find(pgno)) return p;
      throw_corrupted(pgno, "dirty page missing");
    }
    if (pgno < 2 || pgno >= map_pages)
      throw_corrupted(pgno, "page number out of range");
    return map + pgno * page_size;
  }
  /// The first page of an overflow run of n pages, bounds-checked.
  const uint8_t* read_run(uint64_t pgno, uint64_t n) const {
    if (pgno < 2 || n == 0 || pgno + n > map_pages || pgno + n < pgno)
      throw_corrupted(pgno, "overflow run out of range");
    return map + pgno * page_size;
  }
  uint8_t* writable_page(uint64_t pgno) const {
    uint8_t* p = dirty->find(pgno);
    if (!p) throw_corrupted(pgno, "dirty page missing");
    return p;
  }
  /// A new dirty page (contents undefined) at a freshly allocated pgno.
  uint8_t* new_page(uint64_t* pgno) {
    *pgno = alloc->allocate(1);
    uint8_t* b = buffers->get();
    dirty->insert(*pgno, b);
    return b;
  }
  /// Drops a page the tree no longer references; birth is the txn id its
  /// reference carries.
  void free_page(uint64_t pgno, uint64_t birth) {
    if (birth == txnid) {
      if (uint8_t* b = dirty->erase(pgno)) buffers->put(b);
    }
    alloc->release(pgno, 1, birth);
  }
};

}  // namespace alder::btree
