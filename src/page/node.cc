#include "page/node.h"

#include "alder/alder.hpp"

#include <xxhash.h>

#include <algorithm>

namespace alder::page {

const char* type_name(uint8_t type) {
  switch (type) {
    case kMeta: return "meta";
    case kBranch: return "branch";
    case kLeaf: return "leaf";
    case kOverflow: return "overflow";
    default: return "unknown";
  }
}

uint64_t checksum(const uint8_t* data, uint64_t n, uint64_t pgno) {
  return XXH3_64bits_withSeed(data, size_t(n), pgno);
}

CellSpec leaf_inline_cell(std::string_view key, std::string_view value, bool compressed) {
  CellSpec c;
  c.key = key;
  c.small_len = kInlineLenSize;
  uint16_t n = uint16_t(value.size() | (compressed ? kInlineCompressed : 0));
  std::memcpy(c.small, &n, kInlineLenSize);
  c.body = value;
  return c;
}

CellSpec leaf_overflow_cell(std::string_view key, const OverflowRef& ref) {
  CellSpec c;
  c.key = key;
  c.slot_flags = kSlotOverflow;
  c.small_len = kOverflowRefSize;
  std::memcpy(c.small, &ref, kOverflowRefSize);
  return c;
}

CellSpec branch_cell(std::string_view key, const ChildRef& ref) {
  CellSpec c;
  c.key = key;
  c.small_len = kChildRefSize;
  std::memcpy(c.small, &ref, kChildRefSize);
  return c;
}

size_t Node::copy_key(uint32_t i, char* dst) const {
  const std::string_view p = prefix(), s = suffix(i);
  std::memcpy(dst, p.data(), p.size());
  std::memcpy(dst + p.size(), s.data(), s.size());
  return p.size() + s.size();
}

void Node::key(uint32_t i, std::string& out) const {
  out.resize(key_size(i));
  copy_key(i, out.data());
}

uint32_t Node::cell_size(uint32_t i) const {
  const Slot& s = slot(i);
  uint32_t k = s.klen & kSlotLenMask;
  const uint32_t fixed = cell_fixed_size(is_leaf(), s.klen & kSlotOverflow);
  if (!is_leaf() || (s.klen & kSlotOverflow)) return k + fixed;
  return k + fixed + uint32_t(inline_value(i).size());
}

uint32_t Node::used_bytes() const {
  uint32_t n = count();
  uint32_t total = slot_base(header(p_)->prefix_len) + n * sizeof(Slot);
  for (uint32_t i = 0; i < n; i++) total += cell_size(i);
  return total;
}

// memcmp order, inline: eight bytes at a time as big-endian words, then
// the tail bytewise. Keys here are short (the suffix after the page's
// prefix), where the call into libc's memcmp cost more than the compare:
// memcmp was 9-20% of batch loads and random gets of 20-byte path keys.
static inline int compare(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  const auto* x = reinterpret_cast<const uint8_t*>(a.data());
  const auto* y = reinterpret_cast<const uint8_t*>(b.data());
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t u, v;
    std::memcpy(&u, x + i, 8);
    std::memcpy(&v, y + i, 8);
    if (u != v) return __builtin_bswap64(u) < __builtin_bswap64(v) ? -1 : 1;
  }
  for (; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

uint32_t Node::lower_bound(std::string_view key, bool* exact) const {
  *exact = false;
  const uint32_t n = count();
  const uint32_t start = is_leaf() ? 0 : 1;
  const uint32_t plen = header(p_)->prefix_len;
  if (plen) {
    size_t m = std::min<size_t>(plen, key.size());
    int c = compare(key.substr(0, m),
                    {reinterpret_cast<const char*>(p_ + kHeaderSize), m});
    if (c < 0 || (c == 0 && key.size() < plen)) return start;
    if (c > 0) return n;
    key.remove_prefix(plen);
  }
  const uint32_t head =
      make_head(reinterpret_cast<const uint8_t*>(key.data()), key.size());
  const Slot* sl = slots();
  uint32_t lo = start, hi = n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const Slot& s = sl[mid];
    int c;
    if (head != s.head) {
      c = head < s.head ? -1 : 1;
    } else {
      c = compare(key, suffix(mid));
      if (c == 0) {
        *exact = true;
        return mid;
      }
    }
    if (c > 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

void throw_bad_cell(uint32_t slot) {
  throw Error(ErrorCode::corrupted,
              "damaged page: cell " + std::to_string(slot) + " runs past the end of its page");
}

std::string Node::front_problem() const {
  const Header* h = header(p_);
  const uint64_t slots_end =
      uint64_t(slot_base(h->prefix_len)) + uint64_t(h->count) * sizeof(Slot);
  if (slots_end > psize_) return "slot array runs past the page";
  if (h->heap_used > psize_ - slots_end) return "cell heap overlaps the slots";
  return {};
}

std::string Node::heap_problem() const {
  if (std::string p = front_problem(); !p.empty()) return p;
  const Header* h = header(p_);
  const uint32_t n = h->count;
  const uint64_t heap_start = psize_ - h->heap_used;
  uint64_t sum = 0;
  for (uint32_t i = 0; i < n; i++) {
    const Slot& s = slot(i);
    const uint64_t k = s.klen & kSlotLenMask;
    uint64_t size = k + cell_fixed_size(h->type != kBranch, s.klen & kSlotOverflow);
    if (s.off < heap_start || s.off + size > psize_)
      return "cell " + std::to_string(i) + " lies outside the cell heap";
    if (h->type == kLeaf && !(s.klen & kSlotOverflow)) {
      uint16_t vlen;
      std::memcpy(&vlen, p_ + s.off + k, 2);
      size += vlen & kInlineLenMask;
      if (s.off + size > psize_) return "value of cell " + std::to_string(i) + " out of bounds";
    }
    sum += size;
  }
  if (sum > h->heap_used) return "cells take more room than the heap holds";
  return {};
}

std::string Node::check() const {
  const Header* h = header(p_);
  if (h->type != kLeaf && h->type != kBranch) return "not a branch or leaf page";
  // Slot array, heap and every cell's bounds (values included).
  if (std::string p = heap_problem(); !p.empty()) return p;
  const uint32_t n = h->count;
  if (h->type == kBranch && n == 0) return "empty branch page";
  std::string prev, cur;
  for (uint32_t i = 0; i < n; i++) {
    const Slot& s = slot(i);
    uint32_t k = s.klen & kSlotLenMask;
    if (h->type == kBranch && (s.klen & kSlotOverflow))
      return "overflow flag on a branch cell";
    if (s.head != make_head(p_ + s.off, k))
      return "slot head of cell " + std::to_string(i) + " disagrees with key";
    if (h->type == kBranch && i == 0) {
      if (k != 0) return "branch slot 0 has a key";
      continue;
    }
    key(i, cur);
    if (h->type == kLeaf && cur.empty()) return "empty key";
    bool first = h->type == kLeaf ? i == 0 : i == 1;
    if (!first && compare(prev, cur) >= 0)
      return "keys out of order at cell " + std::to_string(i);
    prev.swap(cur);
  }
  return {};
}

void NodeWriter::init(uint8_t type, uint64_t txnid) {
  Header* h = header(p_);
  h->type = type;
  h->flags = 0;
  h->count = 0;
  h->prefix_len = 0;
  h->heap_used = 0;
  h->txnid = txnid;
}

// Common prefix of the keys that take part in the prefix (a branch's slot 0
// does not). Keys are sorted, so the first and last decide it.
static size_t common_prefix(uint8_t type, const std::vector<CellSpec>& cells) {
  size_t first = type == kBranch ? 1 : 0;
  if (cells.size() <= first) return 0;
  std::string_view a = cells[first].key, b = cells.back().key;
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) i++;
  return std::min<size_t>(i, kSlotLenMask);
}

static size_t node_size(uint8_t type, const std::vector<CellSpec>& cells,
                        size_t plen) {
  size_t total = slot_base(uint32_t(plen));
  for (size_t i = 0; i < cells.size(); i++) {
    size_t k = (type == kBranch && i == 0) ? 0 : cells[i].key.size() - plen;
    total += k + cells[i].payload_size() + sizeof(Slot);
  }
  return total;
}

bool NodeWriter::fits(uint32_t page_size, uint8_t type,
                      const std::vector<CellSpec>& cells) {
  return node_size(type, cells, common_prefix(type, cells)) <= page_size;
}

void NodeWriter::rebuild(uint8_t type, uint64_t txnid,
                         const std::vector<CellSpec>& cells) {
  thread_local std::vector<uint8_t> tmp;
  tmp.assign(psize_, 0);
  uint8_t* q = tmp.data();
  const size_t plen = common_prefix(type, cells);
  // Callers only rebuild cells that fit; cells gathered from a damaged page
  // (overlapping cells, a count the page cannot hold) may not.
  if (node_size(type, cells, plen) > psize_)
    throw Error(ErrorCode::corrupted, "damaged page: its cells do not fit in a page");
  Header* h = header(q);
  h->type = type;
  h->flags = 0;  // no holes after a rebuild
  h->count = uint16_t(cells.size());
  h->prefix_len = uint16_t(plen);
  h->txnid = txnid;
  if (plen) std::memcpy(q + kHeaderSize, cells[type == kBranch ? 1 : 0].key.data(), plen);
  Slot* sl = reinterpret_cast<Slot*>(q + slot_base(uint32_t(plen)));
  const std::string_view prefix(reinterpret_cast<const char*>(q + kHeaderSize), plen);
  uint32_t off = psize_;
  for (size_t i = 0; i < cells.size(); i++) {
    const CellSpec& c = cells[i];
    const bool minus_inf = type == kBranch && i == 0;
    // The prefix comes from the first and last keys: every key has it when
    // the keys are sorted, which a damaged page's need not be.
    if (!minus_inf && !c.key.starts_with(prefix))
      throw Error(ErrorCode::corrupted, "damaged page: its keys are out of order");
    std::string_view suf = minus_inf ? std::string_view{} : c.key.substr(plen);
    uint32_t sz = uint32_t(suf.size() + c.payload_size());
    off -= sz;
    uint8_t* cell = q + off;
    if (!suf.empty()) std::memcpy(cell, suf.data(), suf.size());
    std::memcpy(cell + suf.size(), c.small, c.small_len);
    if (!c.body.empty())
      std::memcpy(cell + suf.size() + c.small_len, c.body.data(), c.body.size());
    sl[i].head = make_head(cell, suf.size());
    sl[i].off = uint16_t(off);
    sl[i].klen = uint16_t(suf.size() | c.slot_flags);
  }
  h->heap_used = uint16_t(psize_ - off);
  std::memcpy(p_, q, psize_);
}

void gather_cells(const Node& node, KeyArena& keys, std::vector<CellSpec>& specs) {
  const uint32_t n = node.count();
  // Slot 0 of a branch has no key (minus infinity).
  const uint32_t first_key = node.is_leaf() ? 0 : 1;
  size_t total = 0;
  for (uint32_t i = first_key; i < n; i++) total += node.key_size(i);
  char* at = nullptr;
  if (total) {
    keys.push_back(std::make_unique<char[]>(total));
    at = keys.back().get();
  }
  for (uint32_t i = 0; i < n; i++) {
    CellSpec c;
    if (i >= first_key) {
      c.key = {at, node.copy_key(i, at)};
      at += c.key.size();
    }
    c.slot_flags = node.slot(i).klen & kSlotOverflow;
    const uint8_t* pl = node.payload(i);
    if (!node.is_leaf()) {
      c.small_len = kChildRefSize;
      std::memcpy(c.small, pl, kChildRefSize);
    } else if (c.slot_flags) {
      c.small_len = kOverflowRefSize;
      std::memcpy(c.small, pl, kOverflowRefSize);
    } else {
      c.small_len = 2;
      std::memcpy(c.small, pl, 2);
      c.body = node.inline_value(i);  // bounds-checked: the page may be damaged
    }
    specs.push_back(c);
  }
}

// Whether the keys' common prefix, with `key` added, is longer than the one
// stored (keys are sorted: the first, the last and the new key decide it).
bool NodeWriter::prefix_can_grow(std::string_view key) const {
  Node n(p_, psize_);
  const uint32_t first = n.is_leaf() ? 0 : 1;
  if (n.count() <= first) return true;
  std::string a = n.key(first), b = n.key(n.count() - 1);
  size_t m = std::min({a.size(), b.size(), key.size()});
  size_t i = 0;
  while (i < m && a[i] == b[i] && a[i] == key[i]) i++;
  return i > header(p_)->prefix_len;
}

NodeWriter::Result NodeWriter::insert(uint32_t idx, const CellSpec& cell) {
  Header* h = header(p_);
  const bool minus_inf = h->type == kBranch && idx == 0;
  std::string_view pre{reinterpret_cast<const char*>(p_ + kHeaderSize),
                       h->prefix_len};
  if (minus_inf || cell.key.starts_with(pre)) {
    std::string_view suf = minus_inf ? std::string_view{} : cell.key.substr(pre.size());
    const uint32_t sz = uint32_t(suf.size() + cell.payload_size());
    const uint32_t slots_end = slot_base(h->prefix_len) + h->count * sizeof(Slot);
    const uint32_t heap_start = psize_ - h->heap_used;
    if (slots_end + sizeof(Slot) + sz <= heap_start) {
      uint32_t off = heap_start - sz;
      uint8_t* c = p_ + off;
      if (!suf.empty()) std::memcpy(c, suf.data(), suf.size());
      std::memcpy(c + suf.size(), cell.small, cell.small_len);
      if (!cell.body.empty())
        std::memcpy(c + suf.size() + cell.small_len, cell.body.data(), cell.body.size());
      Slot* sl = reinterpret_cast<Slot*>(p_ + slot_base(h->prefix_len));
      std::memmove(sl + idx + 1, sl + idx, (h->count - idx) * sizeof(Slot));
      sl[idx].head = make_head(c, suf.size());
      sl[idx].off = uint16_t(off);
      sl[idx].klen = uint16_t(suf.size() | cell.slot_flags);
      h->count++;
      h->heap_used = uint16_t(psize_ - off);
      return kOk;
    }
  }
  // Compact, and recompute the prefix, by rebuilding from all cells. That
  // can only make room if a delete left holes or the prefix can grow.
  if (!(h->flags & kHasHoles) && (minus_inf || cell.key.starts_with(pre)) &&
      !prefix_can_grow(cell.key))
    return kFull;
  KeyArena keys;
  std::vector<CellSpec> cells;
  cells.reserve(h->count + 1);
  gather_cells(Node(p_, psize_), keys, cells);
  cells.insert(cells.begin() + idx, cell);
  if (!fits(psize_, h->type, cells)) return kFull;
  rebuild(h->type, h->txnid, cells);
  return kOk;
}

void NodeWriter::remove(uint32_t idx) {
  Header* h = header(p_);
  Slot* sl = reinterpret_cast<Slot*>(p_ + slot_base(h->prefix_len));
  std::memmove(sl + idx, sl + idx + 1, (h->count - idx - 1) * sizeof(Slot));
  h->count--;
  h->flags |= kHasHoles;
  if (h->count == 0) {
    h->heap_used = 0;
    h->prefix_len = 0;
    h->flags = 0;
  }
}

bool NodeWriter::overwrite_inline(uint32_t idx, std::string_view value, bool compressed) {
  Node n(p_, psize_);
  if (n.is_overflow(idx) || n.inline_value(idx).size() != value.size())
    return false;
  uint8_t* q = const_cast<uint8_t*>(n.payload(idx));
  const uint16_t len = uint16_t(value.size() | (compressed ? kInlineCompressed : 0));
  std::memcpy(q, &len, 2);
  q += 2;
  if (!value.empty()) std::memcpy(q, value.data(), value.size());
  return true;
}

void NodeWriter::set_child(uint32_t idx, const ChildRef& ref) {
  Node n(p_, psize_);
  std::memcpy(const_cast<uint8_t*>(n.payload(idx)), &ref, sizeof ref);
}

void NodeWriter::set_overflow_ref(uint32_t idx, const OverflowRef& ref) {
  Node n(p_, psize_);
  std::memcpy(const_cast<uint8_t*>(n.payload(idx)), &ref, sizeof ref);
}

}  // namespace alder::page
