#include "btree/tree.h"

#include <algorithm>
#include <deque>

namespace alder::btree {

using page::ChildRef;
using page::kHeaderSize;
using page::Node;
using page::NodeWriter;
using page::OverflowRef;

void throw_corrupted(uint64_t pgno, const std::string& what) {
  throw Error(ErrorCode::corrupted,
              "corrupted page " + std::to_string(pgno) + ": " + what);
}

// The first page of the run r leads to, checked as value_at promises.
static const uint8_t* run_at(const Pager& pg, const OverflowRef& r) {
  const uint64_t np = page::overflow_run_pages(r.vlen, pg.page_size);
  const uint8_t* p = pg.read_run(r.pgno, np, r.txnid);
  if (page::header(p)->type != page::kOverflow)
    throw_corrupted(r.pgno, "expected an overflow page");
  if (pg.verify_checksums && r.txnid != pg.txnid &&
      page::checksum(p, np * pg.page_size, r.pgno) != r.csum)
    throw_corrupted(r.pgno, "overflow run checksum mismatch (torn, stale or damaged page)");
  return p;
}

StoredValue stored_at(const Pager& pg, const Node& leaf, uint32_t i) {
  if (!leaf.is_overflow(i)) return {leaf.inline_value(i), leaf.inline_compressed(i)};
  OverflowRef r = leaf.overflow_ref(i);
  const uint8_t* p = run_at(pg, r);
  return {{reinterpret_cast<const char*>(p + kHeaderSize), size_t(r.vlen)},
          (page::header(p)->flags & page::kRunCompressed) != 0};
}

std::string_view value_at(const Pager& pg, const Node& leaf, uint32_t i) {
  StoredValue v = stored_at(pg, leaf, i);
  if (v.compressed) throw_corrupted(0, "compressed value in an internal tree");
  return v.bytes;
}

std::string_view read_run(const Pager& pg, const OverflowRef& r) {
  return {reinterpret_cast<const char*>(run_at(pg, r) + kHeaderSize), size_t(r.vlen)};
}

OverflowRef write_run(Pager& pg, std::string_view value, uint8_t flags) {
  const uint32_t ps = pg.page_size;
  uint64_t np = page::overflow_run_pages(value.size(), ps);
  if (np > 0xffffffffu) throw Error(ErrorCode::value_too_large, "value too large");
  uint64_t pgno;
  uint8_t* p = pg.new_run(uint32_t(np), &pgno);
  std::memset(p, 0, kHeaderSize);
  page::header(p)->type = page::kOverflow;
  page::header(p)->flags = flags;
  page::header(p)->txnid = pg.txnid;
  page::set_overflow_pages(p, uint32_t(np));
  if (!value.empty()) std::memcpy(p + kHeaderSize, value.data(), value.size());
  const uint64_t used = kHeaderSize + value.size();
  std::memset(p + used, 0, np * ps - used);
  return {value.size(), pgno, pg.txnid, page::checksum(p, np * ps, pgno)};
}

void release_run(Pager& pg, const OverflowRef& r) {
  uint64_t np = page::overflow_run_pages(r.vlen, pg.page_size);
  // A damaged length must not free pages outside the file (or billions of
  // them): the run must lie in the file and start with its overflow header.
  const uint8_t* p = pg.read_run(r.pgno, np, r.txnid);
  if (page::header(p)->type != page::kOverflow || page::overflow_pages(p) != np)
    throw_corrupted(r.pgno, "overflow run does not match its reference");
  pg.release(r.pgno, uint32_t(np), r.txnid);
}

const uint8_t* read_node(const Pager& pg, const ChildRef& ref, bool leaf) {
  const uint64_t pgno = ref.pgno;
  const uint8_t* p = pg.read_checked(ref);
  const page::Header* h = page::header(p);
  if (h->type != (leaf ? page::kLeaf : page::kBranch))
    throw_corrupted(pgno, std::string("expected a ") + (leaf ? "leaf" : "branch") +
                              " page, found " + page::type_name(h->type));
  if (!leaf && h->count == 0) throw_corrupted(pgno, "empty branch page");
  if (!Node(p, pg.page_size).slots_fit()) throw_corrupted(pgno, "slot array out of bounds");
  return p;
}

std::optional<std::string_view> Tree::get(std::string_view key) const {
  std::optional<StoredValue> v = find(key);
  if (!v) return std::nullopt;
  if (v->compressed) throw_corrupted(ref_.root, "compressed value in an internal tree");
  return v->bytes;
}

std::optional<StoredValue> Tree::find(std::string_view key) const {
  if (!ref_.root) return std::nullopt;
  if (ref_.depth > kMaxDepth) throw_corrupted(ref_.root, "tree too deep");
  ChildRef ref = root_ref(ref_);
  for (uint32_t d = 1; d < ref_.depth; d++) {
    Node n(read_node(pg_, ref, false), pg_.page_size);
    ref = n.child(n.child_index(key));
  }
  Node leaf(read_node(pg_, ref, true), pg_.page_size);
  bool exact;
  uint32_t i = leaf.lower_bound(key, &exact);
  if (!exact) return std::nullopt;
  return stored_at(pg_, leaf, i);
}

void Tree::count_page(uint8_t type, int delta) {
  if (type == page::kLeaf)
    ref_.leaf_pages += delta;
  else
    ref_.branch_pages += delta;
}

uint8_t* Tree::copy_node(const uint8_t* old, const page::ChildRef& was, uint64_t* pgno) {
  const Node old_node(old, pg_.page_size);
  if (std::string p = old_node.front_problem(); !p.empty()) throw_corrupted(was.pgno, p);
  uint8_t* p = pg_.new_page(pgno);
  old_node.copy_to(p);
  // Checked on the copy (see copy_to); a throw breaks the txn, which
  // takes the new page with it.
  if (std::string why = Node(p, pg_.page_size).heap_problem(); !why.empty())
    throw_corrupted(was.pgno, why);
  page::header(p)->txnid = pg_.txnid;
  pg_.free_page(was.pgno, was.txnid);
  return p;
}

// Copy-on-write of one page: returns the writable copy (or the page itself
// when this txn already wrote it) and stamps the reference that leads to it.
uint8_t* Tree::touch_root() {
  if (ref_.root_txnid == pg_.txnid) return pg_.writable_page(ref_.root);
  if (uint8_t* p = pg_.adopt(ref_.root, ref_.root_txnid)) {  // carried: in place
    page::header(p)->txnid = pg_.txnid;
    ref_.root_txnid = pg_.txnid;
    return p;
  }
  const page::ChildRef was = root_ref(ref_);
  uint64_t pgno;
  uint8_t* p = copy_node(pg_.read_checked(was), was, &pgno);
  ref_.root = pgno;
  ref_.root_txnid = pg_.txnid;
  return p;
}

uint8_t* Tree::touch_child(uint8_t* parent, uint32_t idx) {
  Node n(parent, pg_.page_size);
  ChildRef c = n.child(idx);
  if (c.txnid == pg_.txnid) return pg_.writable_page(c.pgno);
  if (uint8_t* p = pg_.adopt(c.pgno, c.txnid)) {  // carried: in place
    page::header(p)->txnid = pg_.txnid;
    NodeWriter(parent, pg_.page_size).set_child(idx, {c.pgno, pg_.txnid, 0});
    return p;
  }
  const uint8_t* old = pg_.read_checked(c);
  uint8_t t = page::header(old)->type;
  if (t != page::kLeaf && t != page::kBranch)
    throw_corrupted(c.pgno, std::string("expected a tree page, found ") +
                                page::type_name(t));
  uint64_t pgno;
  uint8_t* p = copy_node(old, c, &pgno);
  NodeWriter(parent, pg_.page_size).set_child(idx, {pgno, pg_.txnid, 0});
  return p;
}

// A read-only descent to key's leaf, before anything is copied (LMDB's
// cursor search, then mdb_cursor_touch): the child index taken below each
// branch goes to idx[0 .. depth-2], the key's slot (or where it would go)
// to *slot. Returns whether the key is there. The tree must not be empty.
bool Tree::locate(std::string_view key, uint32_t* idx, uint32_t* slot) const {
  if (ref_.depth > kMaxDepth) throw_corrupted(ref_.root, "tree too deep");
  ChildRef ref = root_ref(ref_);
  for (uint32_t d = 1; d < ref_.depth; d++) {
    Node n(read_node(pg_, ref, false), pg_.page_size);
    idx[d - 1] = n.child_index(key);
    ref = n.child(idx[d - 1]);
  }
  Node leaf(read_node(pg_, ref, true), pg_.page_size);
  bool exact;
  *slot = leaf.lower_bound(key, &exact);
  return exact;
}

// Fills path_ from the root to the leaf that holds key, copying every page on
// the way. With idx (from locate(), nothing changed since), the child indexes
// are taken from it rather than searched again. path_.back().idx is left for
// the caller (the leaf slot).
void Tree::descend_for_write(std::string_view key, bool last_child, const uint32_t* idx) {
  path_.clear();
  if (ref_.depth > kMaxDepth) throw_corrupted(ref_.root, "tree too deep");
  rightmost_ = true;
  uint8_t* p = touch_root();
  uint64_t pgno = ref_.root;
  for (uint32_t d = 1; d < ref_.depth; d++) {
    Node n(p, pg_.page_size);
    if (n.type() != page::kBranch) throw_corrupted(pgno, "expected a branch page");
    if (n.count() == 0) throw_corrupted(pgno, "empty branch page");
    uint32_t i = last_child ? n.count() - 1 : idx ? idx[d - 1] : n.child_index(key);
    if (i >= n.count()) throw_corrupted(pgno, "branch changed under a write");
    if (i + 1 != n.count()) rightmost_ = false;
    path_.push_back({p, pgno, i});
    p = touch_child(p, i);
    pgno = n.child(i).pgno;
  }
  if (page::header(p)->type != page::kLeaf) throw_corrupted(pgno, "expected a leaf page");
  path_.push_back({p, pgno, 0});
}

OverflowRef Tree::write_overflow(std::string_view value, bool compressed) {
  OverflowRef r = write_run(pg_, value, compressed ? page::kRunCompressed : 0);
  ref_.overflow_pages += page::overflow_run_pages(value.size(), pg_.page_size);
  return r;
}

void Tree::release_overflow(const OverflowRef& r) {
  release_run(pg_, r);
  ref_.overflow_pages -= page::overflow_run_pages(r.vlen, pg_.page_size);
}

Tree::Put Tree::put(std::string_view key, std::string_view value,
                    bool no_overwrite, bool append, bool compressed) {
  // no_overwrite: locate first, so an existing key copies nothing, and the
  // copy-on-write descent searches no page again. A plain put descends once
  // (a locate would look every page up twice, and in a large txn each
  // lookup in the dirty-page table is a cache miss: 300,000 random puts in
  // one txn ran at 729-783K/s with it, 769-801K/s without).
  uint32_t idxs[kMaxDepth];
  uint32_t slot = 0;
  bool found = false;
  const bool located = no_overwrite && ref_.root;  // with append too: an existing key is kept
  if (located) {
    found = locate(key, idxs, &slot);
    if (found) return Put::kept;
  }
  if (!ref_.root) {
    uint64_t pgno;
    uint8_t* p = pg_.new_page(&pgno);
    NodeWriter(p, pg_.page_size).init(page::kLeaf, pg_.txnid);
    ref_.root = pgno;
    ref_.root_txnid = pg_.txnid;
    ref_.depth = 1;
    ref_.leaf_pages = 1;
  }
  // Append (sorted loads, as MDB_APPEND) follows the last child down and
  // compares with the last key only: no binary search on the way.
  descend_for_write(key, append, located && !append ? idxs : nullptr);
  uint8_t* leafp = path_.back().page;
  Node leaf(leafp, pg_.page_size);
  bool exact = false;
  uint32_t idx;
  if (located && !append) {
    exact = found;  // the copy holds the same cells as the page located
    idx = slot;
  } else if (append) {
    idx = leaf.count();
    if (idx > 0) {
      leaf.key(idx - 1, scratch_);
      if (key <= std::string_view(scratch_))
        throw Error(ErrorCode::append_order, "append: key is not above the last key of the db");
    }
  } else {
    idx = leaf.lower_bound(key, &exact);
  }
  const bool inline_ok = key.size() + page::kInlineLenSize + value.size() + sizeof(page::Slot) <=
                         page::max_inline_cell(pg_.page_size);
  Put result = Put::inserted;
  // An old overflow run is released only after the new value is stored:
  // the value may be a view of it (put(k, *get(k))), and released pages of
  // this txn can be handed out again at once.
  std::optional<OverflowRef> old_run;
  if (exact) {
    result = Put::replaced;
    if (inline_ok && NodeWriter(leafp, pg_.page_size).overwrite_inline(idx, value, compressed))
      return result;
    if (leaf.is_overflow(idx)) old_run = leaf.overflow_ref(idx);
    NodeWriter(leafp, pg_.page_size).remove(idx);
  } else {
    ref_.entries++;
  }
  if (inline_ok) {
    insert_at(path_.size() - 1, idx, page::leaf_inline_cell(key, value, compressed));
  } else {
    OverflowRef r = write_overflow(value, compressed);
    insert_at(path_.size() - 1, idx, page::leaf_overflow_cell(key, r));
  }
  if (old_run) release_overflow(*old_run);
  return result;
}

// Shortest key sep with a < sep <= b (a < b): suffix truncation.
static void separator(std::string_view a, std::string_view b, std::string& sep) {
  size_t m = 0;
  while (m < a.size() && m < b.size() && a[m] == b[m]) m++;
  sep.assign(b.substr(0, std::min(b.size(), m + 1)));
}

// Inserts cell into the node at path_[level], splitting it (and, in turn,
// its ancestors) when it is full.
void Tree::insert_at(size_t level, uint32_t idx, const page::CellSpec& cell) {
  uint8_t* p = path_[level].page;
  const uint32_t ps = pg_.page_size;
  if (NodeWriter(p, ps).insert(idx, cell) == NodeWriter::kOk) return;

  Node n(p, ps);
  const uint8_t type = n.type();
  const uint32_t old_count = n.count();
  std::string sep;
  uint64_t rpgno;
  uint8_t* rp = pg_.new_page(&rpgno);
  if (idx == old_count && rightmost_) {
    // Appending at the end of the rightmost path (sorted loads, as
    // MDB_APPEND): the full node stays as it is, the new cell starts the
    // right one, so sorted loads fill pages completely.
    page::CellSpec first = cell;
    if (type == page::kLeaf) {
      n.key(old_count - 1, scratch_);
      separator(scratch_, cell.key, sep);
    } else {
      sep.assign(cell.key);
      first.key = {};
    }
    NodeWriter(rp, ps).rebuild(type, pg_.txnid, {first});
  } else {
    page::KeyArena keys;
    std::vector<page::CellSpec> cells;
    cells.reserve(old_count + 1);
    page::gather_cells(n, keys, cells);
    cells.insert(cells.begin() + idx, cell);
    const size_t total = cells.size();
    // Split point: half by bytes, then moved until both halves fit.
    size_t bytes = 0, all = 0;
    for (auto& c : cells) all += c.full_size();
    size_t s = 0;
    while (s < total - 1 && bytes + cells[s].full_size() <= all / 2)
      bytes += cells[s++].full_size();
    s = std::clamp<size_t>(s, 1, total - 1);
    auto left_fits = [&](size_t k) {
      std::vector<page::CellSpec> l(cells.begin(), cells.begin() + k);
      return NodeWriter::fits(ps, type, l);
    };
    auto right_fits = [&](size_t k) {
      std::vector<page::CellSpec> r(cells.begin() + k, cells.end());
      if (type == page::kBranch) r[0].key = {};
      return NodeWriter::fits(ps, type, r);
    };
    while (s > 1 && !left_fits(s)) s--;
    while (s < total - 1 && !right_fits(s)) s++;
    if (!left_fits(s) || !right_fits(s)) {
      // With leaf cells of up to half a page (page::max_inline_cell) the
      // walks above can end where one side is still too large; take the
      // first point where both fit. One exists (cells measured without the
      // node's common prefix; a subset's recomputed prefix costs at most 3
      // bytes of padding): a strict subset of the old cells fits, any two
      // cells fit (16 + 3 + 2 * max_inline_cell <= page size), a new key
      // outside the node's prefix sorts before or after all its keys, and
      // if neither "old cells before it | it + the rest" nor "... + it | the
      // rest" fit, the new cell would exceed half the room less 4.5 bytes,
      // which max_inline_cell leaves out (docs/DECISIONS.md).
      s = 0;
      for (size_t k = 1; k < total && !s; k++)
        if (left_fits(k) && right_fits(k)) s = k;
      if (!s) throw_corrupted(path_[level].pgno, "its cells cannot be split into two pages");
    }
    if (type == page::kLeaf)
      separator(cells[s - 1].key, cells[s].key, sep);
    else
      sep.assign(cells[s].key);
    std::vector<page::CellSpec> right(cells.begin() + s, cells.end());
    if (type == page::kBranch) right[0].key = {};
    cells.resize(s);
    NodeWriter(rp, ps).rebuild(type, pg_.txnid, right);  // before p is rewritten
    NodeWriter(p, ps).rebuild(type, pg_.txnid, cells);
  }
  count_page(type, +1);

  const page::CellSpec sep_cell = page::branch_cell(sep, {rpgno, pg_.txnid, 0});
  if (level == 0) {
    uint64_t root;
    uint8_t* r = pg_.new_page(&root);
    NodeWriter(r, ps).rebuild(
        page::kBranch, pg_.txnid,
        {page::branch_cell({}, {path_[0].pgno, pg_.txnid, 0}), sep_cell});
    ref_.root = root;
    ref_.root_txnid = pg_.txnid;
    ref_.depth++;
    ref_.branch_pages++;
    return;
  }
  insert_at(level - 1, path_[level - 1].idx + 1, sep_cell);
}

bool Tree::del(std::string_view key) {
  if (!ref_.root) return false;
  uint32_t idx;
  if (ref_.root_txnid == pg_.txnid) {
    // The txn has changed this tree already (a large delete, say): one
    // copy-on-write descent, as a put makes. A read-only locate first looks
    // every page up twice: 150,000 deletes in one txn took 2.3-3.2 us each
    // that way against 2.1-2.6 us (docs/DECISIONS.md, "Write path"). A
    // missing key then leaves copies of the pages on its path, which the
    // commit writes unchanged.
    descend_for_write(key, false, nullptr);
    bool exact;
    idx = Node(path_.back().page, pg_.page_size).lower_bound(key, &exact);
    if (!exact) return false;
  } else {
    // The first change of this tree in the txn: nothing is copied for a
    // missing key, so a txn that deletes nothing writes nothing.
    uint32_t idxs[kMaxDepth];
    if (!locate(key, idxs, &idx)) return false;
    descend_for_write(key, false, idxs);
  }
  uint8_t* leafp = path_.back().page;
  Node leaf(leafp, pg_.page_size);
  if (idx >= leaf.count()) throw_corrupted(path_.back().pgno, "key vanished during delete");
  if (leaf.is_overflow(idx)) release_overflow(leaf.overflow_ref(idx));
  NodeWriter(leafp, pg_.page_size).remove(idx);
  ref_.entries--;
  rebalance(path_.size() - 1);
  return true;
}

// Removes child idx from a branch. Removing child 0 makes child 1's key the
// new minus infinity, which needs a rebuild (slot 0 holds no key).
void Tree::remove_child(uint8_t* parent, uint32_t idx) {
  Node n(parent, pg_.page_size);
  if (idx != 0 || n.count() == 1) {
    NodeWriter(parent, pg_.page_size).remove(idx);
    return;
  }
  page::KeyArena keys;
  std::vector<page::CellSpec> cells;
  page::gather_cells(n, keys, cells);
  cells.erase(cells.begin());
  cells[0].key = {};
  NodeWriter(parent, pg_.page_size).rebuild(page::kBranch, pg_.txnid, cells);
}

// After a delete: a node below a quarter full merges with a sibling when the
// two fit in one page (no borrowing: underfull nodes are allowed, empty ones
// are not), and the effect climbs while parents lose children.
void Tree::rebalance(size_t level) {
  const uint32_t ps = pg_.page_size;
  while (level > 0) {
    Level& me = path_[level];
    Node n(me.page, ps);
    const uint8_t type = n.type();
    const bool empty = n.count() == 0;
    const bool under = empty || (type == page::kBranch && n.count() < 2) ||
                       n.used_bytes() < ps / 4;
    if (!under || (!empty && !merge_underfull_)) return;
    Level& up = path_[level - 1];
    Node parent(up.page, ps);
    if (empty) {
      pg_.free_page(me.pgno, pg_.txnid);
      count_page(type, -1);
      remove_child(up.page, up.idx);
      level--;
      continue;
    }
    if (parent.count() < 2) return;
    // Merge the pair (li, li+1) that contains this node into the left one.
    uint32_t li = up.idx > 0 ? up.idx - 1 : 0;
    uint32_t ri = li + 1;
    std::string sep;
    parent.key(ri, sep);
    ChildRef lref = parent.child(li), rref = parent.child(ri);
    const uint8_t* lp = read_node(pg_, lref, type == page::kLeaf);
    const uint8_t* rp = read_node(pg_, rref, type == page::kLeaf);
    page::KeyArena keys;
    std::vector<page::CellSpec> cells;
    page::gather_cells(Node(lp, ps), keys, cells);
    size_t first_right = cells.size();
    page::gather_cells(Node(rp, ps), keys, cells);
    if (type == page::kBranch) cells[first_right].key = sep;
    if (!NodeWriter::fits(ps, type, cells)) return;
    // The cells point into lp and rp: touching copies lp without changing
    // it, and rebuild() stages through a buffer, so they stay valid.
    uint8_t* lw = touch_child(up.page, li);
    NodeWriter(lw, ps).rebuild(type, pg_.txnid, cells);
    pg_.free_page(rref.pgno, rref.txnid);
    count_page(type, -1);
    remove_child(up.page, ri);
    level--;
  }
  collapse_root();
}

void Tree::collapse_root() {
  while (ref_.root) {
    Node n(read_node(pg_, root_ref(ref_), ref_.depth == 1), pg_.page_size);
    if (n.is_leaf()) {
      if (n.count() > 0) return;
      pg_.free_page(ref_.root, ref_.root_txnid);
      ref_ = page::TreeRef{};
      return;
    }
    if (n.count() > 1) return;
    ChildRef c = n.child(0);
    pg_.free_page(ref_.root, ref_.root_txnid);
    ref_.branch_pages--;
    ref_.root = c.pgno;
    ref_.root_txnid = c.txnid;
    ref_.root_csum = c.csum;
    ref_.depth--;
  }
}

void Tree::clear() {
  struct Run { uint64_t pgno, n, birth; bool node; };
  std::vector<Run> runs;
  for_each_page([&](uint64_t pgno, uint64_t n, uint64_t birth, bool node) {
    runs.push_back({pgno, n, birth, node});
  });
  for (const Run& r : runs) {
    if (r.node)
      pg_.free_page(r.pgno, r.birth);
    else
      pg_.release(r.pgno, uint32_t(r.n), r.birth);
  }
  ref_ = page::TreeRef{};
}

uint64_t Tree::seal(uint64_t pgno) {
  // A leaf is only read (a spilled one stays in the file, unwritten again);
  // a branch gets its dirty children's checksums.
  const uint8_t* p = pg_.read_run(pgno, 1, pg_.txnid);
  if (!Node(p, pg_.page_size).is_leaf()) {
    uint8_t* wp = pg_.writable_page(pgno);
    Node n(wp, pg_.page_size);
    NodeWriter w(wp, pg_.page_size);
    for (uint32_t i = 0; i < n.count(); i++) {
      ChildRef c = n.child(i);
      if (c.txnid != pg_.txnid) continue;
      c.csum = seal(c.pgno);
      w.set_child(i, c);
    }
    p = wp;
  }
  return page::checksum(p, pg_.page_size, pgno);
}

void Tree::finalize() {
  if (ref_.root && ref_.root_txnid == pg_.txnid) ref_.root_csum = seal(ref_.root);
}

}  // namespace alder::btree
