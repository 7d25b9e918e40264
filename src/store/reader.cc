// Reads: value, type, resolve, and listing (full and paged) from the
// children index, O(children) per list.
#include <alder/alder.hpp>

#include "path.h"
#include "store_impl.h"

namespace alder::store {

namespace {

bool has_children(Ctx& c, std::string_view path) {
  if (path.size() > c.st.max_path) return false;  // nothing is stored below
  std::string prefix = child_prefix(path);
  Cursor cur = c.txn.cursor(c.st.children);
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
  Resolution r = resolve(c, norm);
  if (r.cycle || r.path.size() > c.st.max_path) return std::nullopt;  // nothing stored there
  std::string prefix = child_prefix(r.path);
  std::vector<std::string> names;
  Cursor cur = c.txn.cursor(c.st.children);
  for (bool ok = cur.seek(prefix); ok && cur.key().starts_with(prefix); ok = cur.next()) {
    names.emplace_back(cur.key().substr(prefix.size()));
  }
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
  Cursor cur = c.txn.cursor(c.st.children);
  bool ok;
  if (dir == Direction::forward) {
    // Names never hold NUL, so prefix+from+'\0' is the least key after from.
    std::string lo = prefix;
    if (!from.empty()) {
      lo.append(from);
      lo.push_back('\0');
    }
    ok = cur.seek(lo);
  } else {
    // Child keys of parent sort below parent + '\1'.
    std::string hi = from.empty() ? std::string(r.path) + '\1' : prefix + std::string(from);
    ok = cur.seek(hi) ? cur.prev() : cur.last();
  }
  ListPage page;
  while (ok && cur.key().starts_with(prefix)) {
    if (page.names.size() == limit) {
      page.more = true;
      break;
    }
    page.names.emplace_back(cur.key().substr(prefix.size()));
    ok = dir == Direction::forward ? cur.next() : cur.prev();
  }
  if (page.names.empty() && !is_group(r) && !has_children(c, r.path)) return std::nullopt;
  return page;
}

}  // namespace alder::store
