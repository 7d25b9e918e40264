// Bounded LRU resolution cache: see resolve_cache.h.
#include "resolve_cache.h"

#include <iterator>

namespace alder::store {

bool ResolveCache::adopt(std::uint64_t gen) {
  if (has_gen_ && gen == gen_) return true;
  if (has_gen_ && gen < gen_) return false;  // an older snapshot: bypass
  if (!lru_.empty()) ++stats_.invalidations;
  index_.clear();
  lru_.clear();
  gen_ = gen;
  has_gen_ = true;
  return true;
}

std::optional<CachedResolution> ResolveCache::get(std::string_view path, std::uint64_t gen) {
  if (!enabled()) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  if (!adopt(gen)) {
    ++stats_.misses;
    return std::nullopt;
  }
  auto it = index_.find(path);
  if (it == index_.end()) {
    ++stats_.misses;
    return std::nullopt;
  }
  ++stats_.hits;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void ResolveCache::put(std::string_view path, std::string_view resolved, std::uint32_t hops,
                       std::uint64_t gen) {
  if (!enabled()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (!adopt(gen)) return;
  auto it = index_.find(path);
  if (it != index_.end()) {
    it->second->second.path.assign(resolved);
    it->second->second.hops = hops;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  if (lru_.size() >= capacity_) {
    // Full: the least recently used node is reused in place (moved to the
    // front, its strings overwritten within their capacity), so a cache
    // that never hits costs no allocation per insert once warm. Its index
    // entry views its old key: taken out (node handle, no free) before the
    // key changes, and put back re-keyed.
    auto last = std::prev(lru_.end());
    auto handle = index_.extract(std::string_view(last->first));
    lru_.splice(lru_.begin(), lru_, last);
    Node& node = lru_.front();
    node.first.assign(path);
    node.second.path.assign(resolved);
    node.second.hops = hops;
    handle.key() = std::string_view(node.first);
    handle.mapped() = lru_.begin();
    index_.insert(std::move(handle));
  } else {
    lru_.emplace_front(std::string(path), CachedResolution{std::string(resolved), hops});
    index_.emplace(std::string_view(lru_.front().first), lru_.begin());
  }
}

ResolveCacheStats ResolveCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  ResolveCacheStats s = stats_;
  s.entries = lru_.size();
  return s;
}

}  // namespace alder::store
