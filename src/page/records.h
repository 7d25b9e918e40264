// The records alder keeps inside its pages and internal trees, each encoded
// and decoded here and nowhere else: the btree, txn and verify layers call
// these functions, so a format change is one edit (redb's rule: each
// on-disk record in one place).
//
// Overflow run (a value too large for its leaf, docs/FORMAT.md):
//   the run's first page starts with the 16-byte page header, the value's
//   bytes follow, across as many whole pages as needed:
//     pages = ceil((16 + value length) / page_size)
// Leaf and branch cells, fixed part after the key suffix:
//   | cell kind                  | bytes | holds                              |
//   | branch                     | 24    | ChildRef (pgno, txnid, checksum)   |
//   | leaf, value on an overflow | 32    | OverflowRef (pgno, vlen, txnid, cs)|
//   | leaf, inline value         | 2     | u16 value length, then the value   |
// Catalog record (catalog tree; key = db name, 1-511 bytes):
//   | 0-63 | TreeRef of the db (page.h) |
// Freelist record (freelist tree, src/txn/freelist.h):
//   key   | 0-7 txn id T that freed the pages, big-endian | 8-11 chunk, big-endian |
//   value | 0-7 smallest birth txn id B of the pages | 8.. page numbers, u64 each, >= 1 of them |
// Tree depth: a non-empty tree has depth 1 (a root leaf) to kMaxDepth.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "page/page.h"

namespace alder::page {

// ------------------------------------------------------------ overflow run
/// Pages of the overflow run holding a value of vlen bytes.
inline uint64_t overflow_run_pages(uint64_t vlen, uint32_t page_size) {
  return (kHeaderSize + vlen + page_size - 1) / page_size;
}

// ------------------------------------------------------------------ cells
inline constexpr uint32_t kInlineLenSize = 2;  ///< the u16 length of an inline value
/// Bytes of a cell's fixed part (after the key suffix).
inline uint32_t cell_fixed_size(bool leaf, bool overflow) {
  return !leaf ? kChildRefSize : overflow ? kOverflowRefSize : kInlineLenSize;
}

// ----------------------------------------------------------------- depth
/// Deepest tree alder builds or accepts (a bound for fixed cursor stacks
/// and for walks over damaged files; 40 levels hold far more than 2^64
/// entries at three cells per node).
inline constexpr uint32_t kMaxDepth = 40;
inline bool depth_ok(uint32_t depth) { return depth >= 1 && depth <= kMaxDepth; }

// --------------------------------------------------------- catalog record
/// The catalog value of a db's TreeRef: a view of r's bytes (valid while r is).
inline std::string_view catalog_value(const TreeRef& r) {
  return {reinterpret_cast<const char*>(&r), sizeof r};
}
/// False when v is not a catalog value (wrong size).
inline bool decode_catalog_value(std::string_view v, TreeRef* out) {
  if (v.size() != sizeof(TreeRef)) return false;
  std::memcpy(out, v.data(), sizeof *out);
  return true;
}

// -------------------------------------------------------- freelist record
inline constexpr size_t kFreelistKeySize = 12;
/// Key of freelist record (txnid, chunk).
std::string freelist_key(uint64_t txnid, uint32_t chunk);
/// The txn id of a freelist key (0 if the key is short).
uint64_t freelist_key_txnid(std::string_view key);

/// A decoded freelist value; `pages` points into the value's bytes.
struct FreelistValue {
  uint64_t birth = 0;
  const char* pages = nullptr;
  size_t count = 0;
  uint64_t page(size_t i) const {
    uint64_t p;
    std::memcpy(&p, pages + 8 * i, 8);
    return p;
  }
};
/// False when (key, value) is not a well-formed freelist record.
bool decode_freelist_record(std::string_view key, std::string_view value, FreelistValue* out);
/// The value of a record for `count` pages born no earlier than `birth`,
/// built in *buf; the view is valid while *buf is unchanged.
std::string_view encode_freelist_value(uint64_t birth, const uint64_t* pages, size_t count,
                                       std::vector<uint64_t>* buf);

}  // namespace alder::page
