// The slotted node layout shared by branch and leaf pages.
//
//   +--------+--------+------------------------+ ... gap ... +--------------+
//   | header | prefix | slot[0] ... slot[n-1]  |             | cells (heap) |
//   +--------+--------+------------------------+ ... gap ... +--------------+
//
// The prefix is padded to 4 bytes (slot_base) so the slots are aligned.
// Keys are stored as (node prefix) + (suffix). The prefix is the longest
// prefix common to every key of the node, stored once; in a branch the key
// of slot 0 is "minus infinity" (empty, never compared) and is left out of
// the prefix. Each 8-byte slot holds the first four suffix bytes as a
// big-endian integer (the "head"), the cell offset and the suffix length, so
// a binary search compares integers in one cache-friendly array and touches
// a cell only when two heads tie. Heads order like the keys: zero padding
// makes a shorter suffix compare below or equal, never above (the idea of
// "poor man's normalized keys", Graefe & Larson, "B-tree indexes and CPU
// caches", ICDE 2001).
//
// Cells, after the key suffix:
//   leaf, value inline:     u16 vlen (bit 15: compressed), value bytes
//   leaf, value overflow:   OverflowRef (32 bytes)   [slot flag kSlotOverflow]
//   branch:                 ChildRef (24 bytes)
//
// Size rules (checked by the tree, relied on by splits): a branch cell plus
// its slot is at most max_cell() = (page_size - 16) / 3 bytes (keys are
// limited by it); a leaf cell with its value inline, slot included, at most
// max_inline_cell() = (page_size - 16) / 2 - 8 bytes, so a full leaf and one
// more cell always split into two leaves (Tree::insert_at says why).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <memory>
#include <vector>

#include "page/page.h"
#include "page/records.h"

namespace alder::page {

struct Slot {
  uint32_t head;
  uint16_t off;
  uint16_t klen;  // suffix length; bit 15 set: value in an overflow run
};
static_assert(sizeof(Slot) == 8);
inline constexpr uint16_t kSlotOverflow = 0x8000;
inline constexpr uint16_t kSlotLenMask = 0x7fff;

/// Largest cell (suffix + payload + slot) a node accepts, bytes.
inline uint32_t max_cell(uint32_t page_size) {
  return (page_size - kHeaderSize) / 3;
}
/// Largest key the tree accepts, bytes.
inline uint32_t max_key(uint32_t page_size) {
  return max_cell(page_size) - 44;  // 32-byte ref, slot, prefix padding
}
/// A leaf value goes inline when its cell, key + 2 + value + slot, fits in
/// this many bytes: about half a page, as LMDB keeps nodes of up to half a
/// page in its leaves (a leaf holds at least two), so values of a few KB do
/// not each take a mostly empty overflow page. The 8 bytes below half of the
/// page's room cover the prefix's padding when a split recomputes prefixes
/// (Tree::insert_at). At most 32,752 bytes (64 KiB pages): an inline length
/// keeps bit 15 free for the compressed flag. Files written when the limit
/// was max_inline() read and write the same (cells are self-describing).
inline uint32_t max_inline_cell(uint32_t page_size) {
  return (page_size - kHeaderSize) / 2 - 8;
}
/// The leaf inline limit before max_inline_cell(), a quarter page; now only
/// the bound the freelist sizes its records by (freelist.cc), so that they
/// stay inline and their chunking does not change.
inline uint32_t max_inline(uint32_t page_size) {
  return (page_size - kHeaderSize) / 4;
}

/// Offset of the slot array: after the header and the prefix, rounded up to
/// 4 bytes so slots are aligned.
inline uint32_t slot_base(uint32_t prefix_len) {
  return kHeaderSize + ((prefix_len + 3) & ~3u);
}

inline uint32_t make_head(const uint8_t* p, size_t n) {
  if (n >= 4) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return __builtin_bswap32(v);
  }
  uint32_t v = 0;
  for (size_t i = 0; i < n; i++) v |= uint32_t(p[i]) << (24 - 8 * i);
  return v;
}

/// One cell to be written: the full key, the flags for its slot, a small
/// fixed part (ref or vlen, up to 32 bytes) and an optional body (the value).
struct CellSpec {
  std::string_view key;
  uint16_t slot_flags = 0;
  uint8_t small_len = 0;
  uint8_t small[32];
  std::string_view body;

