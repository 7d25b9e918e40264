// Page formats shared by every layer above: the page header, page types,
// the references a parent keeps to its children, and the page checksum.
//
// All integers are stored little-endian (the engine targets little-endian
// 64-bit hosts and refuses to build elsewhere). Pages are page_size bytes,
// page-aligned in the file and in the mapping (a write txn's private copies
// are only 16-byte aligned: no page code needs more); page 0 and page 1 are
// the two meta pages (src/txn/meta.h).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

static_assert(std::endian::native == std::endian::little,
              "alder's file format is little-endian");

namespace alder::page {

/// Smallest and largest page size, bytes.
inline constexpr uint32_t kMinPageSize = 512;
inline constexpr uint32_t kMaxPageSize = 65536;

enum PageType : uint8_t {
  kMeta = 1,
  kBranch = 2,
  kLeaf = 3,
  kOverflow = 4,
};

/// Header flag: a delete left a hole in the cell heap (compaction may help).
inline constexpr uint8_t kHasHoles = 1;

/// Name of a page type for messages ("branch", "leaf", ...).
const char* type_name(uint8_t type);

/// The 16-byte header at the start of every branch, leaf and overflow page.
///
/// For branch and leaf pages: `count` slots follow the header after
/// `prefix_len` bytes of common key prefix; cells fill the page from the end
/// downwards, `heap_used` bytes in all (live cells and holes left by deletes).
/// For the first page of an overflow run, `count` is 0 and the 32 bits of
/// prefix_len/heap_used hold the run length in pages (see overflow_pages()).
struct Header {
  uint8_t type;
  uint8_t flags;  // kHasHoles, or 0
  uint16_t count;
  uint16_t prefix_len;
  uint16_t heap_used;
  uint64_t txnid;  // the transaction that wrote this page
};
static_assert(sizeof(Header) == 16);
inline constexpr uint32_t kHeaderSize = sizeof(Header);

inline Header* header(uint8_t* p) { return reinterpret_cast<Header*>(p); }
inline const Header* header(const uint8_t* p) {
  return reinterpret_cast<const Header*>(p);
}

inline uint32_t overflow_pages(const uint8_t* p) {
  uint32_t n;
  std::memcpy(&n, p + 4, 4);
  return n;
}
inline void set_overflow_pages(uint8_t* p, uint32_t n) {
  std::memcpy(p + 4, &n, 4);
}

/// What a branch cell holds about its child (after the key): the child's page
/// number, the txn that wrote it and its checksum. 24 bytes on disk.
struct ChildRef {
  uint64_t pgno;
  uint64_t txnid;
  uint64_t csum;
};
inline constexpr uint32_t kChildRefSize = 24;

/// What a leaf cell holds for a value stored in an overflow run (after the
/// key): value length in bytes, first page, writer txn, checksum of the run.
struct OverflowRef {
  uint64_t vlen;
  uint64_t pgno;
  uint64_t txnid;
  uint64_t csum;
};
inline constexpr uint32_t kOverflowRefSize = 32;

/// A tree's root and its figures, as kept in the meta page (main, catalog
/// and free trees) and in catalog records (named dbs). 64 bytes on disk.
/// root == 0 means the tree is empty (page 0 is a meta page, never a root).
struct TreeRef {
  uint64_t root = 0;
  uint64_t root_txnid = 0;
  uint64_t root_csum = 0;
  uint64_t entries = 0;
  uint64_t branch_pages = 0;
  uint64_t leaf_pages = 0;
  uint64_t overflow_pages = 0;
  uint32_t depth = 0;
  uint32_t reserved = 0;
};
static_assert(sizeof(TreeRef) == 64);

/// xxHash3 (64-bit) of n bytes, seeded with the page number so that a page
/// written to the wrong place does not check out.
uint64_t checksum(const uint8_t* data, uint64_t n, uint64_t pgno);

}  // namespace alder::page
