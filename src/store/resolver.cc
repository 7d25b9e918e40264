// Path resolution: rewrite a path prefix by prefix, replacing the first
// prefix that is a link by its target and starting again.
//
// Implemented as a loop over a stack of pending segments (back = next) and a
// `resolved` prefix that holds no link at any of its own prefixes. A link
// found at resolved/segment resets `resolved` to the root and pushes the
// target's segments in front of the pending ones. Each link hop counts;
// past max_link_hops the path is a cycle. No recursion, bounded work.
//
// Cache: the full path and its parent are looked up (and recorded) in the
// resolution cache; a link's target is looked up too, which turns chains
// into one step once warm. One-segment paths that are not links skip the
// cache entirely: their resolution is the single lookup they need anyway.
#include <alder/alder.hpp>

#include "path.h"
#include "store_impl.h"

namespace alder::store {

std::optional<std::uint64_t> Ctx::cache_gen() {
  if (!st.cache.enabled() || links_dirty) return std::nullopt;
  if (!gen) gen = decode_gen(txn.get(st.meta, kLinkGenKey));
  return gen;
}

namespace {

// Bound on pending segments, far above anything max_link_hops allows for
// real data, so even a corrupt file cannot make the stack grow without bound.
constexpr std::size_t kMaxPendingSegments = 1 << 16;

}  // namespace

Resolution resolve(Ctx& c, std::string_view norm) {
  Resolution r;
  if (norm.empty()) return r;  // the root: a group with no entry

  const bool single = norm.find('/') == std::string_view::npos;
  // For a one-segment link: its target (a view into the txn's data; no
  // write runs during a resolution), so the walk below starts with that hop
  // instead of looking the link up a second time.
  std::string_view single_target;
  if (single) {
    r.at = c.entry(norm);
    if (!r.at || r.at->kind != Kind::link) {
      r.path.assign(norm);
      return r;
    }
    single_target = r.at->payload;
    r.at.reset();
  }

  const std::optional<std::uint64_t> gen = c.cache_gen();
  const std::uint32_t max_hops = c.st.options.max_link_hops;
  if (gen) {
    if (auto hit = c.st.cache.get(norm, *gen)) {
      std::optional<Decoded> at;
      if (!hit->path.empty()) at = c.entry(hit->path);
      if (!at || at->kind != Kind::link) {  // always so for a cached answer
        r.path = std::move(hit->path);
        r.at = at;
        return r;
      }
    }
  }

  // Hop counts add up: the walk resolves a path's parent (and a link's
  // target) completely before it looks further, so starting from a cached
  // resolution plus its hops gives exactly the uncached count.
  std::vector<std::string_view> pending;
  std::string resolved;
  std::uint32_t hops = 0;
  bool parent_from_cache = false;
  if (gen && !single) {
    if (auto hit = c.st.cache.get(parent_of(norm), *gen)) {
      resolved = std::move(hit->path);
      hops = hit->hops;
      pending.push_back(name_of(norm));
      parent_from_cache = true;
    }
  }

  std::string parent_resolved;
  std::uint32_t parent_hops = 0;
  bool have_parent = false;
  std::optional<Decoded> last;
  std::string cand;

  // One link hop to `target`: counted, then either a cached resolution of
  // the target or its segments pushed in front of the pending ones. False
  // when the hop bound is passed (a cycle).
  auto hop = [&](std::string_view target) {
    if (++hops > max_hops) return false;
    last.reset();
    std::optional<CachedResolution> hit;
    if (gen) hit = c.st.cache.get(target, *gen);
    if (hit) {
      hops += hit->hops;
      if (hops > max_hops) return false;
      resolved = std::move(hit->path);
      if (pending.empty() && !resolved.empty()) last = c.entry(resolved);
    } else {
      resolved.clear();
      split_reversed(target, pending);
      if (pending.size() > kMaxPendingSegments) return false;
    }
    return true;
  };

  if (single) {
    // The parent is the root (never cached); the one segment is a link.
    have_parent = true;
    if (!hop(single_target)) {
      r.cycle = true;
      return r;
    }
  } else if (!parent_from_cache) {
    split_reversed(norm, pending);
  }

  while (!pending.empty()) {
    // The bottom of the stack is the input's last segment until it is
    // popped, so the first time one segment is left, `resolved` is the
    // resolution of the input's parent.
    if (pending.size() == 1 && !have_parent) {
      parent_resolved = resolved;
      parent_hops = hops;
      have_parent = true;
    }
    std::string_view seg = pending.back();
    pending.pop_back();
    cand.clear();
    cand.append(resolved);
    if (!resolved.empty()) cand.push_back('/');
    cand.append(seg);
    std::optional<Decoded> e = c.entry(cand);
    if (e && e->kind == Kind::link) {
      if (!hop(e->payload)) {
        r.cycle = true;
        return r;
      }
      continue;
    }
    resolved.swap(cand);
    last = e;
  }

  if (gen) {
    c.st.cache.put(norm, resolved, hops, *gen);
    if (have_parent && !parent_from_cache && !single) {
      c.st.cache.put(parent_of(norm), parent_resolved, parent_hops, *gen);
    }
  }
  r.path = std::move(resolved);
  r.at = last;
  return r;
}

}  // namespace alder::store
