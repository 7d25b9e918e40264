// The copy-on-write B+tree: lookup, insert with splits, delete with merges,
// and the bottom-up checksum pass that seals a txn's dirty pages.
//
// Shape (as LMDB's mdb.c and SQLite's btree.c): all values live in leaves;
// a branch with n cells has n children, cell 0's key is minus infinity and
// child i holds the keys k with key(i) <= k < key(i+1). Separators are the
// shortest prefix of the right node's first key that is above the left
// node's last key (suffix truncation, Bayer & Unterauer, "Prefix B-trees",
// 1977), so branches hold many short keys. Every leaf is at the same depth.
// No leaf but the root is ever empty.
//
// Copy-on-write: before a write touches a page that the txn did not write,
// the page is copied to a newly allocated page number, the old one is
// released to the freelist, and the parent's reference is restamped (which
// makes the parent dirty first: writes go top-down). Readers of older
// snapshots keep seeing the old pages.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "btree/pager.h"
#include "page/node.h"
#include "page/records.h"

namespace alder::btree {

/// Deepest tree accepted from a file: page::kMaxDepth (src/page/records.h).
using page::kMaxDepth;

/// A value as stored: its bytes (a zero copy view into an inline cell or an
/// overflow run) and whether they are a compressed value (records.h), which
/// only the txn layer, knowing the db's codec, can decode.
struct StoredValue {
  std::string_view bytes;
  bool compressed = false;
};

/// Stored value of an entry. Throws corrupted when it does not lie inside
/// its page or run.
StoredValue stored_at(const Pager& pg, const page::Node& leaf, uint32_t i);
/// Value of an entry of a tree that never holds compressed values (the
/// catalog, the freelist); throws corrupted for a compressed one.
std::string_view value_at(const Pager& pg, const page::Node& leaf, uint32_t i);

/// Overflow runs outside any tree's leaves (a db's compression dictionary,
/// referenced from its catalog record): write `bytes` into a new run of
/// this write txn, read one back (bounds and, with verify_checksums,
/// checksum checked; throws corrupted), release one.
page::OverflowRef write_run(Pager& pg, std::string_view bytes, uint8_t flags = 0);
std::string_view read_run(const Pager& pg, const page::OverflowRef& r);
void release_run(Pager& pg, const page::OverflowRef& r);

/// A branch or leaf page reached while reading through `ref` (a branch
/// cell's, or the tree's root as a ChildRef), checked enough that following
/// it cannot leave the page: its type and Node::slots_fit() (Node checks
/// each cell as it is reached); with pg.verify_checksums also its checksum,
/// unless this txn wrote it. Throws corrupted otherwise.
const uint8_t* read_node(const Pager& pg, const page::ChildRef& ref, bool leaf);

/// The root of `t` as a reference, for read_node.
inline page::ChildRef root_ref(const page::TreeRef& t) {
  return {t.root, t.root_txnid, t.root_csum};
}

class Tree {
 public:
  Tree(Pager& pg, page::TreeRef& ref) : pg_(pg), ref_(ref) {}

  /// Value of key in a tree without compressed values (value_at()).
  std::optional<std::string_view> get(std::string_view key) const;
  /// Value of key as stored (compressed or not).
  std::optional<StoredValue> find(std::string_view key) const;

  enum class Put { inserted, replaced, kept };
  /// Inserts or replaces. no_overwrite keeps an existing value (returns
  /// kept); append requires key to be above the last key (throws
  /// append_order). Key and value sizes are checked by the caller.
  Put put(std::string_view key, std::string_view value, bool no_overwrite,
          bool append, bool compressed = false);
  /// Removes key; false when absent.
  bool del(std::string_view key);
  /// Off: deletes remove empty nodes but never merge underfull ones (the
  /// freelist's save loop uses this so rounds do not alternate between
  /// merging and splitting the same leaves).
  void set_merge_underfull(bool on) { merge_underfull_ = on; }
  /// Releases every page; the tree becomes empty.
  void clear();
  /// Computes the checksums of all dirty pages bottom-up into their parents'
  /// references and the root checksum into the TreeRef.
  void finalize();

