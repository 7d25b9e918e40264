// A cursor over one B+tree: a stack of (page, slot) from the root to a leaf.
//
// The pages it points at belong to one snapshot and stay valid for the
// txn's lifetime in a read txn. In a write txn any write may move or rewrite
// pages; the txn layer detects that (a write counter) and re-seeks the
// cursor to its current key before the next step (see src/env/api.cc).
#pragma once

#include <string>
#include <string_view>

#include "btree/tree.h"

namespace alder::btree {

class TreeCursor {
 public:
  TreeCursor(const Pager& pg, const page::TreeRef& ref) : pg_(&pg), ref_(&ref) {}

  bool first() { return edge(false); }
  bool last() { return edge(true); }
  bool next();
  bool prev();
  /// First key >= key.
  bool seek(std::string_view key);
  /// Exactly key.
  bool find(std::string_view key);
  bool valid() const { return valid_; }
  void invalidate() { valid_ = false; }
  std::string_view key() const { return key_; }
  /// Value of a tree without compressed values (btree::value_at).
  std::string_view value() const;
  /// Value as stored (btree::stored_at).
  StoredValue stored() const;
  /// Whether the current value lives in an overflow run.
  bool on_overflow() const {
    const Frame& f = stack_[depth_ - 1];
    return page::Node(f.page, pg_->page_size).is_overflow(f.idx);
  }

 private:
  struct Frame {
    const uint8_t* page;
    uint64_t pgno;
    uint32_t idx;
  };
  bool edge(bool last);
  void descend_edge(bool last);
  bool load();  // sets key_ from the leaf frame; false if the leaf is empty

  const Pager* pg_;
  const page::TreeRef* ref_;
  Frame stack_[kMaxDepth];
  uint32_t depth_ = 0;
  bool valid_ = false;
  std::string key_;
};

}  // namespace alder::btree