  size_t payload_size() const { return small_len + body.size(); }
  /// Bytes this cell needs in a node with no prefix, slot included.
  size_t full_size() const { return key.size() + payload_size() + sizeof(Slot); }
};

/// Builders for the three cell shapes (compressed: the value's stored bytes
/// are a compressed value, records.h).
CellSpec leaf_inline_cell(std::string_view key, std::string_view value, bool compressed = false);
CellSpec leaf_overflow_cell(std::string_view key, const OverflowRef& ref);
CellSpec branch_cell(std::string_view key, const ChildRef& ref);

/// Throws alder::Error(corrupted): a cell runs past the end of its page.
[[noreturn]] void throw_bad_cell(uint32_t slot);

/// A read-only view of a branch or leaf page. Every accessor that reaches
/// into a cell checks that the cell lies inside the page (one comparison),
/// so a damaged page yields an error, never a read past it; slots_fit()
/// checks the slot array. check() is the full structural check.
class Node {
 public:
  Node(const uint8_t* p, uint32_t page_size) : p_(p), psize_(page_size) {}

  const uint8_t* data() const { return p_; }
  uint8_t type() const { return header(p_)->type; }
  bool is_leaf() const { return type() == kLeaf; }
  uint32_t count() const { return header(p_)->count; }
  std::string_view prefix() const {
    return {reinterpret_cast<const char*>(p_ + kHeaderSize),
            header(p_)->prefix_len};
  }
  const Slot* slots() const {
    return reinterpret_cast<const Slot*>(p_ + slot_base(header(p_)->prefix_len));
  }
  const Slot& slot(uint32_t i) const { return slots()[i]; }
  std::string_view suffix(uint32_t i) const {
    const Slot& s = slot(i);
    const uint32_t k = s.klen & kSlotLenMask;
    if (uint32_t(s.off) + k > psize_) throw_bad_cell(i);
    return {reinterpret_cast<const char*>(p_ + s.off), k};
  }
  /// Bytes of the full key of slot i (prefix + suffix).
  size_t key_size(uint32_t i) const { return prefix().size() + suffix(i).size(); }
  /// Writes the full key of slot i to dst (key_size(i) bytes); returns its size.
  size_t copy_key(uint32_t i, char* dst) const;
  /// The full key of slot i, written into out (prefix + suffix).
  void key(uint32_t i, std::string& out) const;
  std::string key(uint32_t i) const {
    std::string k;
    key(i, k);
    return k;
  }
  bool is_overflow(uint32_t i) const { return slot(i).klen & kSlotOverflow; }
  /// The fixed part after the key: ChildRef, OverflowRef or the u16 vlen.
  const uint8_t* payload(uint32_t i) const {
    const Slot& s = slot(i);
    const uint32_t k = s.klen & kSlotLenMask;
    const uint32_t fixed = cell_fixed_size(is_leaf(), s.klen & kSlotOverflow);
    if (uint32_t(s.off) + k + fixed > psize_) throw_bad_cell(i);
    return p_ + s.off + k;
  }
  std::string_view inline_value(uint32_t i) const {
    const uint8_t* q = payload(i);
    uint16_t n;
    std::memcpy(&n, q, 2);
    n &= kInlineLenMask;
    if (size_t(q - p_) + 2 + n > psize_) throw_bad_cell(i);
    return {reinterpret_cast<const char*>(q + 2), n};
  }
  /// Whether the inline value of slot i is stored compressed (records.h).
  bool inline_compressed(uint32_t i) const {
    uint16_t n;
    std::memcpy(&n, payload(i), 2);
    return n & kInlineCompressed;
  }
  OverflowRef overflow_ref(uint32_t i) const {
    OverflowRef r;
    std::memcpy(&r, payload(i), sizeof r);
    return r;
  }
  ChildRef child(uint32_t i) const {
    ChildRef r;
    std::memcpy(&r, payload(i), sizeof r);
    return r;
  }
  /// Bytes of the cell of slot i (suffix + payload), slot not included.
  uint32_t cell_size(uint32_t i) const;
  /// Header + prefix + slots + live cells, bytes.
  uint32_t used_bytes() const;

  /// Leaf: index of the first key >= key; *exact tells whether it is equal.
  /// Branch: same over slots 1..n-1 (slot 0 is minus infinity).
  uint32_t lower_bound(std::string_view key, bool* exact) const;
  /// Branch: index of the child whose range holds key.
  uint32_t child_index(std::string_view key) const {
    bool exact;
    uint32_t i = lower_bound(key, &exact);
    return exact ? i : i - 1;
  }

