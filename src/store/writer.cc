// Writes: values, groups and links, with the link (match) index and the link
// generation kept in step in the same txn.
#include <alder/alder.hpp>

#include "path.h"
#include "store_impl.h"

namespace alder::store {

namespace {

void check_norm(const detail::PathStoreImpl& st, std::string_view norm, bool allow_root,
                const char* what) {
  if (norm.empty() && !allow_root) {
    throw Error(ErrorCode::invalid_argument,
                std::string("path store: ") + what + ": empty path (the root) is not allowed here");
  }
  if (norm.size() > st.max_path) {
    throw Error(ErrorCode::key_too_large,
                std::string("path store: ") + what + ": path of " + std::to_string(norm.size()) +
                    " bytes exceeds the limit of " + std::to_string(st.max_path));
  }
}

}  // namespace

std::string checked_path(const detail::PathStoreImpl& st, std::string_view path, bool allow_root,
                         const char* what) {
  std::string norm = normalise(path);
  check_norm(st, norm, allow_root, what);
  return norm;
}

NormPath checked_norm(const detail::PathStoreImpl& st, std::string_view path, bool allow_root,
                      const char* what) {
  if (is_normalised(path)) {
    check_norm(st, path, allow_root, what);
    return NormPath(path);
  }
  NormPath owned(normalise(path));  // throws invalid_argument for a NUL byte
  check_norm(st, owned.view(), allow_root, what);
  return owned;
}

namespace {

void bump_link_gen(Ctx& c) {
  if (c.links_dirty) return;
  std::uint64_t g = decode_gen(c.txn.get(c.st.meta, kLinkGenKey));
  c.txn.put(c.st.meta, kLinkGenKey, encode_gen(g + 1));
  c.links_dirty = true;
}

void check_resolved_size(const Ctx& c, std::string_view at) {
  if (at.size() > c.st.max_path) {
    throw Error(ErrorCode::key_too_large,
                "path store: resolved path of " + std::to_string(at.size()) +
                    " bytes exceeds the limit of " + std::to_string(c.st.max_path));
  }
}

void note_link_write(Ctx& c) {
  ++c.link_writes;
  bump_link_gen(c);
}

/// Stores an entry at a literal (already resolved) path and keeps the link
/// index and the link generation in step.
///
/// A new entry (the common case: loading a node's messages) costs one call
/// into the engine: put with no_overwrite both finds that nothing is there
/// and writes (two descents in today's engine, src/btree/tree.cc), so the
/// store makes no lookup of its own. Only when something is there is it
/// read, to drop an old link from the index and to bump the generation
/// when a link appears or disappears. No children index: a listing scans
/// the tree's key range of the parent (layout.h, tree_key).
void put_entry(Ctx& c, std::string_view at, Kind kind, std::string_view payload) {
  check_resolved_size(c, at);
  tree_key(at, c.put_key);
  const std::string& key = c.put_key;
  c.put_val.clear();
  c.put_val.push_back(char(kind));
  c.put_val.append(payload);
  const std::string& stored = c.put_val;
  std::string_view parent = parent_of(at);
  std::string_view name = name_of(at);
  if (c.txn.put(c.st.tree, key, stored, PutFlags::no_overwrite)) {
    if (kind == Kind::link) {
      c.txn.put(c.st.links, link_index_key(name, payload, parent), {});
      note_link_write(c);
    }
    return;
  }
  std::optional<Decoded> old = decode(c.txn.get(c.st.tree, key), at);
  const bool old_link = old->kind == Kind::link;
  if (old->kind == kind) {
    if (kind == Kind::group) return;
    if (kind == Kind::link && old->payload == payload) return;
  }
  std::string old_target = old_link ? std::string(old->payload) : std::string();
  old.reset();  // views die at the next write

  c.txn.put(c.st.tree, key, stored);
  if (old_link) c.txn.del(c.st.links, link_index_key(name, old_target, parent));
  if (kind == Kind::link) c.txn.put(c.st.links, link_index_key(name, payload, parent), {});
  if (old_link || kind == Kind::link) note_link_write(c);
}

/// Resolved parent of a normalised non-root path; throws for a cycle. The
/// txn's parent memo answers a repeat of the last parent while no link has
/// been written in this txn since (Ctx::parent_memo). The result is the
/// memo's string: valid until the next call.
const std::string& resolved_parent(Ctx& c, std::string_view norm, const char* what) {
  std::string_view parent = parent_of(norm);
  // The root resolves to itself without a lookup: answered without the
  // memo, so a batch alternating top-level writes with writes into one
  // group keeps that group memoised.
  static const std::string root;
  if (parent.empty()) return root;
  auto& memo = c.parent_memo;
  if (memo.valid && memo.link_writes == c.link_writes && memo.norm == parent) {
    return memo.resolved;
  }
  Resolution r = resolve(c, parent);
  if (r.cycle) {
    throw Error(ErrorCode::invalid_argument, std::string("path store: ") + what + ": the parent of '" +
                                                 std::string(norm) +
                                                 "' runs into a link cycle (or too many hops)");
  }
  memo.valid = true;
  memo.link_writes = c.link_writes;
  memo.norm.assign(parent);
  memo.resolved = std::move(r.path);
  return memo.resolved;
}

/// c.at_buf = resolved parent + "/" + name.
std::string_view build_at(Ctx& c, std::string_view parent, std::string_view norm) {
  c.at_buf.assign(parent);
  if (!parent.empty()) c.at_buf.push_back('/');
  c.at_buf.append(name_of(norm));
  return c.at_buf;
}

}  // namespace

void op_write(Ctx& c, std::string_view norm, std::string_view value) {
  const std::string& parent = resolved_parent(c, norm, "write");
  put_entry(c, build_at(c, parent, norm), Kind::value, value);
}

void op_make_group(Ctx& c, std::string_view norm) {
  const std::string& parent = resolved_parent(c, norm, "make_group");
  put_entry(c, build_at(c, parent, norm), Kind::group, {});
}

void op_make_link(Ctx& c, std::string_view target, std::string_view norm) {
  const std::string& parent = resolved_parent(c, norm, "make_link");
  std::string_view at = build_at(c, parent, norm);
  check_resolved_size(c, at);  // before the groups: nothing written on error
  // Create the missing groups along the resolved parent. It holds no link at
  // any prefix (it is a resolution), so these puts change no resolution.
  // (parent is the memo's string and at is c.at_buf: put_entry touches
  // neither.)
  std::string prefix;
  std::vector<std::string_view> segs;
  split(parent, segs);
  for (std::string_view s : segs) {
    if (!prefix.empty()) prefix.push_back('/');
    prefix.append(s);
    if (!c.entry(prefix)) put_entry(c, prefix, Kind::group, {});
  }
  put_entry(c, at, Kind::link, target);
}

}  // namespace alder::store
