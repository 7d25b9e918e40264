// Writes: values, groups and links, with the children index, the link
// (match) index and the link generation kept in step in the same txn.
#include <alder/alder.hpp>

#include "path.h"
#include "store_impl.h"

namespace alder::store {

std::string checked_path(const detail::PathStoreImpl& st, std::string_view path, bool allow_root,
                         const char* what) {
  std::string norm = normalise(path);
  if (norm.empty() && !allow_root) {
    throw Error(ErrorCode::invalid_argument,
                std::string("path store: ") + what + ": empty path (the root) is not allowed here");
  }
  if (norm.size() > st.max_path) {
    throw Error(ErrorCode::key_too_large,
                std::string("path store: ") + what + ": path of " + std::to_string(norm.size()) +
                    " bytes exceeds the limit of " + std::to_string(st.max_path));
  }
  return norm;
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

/// Records every name on the way to a new entry in the children index:
/// (parent, name), then (grandparent, parent's name), ... up to the first
/// pair already recorded (all above it are then recorded too). So list()
/// shows a name when anything at all is stored below it.
void register_names(Ctx& c, std::string_view at) {
  for (;;) {
    std::string_view parent = parent_of(at);
    if (!c.txn.put(c.st.children, child_key(parent, name_of(at)), {}, PutFlags::no_overwrite)) {
      return;
    }
    if (parent.empty()) return;
    at = parent;
  }
}

/// Stores an entry at a literal (already resolved) path and keeps the
/// indexes in step: a children key for a new entry, the link index for an
/// old or new link, and the link generation when a link changes.
void put_entry(Ctx& c, std::string_view at, Kind kind, std::string_view payload) {
  check_resolved_size(c, at);
  std::optional<Decoded> old = c.entry(at);
  bool existed = old.has_value();
  bool old_link = existed && old->kind == Kind::link;
  if (existed && old->kind == kind) {
    if (kind == Kind::group) return;
    if (kind == Kind::link && old->payload == payload) return;
  }
  std::string old_target = old_link ? std::string(old->payload) : std::string();
  old.reset();  // views die at the next write

  std::string_view parent = parent_of(at);
  std::string_view name = name_of(at);
  c.txn.put(c.st.entries, at, encode(kind, payload));
  if (!existed) register_names(c, at);
  if (old_link) c.txn.del(c.st.links, link_index_key(name, old_target, parent));
  if (kind == Kind::link) c.txn.put(c.st.links, link_index_key(name, payload, parent), {});
  if (old_link || kind == Kind::link) bump_link_gen(c);
}

/// Resolved parent of a normalised non-root path; throws for a cycle.
std::string resolved_parent(Ctx& c, std::string_view norm, const char* what) {
  Resolution r = resolve(c, parent_of(norm));
  if (r.cycle) {
    throw Error(ErrorCode::invalid_argument, std::string("path store: ") + what + ": the parent of '" +
                                                 std::string(norm) +
                                                 "' runs into a link cycle (or too many hops)");
  }
  return std::move(r.path);
}

}  // namespace

void op_write(Ctx& c, std::string_view norm, std::string_view value) {
  std::string parent = resolved_parent(c, norm, "write");
  put_entry(c, child_path(parent, name_of(norm)), Kind::value, value);
}

void op_make_group(Ctx& c, std::string_view norm) {
  std::string parent = resolved_parent(c, norm, "make_group");
  put_entry(c, child_path(parent, name_of(norm)), Kind::group, {});
}

void op_make_link(Ctx& c, std::string_view target, std::string_view norm) {
  std::string parent = resolved_parent(c, norm, "make_link");
  std::string at = child_path(parent, name_of(norm));
  check_resolved_size(c, at);  // before the groups: nothing written on error
  // Create the missing groups along the resolved parent. It holds no link at
  // any prefix (it is a resolution), so these puts change no resolution.
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
