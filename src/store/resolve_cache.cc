// Bounded LRU resolution cache: see resolve_cache.h.
#include "resolve_cache.h"

#include <functional>
#include <iterator>

namespace alder::store {

ResolveCache::ResolveCache(std::size_t capacity) : capacity_(capacity) {
  while (filter_bits_ < 16 * capacity && filter_bits_ < (std::size_t{1} << 24)) filter_bits_ <<= 1;
  filter_ = std::vector<std::atomic<std::uint64_t>>(capacity > 0 ? filter_bits_ / 64 : 0);
}

void ResolveCache::filter_set(std::size_t hash) noexcept {
  std::size_t bit = filter_bit(hash);
  filter_[bit / 64].fetch_or(std::uint64_t{1} << (bit % 64), std::memory_order_relaxed);
}

void ResolveCache::filter_rebuild() noexcept {
  for (auto& w : filter_) w.store(0, std::memory_order_relaxed);
  for (const Node& n : lru_) filter_set(std::hash<std::string_view>{}(n.first));
  evictions_since_rebuild_ = 0;
}

bool ResolveCache::adopt(std::uint64_t gen) {
  if (has_gen_ && gen == gen_) return true;
  if (has_gen_ && gen < gen_) return false;  // an older snapshot: bypass
  if (!lru_.empty()) ++stats_.invalidations;
  index_.clear();
  lru_.clear();
  filter_rebuild();
  gen_ = gen;
  has_gen_ = true;
  return true;
}

std::optional<CachedResolution> ResolveCache::get(std::string_view path, std::uint64_t gen) {
  if (!enabled()) return std::nullopt;
  {
    std::size_t bit = filter_bit(std::hash<std::string_view>{}(path));
    if (!(filter_[bit / 64].load(std::memory_order_relaxed) & (std::uint64_t{1} << (bit % 64)))) {
      filtered_misses_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;  // never inserted since the last rebuild
    }
  }
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
    if (++evictions_since_rebuild_ >= capacity_) filter_rebuild();
  } else {
    lru_.emplace_front(std::string(path), CachedResolution{std::string(resolved), hops});
    index_.emplace(std::string_view(lru_.front().first), lru_.begin());
  }
  filter_set(std::hash<std::string_view>{}(path));
}

ResolveCacheStats ResolveCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  ResolveCacheStats s = stats_;
  s.misses += filtered_misses_.load(std::memory_order_relaxed);
  s.entries = lru_.size();
  return s;
}

}  // namespace alder::store
