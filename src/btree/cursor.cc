#include "btree/cursor.h"

namespace alder::btree {

using page::Node;

// A scan visits every cell of a leaf, and cells sit in the page in insertion
// order, not key order: asking for all of the page's cache lines up front
// turns one miss per cell into misses that overlap.
static inline void prefetch_page(const uint8_t* p, uint32_t page_size) {
  if (page_size > 16384) return;
  for (uint32_t off = 0; off < page_size; off += 64) __builtin_prefetch(p + off);
}

// From the frame at depth_-1 (a branch with idx set), goes down to a leaf
// taking the first (or last) child at every level.
void TreeCursor::descend_edge(bool last) {
  while (depth_ < ref_->depth) {
    Frame& f = stack_[depth_ - 1];
    page::ChildRef c = Node(f.page, pg_->page_size).child(f.idx);
    bool leaf = depth_ + 1 == ref_->depth;
    const uint8_t* p = read_node(*pg_, c, leaf);
    if (leaf) prefetch_page(p, pg_->page_size);
    uint32_t n = page::header(p)->count;
    stack_[depth_++] = {p, c.pgno, last ? (n ? n - 1 : 0) : 0};
  }
}

bool TreeCursor::edge(bool last) {
  valid_ = false;
  depth_ = 0;
  if (!ref_->root) return false;
  if (!page::depth_ok(ref_->depth))
    throw_corrupted(ref_->root, "bad tree depth");
  const uint8_t* p = read_node(*pg_, root_ref(*ref_), ref_->depth == 1);
  uint32_t n = page::header(p)->count;
  stack_[depth_++] = {p, ref_->root, last ? (n ? n - 1 : 0) : 0};
  descend_edge(last);
  return load();
}

bool TreeCursor::load() {
  const Frame& f = stack_[depth_ - 1];
  Node leaf(f.page, pg_->page_size);
  if (f.idx >= leaf.count()) {
    valid_ = false;
    return false;
  }
  leaf.key(f.idx, key_);
  valid_ = true;
  return true;
}

std::string_view TreeCursor::value() const {
  const Frame& f = stack_[depth_ - 1];
  return value_at(*pg_, Node(f.page, pg_->page_size), f.idx);
}

StoredValue TreeCursor::stored() const {
  const Frame& f = stack_[depth_ - 1];
  return stored_at(*pg_, Node(f.page, pg_->page_size), f.idx);
}

bool TreeCursor::next() {
  if (!valid_) return false;
  Frame& leaf = stack_[depth_ - 1];
  if (leaf.idx + 1 < page::header(leaf.page)->count) {
    leaf.idx++;
    return load();
  }
  // Climb to the first ancestor with a following child.
  uint32_t d = depth_ - 1;
  while (d > 0) {
    Frame& f = stack_[d - 1];
    if (f.idx + 1 < page::header(f.page)->count) {
      f.idx++;
      depth_ = d;
      descend_edge(false);
      return load();
    }
    d--;
  }
  valid_ = false;
  return false;
}

bool TreeCursor::prev() {
  if (!valid_) return false;
  Frame& leaf = stack_[depth_ - 1];
  if (leaf.idx > 0) {
    leaf.idx--;
    return load();
  }
  uint32_t d = depth_ - 1;
  while (d > 0) {
    Frame& f = stack_[d - 1];
    if (f.idx > 0) {
      f.idx--;
      depth_ = d;
      descend_edge(true);
      return load();
    }
    d--;
  }
  valid_ = false;
  return false;
}

bool TreeCursor::seek(std::string_view key) {
  valid_ = false;
  depth_ = 0;
  if (!ref_->root) return false;
  if (!page::depth_ok(ref_->depth))
    throw_corrupted(ref_->root, "bad tree depth");
  page::ChildRef ref = root_ref(*ref_);
  for (uint32_t d = 1; d < ref_->depth; d++) {
    const uint8_t* p = read_node(*pg_, ref, false);
    Node n(p, pg_->page_size);
    uint32_t i = n.child_index(key);
    stack_[depth_++] = {p, ref.pgno, i};
    ref = n.child(i);
  }
  const uint64_t pgno = ref.pgno;
  const uint8_t* p = read_node(*pg_, ref, true);
  bool exact;
  uint32_t i = Node(p, pg_->page_size).lower_bound(key, &exact);
  stack_[depth_++] = {p, pgno, i};
  if (i < page::header(p)->count) return load();
  // Past the end of this leaf: the answer is the first key of the next one.
  stack_[depth_ - 1].idx = i - (i > 0);
  if (i == 0) return false;  // empty root leaf
  valid_ = true;
  return next();
}

bool TreeCursor::find(std::string_view key) {
  if (!seek(key)) return false;
  if (key_ != key) {
    valid_ = false;
    return false;
  }
  return true;
}

}  // namespace alder::btree
