// Tree::relocate: moving a tree's pages below a cut (src/txn/shrink.h).
//
// A read-only walk first, in key order, finds what has to move: a branch or
// leaf at or above the cut is reached by a key of the first leaf under it,
// an overflow run by its own key. The moves come after the walk, so the
// walk never reads a page this call has changed. Moving a page is what a
// write does anyway: descend_for_write copies every page on the key's path
// (its parents too, which is how the references to the moved page are
// restamped), and put() writes an overflow value into a new run and
// releases the old one.
#include <string>
#include <vector>

#include "btree/tree.h"

namespace alder::btree {

uint64_t Tree::relocate(uint64_t cut, uint64_t budget) {
  if (!ref_.root || budget == 0) return 0;
  if (!page::depth_ok(ref_.depth)) throw_corrupted(ref_.root, "bad tree depth");
  // A page this txn wrote (or carries from its group) is not moved: its
  // copy would be written in place, not elsewhere.
  auto movable = [&](uint64_t pgno, uint64_t txnid) {
    return pgno >= cut && !pg_.maybe_dirty(txnid);
  };
  struct Item {
    page::ChildRef ref;
    uint32_t level;
  };
  std::vector<Item> stack{{root_ref(ref_), 1}};
  std::vector<std::string> paths, runs;  // keys whose path / whose value moves
  uint64_t moved = 0;
  bool pending = false;  // a branch above the cut awaits its first leaf's key
  const bool has_runs = ref_.overflow_pages != 0;
  while (!stack.empty() && moved < budget) {
    const Item it = stack.back();
    stack.pop_back();
    const bool leaf = it.level == ref_.depth;
    const bool move = movable(it.ref.pgno, it.ref.txnid);
    moved += move;
    pending |= move;
    if (leaf && !pending && !has_runs) continue;  // nothing to read in it
    page::Node n(read_node(pg_, it.ref, leaf), pg_.page_size);
    if (!leaf) {
      for (uint32_t i = n.count(); i-- > 0;) stack.push_back({n.child(i), it.level + 1});
      continue;
    }
    if (n.count() == 0) {  // the empty root leaf: no key leads to it
      if (pending) touch_root();
      pending = false;
      continue;
    }
    if (pending) paths.push_back(n.key(0));
    pending = false;
    for (uint32_t i = 0; has_runs && i < n.count() && moved < budget; i++) {
      if (!n.is_overflow(i)) continue;
      const page::OverflowRef r = n.overflow_ref(i);
      if (!movable(r.pgno, r.txnid)) continue;
      runs.push_back(n.key(i));
      moved += page::overflow_run_pages(r.vlen, pg_.page_size);
    }
  }
  for (const std::string& k : paths) descend_for_write(k, false);
  std::string value;
  for (const std::string& k : runs) {
    std::optional<StoredValue> v = find(k);
    if (!v) throw_corrupted(ref_.root, "a key found by relocate() is gone");
    value.assign(v->bytes);  // put() releases the run the view points into
    put(k, value, false, false, v->compressed);
  }
  return moved;
}

}  // namespace alder::btree