  /// Moves pages numbered `cut` or higher to pages the allocator hands out
  /// (src/txn/shrink.h), at most about `budget` of them: each such branch
  /// or leaf by copying the path to it (copy-on-write, as any write), each
  /// such overflow run by writing its value anew. Pages this txn wrote are
  /// left where they are. Reads only the branches (and, when the tree has
  /// overflow runs, the leaves) to find them. Returns the pages it moved.
  /// Throws corrupted (nothing is moved then), map_full / no_space.
  uint64_t relocate(uint64_t cut, uint64_t budget);

  /// Calls f(pgno, npages, birth_txnid, is_node) for every page of the
  /// tree: nodes (branch, leaf) and overflow runs.
  template <class F>
  void for_each_page(F&& f) const;

 private:
  struct Level {
    uint8_t* page;
    uint64_t pgno;
    uint32_t idx;  // child taken (branch) or slot (leaf)
  };
  uint8_t* touch_root();
  uint8_t* touch_child(uint8_t* parent, uint32_t idx);
  /// The copy of touch_root/touch_child: copies the node `old` (page `was`)
  /// into a new page (*pgno), checks the copy, stamps it with this txn and
  /// frees `was`. Throws corrupted (the txn is then broken).
  uint8_t* copy_node(const uint8_t* old, const page::ChildRef& was, uint64_t* pgno);
  bool locate(std::string_view key, uint32_t* idx, uint32_t* slot) const;
  void descend_for_write(std::string_view key, bool last_child, const uint32_t* idx = nullptr);
  void insert_at(size_t level, uint32_t idx, const page::CellSpec& cell);
  void remove_child(uint8_t* parent, uint32_t idx);
  void rebalance(size_t level);
  void collapse_root();
  page::OverflowRef write_overflow(std::string_view value, bool compressed);
  void release_overflow(const page::OverflowRef& r);
  uint64_t seal(uint64_t pgno);
  void count_page(uint8_t type, int delta);

  Pager& pg_;
  page::TreeRef& ref_;
  // The descent's path, root first: at most kMaxDepth levels, so a fixed
  // array (a Tree is made per operation; a vector allocated on every put).
  struct Path {
    Level levels[page::kMaxDepth];
    size_t n = 0;
    void clear() { n = 0; }
    void push_back(const Level& l) {
      ALDER_DCHECK(n < page::kMaxDepth);
      levels[n++] = l;
    }
    Level& back() { return levels[n - 1]; }
    Level& operator[](size_t i) { return levels[i]; }
    size_t size() const { return n; }
  };
  Path path_;
  bool rightmost_ = false;
  bool merge_underfull_ = true;
  std::string scratch_;  // a key read back from a node  // path_ follows the last child at every level
};

template <class F>
void Tree::for_each_page(F&& f) const {
  if (!ref_.root) return;
  if (!page::depth_ok(ref_.depth)) throw_corrupted(ref_.root, "bad tree depth");
  // Levels are counted so a damaged tree (a cycle, a leaf where a branch
  // should be) is an error, not an endless walk.
  struct Item { page::ChildRef ref; uint32_t level; };
  std::vector<Item> stack{{root_ref(ref_), 1}};
  while (!stack.empty()) {
    Item it = stack.back();
    stack.pop_back();
    page::Node n(read_node(pg_, it.ref, it.level == ref_.depth), pg_.page_size);
    f(it.ref.pgno, uint64_t{1}, it.ref.txnid, true);
    if (n.is_leaf()) {
      for (uint32_t i = 0; i < n.count(); i++) {
        if (!n.is_overflow(i)) continue;
        page::OverflowRef r = n.overflow_ref(i);
        uint64_t np = (page::kHeaderSize + r.vlen + pg_.page_size - 1) / pg_.page_size;
        pg_.read_run(r.pgno, np, r.txnid);  // bounds: a damaged length is an error
        f(r.pgno, np, r.txnid, false);
      }
    } else {
      for (uint32_t i = 0; i < n.count(); i++) stack.push_back({n.child(i), it.level + 1});
    }
  }
}

}  // namespace alder::btree