  /// Structural check of an untrusted page: counts, prefix, slot offsets and
  /// lengths, key order. Returns an empty string or what is wrong.
  std::string check() const;
  /// Whether the slot array lies inside the page (checked on every page a
  /// read visits; the cells are checked as they are reached).
  bool slots_fit() const {
    return slot_base(header(p_)->prefix_len) + uint64_t(count()) * sizeof(Slot) <= psize_;
  }
  /// What a writer relies on before it changes a page: the slot array
  /// fits, the cell heap (the last heap_used bytes) does not reach it, and
  /// every cell lies whole inside the heap, their sizes summing to at most
  /// heap_used. A writer places new cells below the heap, so an understated
  /// heap_used would otherwise overwrite live cells. Integer checks only,
  /// O(count). Returns "" or the problem.
  std::string heap_problem() const;
  /// The part of heap_problem() copy_to() needs, from the header alone:
  /// the slot array fits and the heap does not reach it.
  std::string front_problem() const;
  /// Copies the page to dst (page-sized) for copy-on-write: the header and
  /// slot array, then the cell heap, and zeroes the free gap between them
  /// instead of reading it (LMDB's mdb_page_copy skips it the same way): a
  /// leaf is about a third empty, and the source is usually cold in the CPU
  /// cache. Requires front_problem() to be empty; the copy has the same
  /// heap_problem() as the source, so a writer checks the copy, which the
  /// copy just brought into the CPU cache (checking the cold source first
  /// cost 6% of a batch load: Tree::copy_node).
  void copy_to(uint8_t* dst) const {
    const Header* h = header(p_);
    const size_t front = slot_base(h->prefix_len) + size_t(h->count) * sizeof(Slot);
    const size_t heap = h->heap_used;
    std::memcpy(dst, p_, front);
    std::memset(dst + front, 0, psize_ - heap - front);
    std::memcpy(dst + psize_ - heap, p_ + psize_ - heap, heap);
  }

 private:
  const uint8_t* p_;
  uint32_t psize_;
};

/// Mutations of a node held in a writable (dirty) page buffer.
class NodeWriter {
 public:
  enum Result { kOk, kFull };

  NodeWriter(uint8_t* p, uint32_t page_size) : p_(p), psize_(page_size) {}

  /// Writes an empty node of the given type.
  void init(uint8_t type, uint64_t txnid);
  /// Inserts cell at index idx (0..count). Compacts or recomputes the prefix
  /// as needed; returns kFull (node unchanged) when it cannot fit.
  Result insert(uint32_t idx, const CellSpec& cell);
  /// Removes slot idx; its bytes become a hole until the next compaction.
  void remove(uint32_t idx);
  /// Overwrites the payload of slot idx in place when the new inline value
  /// has the same length; returns false otherwise.
  bool overwrite_inline(uint32_t idx, std::string_view value, bool compressed = false);
  /// Updates the child reference of branch slot idx in place.
  void set_child(uint32_t idx, const ChildRef& ref);
  /// Updates the overflow reference of leaf slot idx in place.
  void set_overflow_ref(uint32_t idx, const OverflowRef& ref);

  /// Rewrites the node from cells (keys in order); they must fit (see
  /// fits()). Cells may point into this very page.
  void rebuild(uint8_t type, uint64_t txnid, const std::vector<CellSpec>& cells);
  /// Whether cells fit in one node of this page size.
  static bool fits(uint32_t page_size, uint8_t type,
                   const std::vector<CellSpec>& cells);

 private:
  bool prefix_can_grow(std::string_view key) const;
  uint8_t* p_;
  uint32_t psize_;
};

/// Where gather_cells() puts the keys it materializes (prefix + suffix):
/// one block per node gathered, kept while the arena lives, so the views
/// into it stay valid while more nodes are gathered (a merge gathers two).
/// One allocation per node instead of one per key (a std::string per key
/// was 6-10% of a path store link load in malloc, copies and frees).
using KeyArena = std::vector<std::unique_ptr<char[]>>;

/// Reads every cell of node into specs (appended), keys materialized into
/// a new block of `keys`, which must outlive specs. Payloads point into the
/// node's page.
void gather_cells(const Node& node, KeyArena& keys, std::vector<CellSpec>& specs);

}  // namespace alder::page
