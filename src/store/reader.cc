// Reads: value, type, resolve, and listing (full and paged) by a skip-scan
// of the tree's key range below the listed path: O(children) steps, plus
// one seek per child that has entries below it.
#include <alder/alder.hpp>

#include <cstdint>

#include "path.h"
#include "store_impl.h"

namespace alder::store {

namespace {

/// Prefix of the tree keys of every entry below a resolved path: its tree
/// key and '\0' ("" for the root: every key is below the root).
std::string child_prefix(std::string_view path) {
  std::string prefix = tree_key(path);
  if (!path.empty()) prefix.push_back('\0');
  return prefix;
}

/// The child name a key below `prefix` belongs to (its first segment after
/// the prefix), and whether the key is that child itself (not a descendant).
struct ChildOf {
  std::string_view name;
  bool itself;
};
ChildOf child_of(std::string_view key, std::size_t prefix_size) {
  std::string_view rest = key.substr(prefix_size);
  std::size_t nul = rest.find('\0');
  if (nul == std::string_view::npos) return {rest, true};
  return {rest.substr(0, nul), false};
}

/// Forward skip-scan of the children of `prefix`, from the cursor's
/// position (ok: it is on a key). Each child is reported once: after its
/// first key, the rest of its subtree is one seek past it (name + '\1', the
/// least key above every "name\0..." key). Stops after `limit` names and
/// reports in *more whether another child follows.
void scan_forward(Cursor& cur, bool ok, const std::string& prefix, std::size_t limit,
                  std::vector<std::string>& names, bool* more) {
  std::string skip;
  while (ok && cur.key().starts_with(prefix)) {
    ChildOf ch = child_of(cur.key(), prefix.size());
    if (names.empty() || names.back() != ch.name) {
      if (names.size() == limit) {
        if (more) *more = true;
        return;
      }
      names.emplace_back(ch.name);
    }
    if (ch.itself) {
      ok = cur.next();
    } else {  // inside the child's subtree: jump past all of it
      skip.assign(prefix);
      skip.append(names.back());
      skip.push_back('\1');
      ok = cur.seek(skip);
    }
  }
}

/// Reverse skip-scan: from the cursor's position (the last key below
/// `prefix` that may be reported), children in descending order; after a
/// child, the cursor moves to the last key before the child's own key.
void scan_reverse(Cursor& cur, bool ok, const std::string& prefix, std::size_t limit,
                  std::vector<std::string>& names, bool* more) {
  std::string skip;
  while (ok && cur.key().starts_with(prefix)) {
    ChildOf ch = child_of(cur.key(), prefix.size());
    if (names.size() == limit) {
      if (more) *more = true;
      return;
    }
    names.emplace_back(ch.name);
    if (ch.itself) {
      ok = cur.prev();
    } else {  // the child's subtree starts at its own key prefix + name
      skip.assign(prefix);
      skip.append(names.back());
      ok = cur.seek(skip) ? cur.prev() : cur.last();
    }
  }
}

bool has_children(Ctx& c, std::string_view path) {
  if (path.size() > c.st.max_path) return false;  // nothing is stored below
  std::string prefix = child_prefix(path);
  Cursor cur = c.txn.cursor(c.st.tree);
  return cur.seek(prefix) && cur.key().starts_with(prefix);
}

/// A resolved path that can be listed even when it has no children: the
/// root or an explicit group.
bool is_group(const Resolution& r) {
  return r.path.empty() || (r.at && r.at->kind == Kind::group);
}

}  // namespace

std::optional<std::string_view> op_read_view(Ctx& c, std::string_view norm) {
  Resolution r = resolve(c, norm);
  if (r.cycle || !r.at || r.at->kind != Kind::value) return std::nullopt;
  return r.at->payload;
}

std::optional<std::string> op_read(Ctx& c, std::string_view norm) {
  auto v = op_read_view(c, norm);
  if (!v) return std::nullopt;
  return std::string(*v);
}

PathType op_type(Ctx& c, std::string_view norm) {
  Resolution r = resolve(c, norm);
  if (r.cycle) return PathType::not_found;
  if (is_group(r)) return PathType::composite;
  // A value (never a link after resolution). A path with children but no
  // entry (write does not create parent groups) is not a group.
  return r.at ? PathType::simple : PathType::not_found;
}

std::optional<std::string> op_resolve(Ctx& c, std::string_view norm) {
  Resolution r = resolve(c, norm);
  if (r.cycle) return std::nullopt;
  return std::move(r.path);
}

std::optional<std::vector<std::string>> op_list(Ctx& c, std::string_view norm) {
  std::vector<std::string> names;
  Cursor cur = c.txn.cursor(c.st.tree);
  if (!norm.empty() && norm.find('/') == std::string_view::npos) {
    // One segment: a single seek both finds the entry (the resolution, when
    // it is no link) and starts the scan, since the children's keys follow
    // the entry's own key directly.
    const std::string key = tree_key(norm);
    bool ok = cur.seek(key);
    std::optional<Decoded> at;
    if (ok && cur.key() == key) {
      at = decode(cur.value(), norm);
      ok = cur.next();
    }
    if (!at || at->kind != Kind::link) {
      const std::string prefix = key + '\0';
      scan_forward(cur, ok, prefix, SIZE_MAX, names, nullptr);
      if (names.empty() && !(at && at->kind == Kind::group)) return std::nullopt;
      return names;
    }
  }
  Resolution r = resolve(c, norm);
  if (r.cycle || r.path.size() > c.st.max_path) return std::nullopt;  // nothing stored there
  const std::string prefix = child_prefix(r.path);
  scan_forward(cur, cur.seek(prefix), prefix, SIZE_MAX, names, nullptr);
  if (names.empty() && !is_group(r)) return std::nullopt;
  return names;
}

std::optional<ListPage> op_list_page(Ctx& c, std::string_view norm, std::string_view from,
                                     std::size_t limit, Direction dir) {
  if (limit == 0) {
    throw Error(ErrorCode::invalid_argument, "path store: list: limit must be at least 1");
  }
  if (from.find('/') != std::string_view::npos || from.find('\0') != std::string_view::npos) {
    throw Error(ErrorCode::invalid_argument, "path store: list: 'from' must be one name");
  }
  Resolution r = resolve(c, norm);
  if (r.cycle || r.path.size() > c.st.max_path) return std::nullopt;
  const std::string prefix = child_prefix(r.path);
  Cursor cur = c.txn.cursor(c.st.tree);
  ListPage page;
  if (dir == Direction::forward) {
    // from's own key and its subtree ("from\0...") sort below from + '\1'.
    std::string lo = prefix;
    if (!from.empty()) {
      lo.append(from);
      lo.push_back('\1');
    }
    scan_forward(cur, cur.seek(lo), prefix, limit, page.names, &page.more);
  } else {
    // Keys below prefix + from are the children before from (with their
    // subtrees); with no from, every key of the range, which ends below the
    // path's key + '\1' (the root's range is the whole tree).
    bool ok;
    if (!from.empty()) {
      ok = cur.seek(prefix + std::string(from)) ? cur.prev() : cur.last();
    } else if (r.path.empty()) {
      ok = cur.last();
    } else {
      ok = cur.seek(tree_key(r.path) + '\1') ? cur.prev() : cur.last();
    }
    scan_reverse(cur, ok, prefix, limit, page.names, &page.more);
  }
  if (page.names.empty() && !is_group(r) && !has_children(c, r.path)) return std::nullopt;
  return page;
}

}  // namespace alder::store
