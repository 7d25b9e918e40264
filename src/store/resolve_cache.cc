// Bounded LRU resolution cache: see resolve_cache.h.
#include "resolve_cache.h"

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
    it->second->second = CachedResolution{std::string(resolved), hops};
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  if (lru_.size() >= capacity_) {
    index_.erase(std::string_view(lru_.back().first));
    lru_.pop_back();
  }
  lru_.emplace_front(std::string(path), CachedResolution{std::string(resolved), hops});
  index_.emplace(std::string_view(lru_.front().first), lru_.begin());
}

ResolveCacheStats ResolveCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  ResolveCacheStats s = stats_;
  s.entries = lru_.size();
  return s;
}

}  // namespace alder::store
