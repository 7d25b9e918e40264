// A bounded LRU cache of resolutions: normalised path -> resolved path.
//
// Every entry belongs to one link generation (a counter stored in the db and
// bumped by each commit that adds, replaces or removes a link). A lookup or
// insert for generation g only uses the cache when it holds generation g; a
// newer g empties it first. So an answer computed under one set of links is
// never returned under another: the cache cannot be stale. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <alder/path_store.hpp>

namespace alder::store {

/// A cached resolution: the resolved path and the link hops it took (so a
/// resolution that uses it counts the same hops as one that does not).
struct CachedResolution {
  std::string path;
  std::uint32_t hops = 0;
};

class ResolveCache {
 public:
  explicit ResolveCache(std::size_t capacity) : capacity_(capacity) {}

  bool enabled() const noexcept { return capacity_ > 0; }
  /// The cached resolution of path under generation gen, if any.
  std::optional<CachedResolution> get(std::string_view path, std::uint64_t gen);
  /// Records path -> resolved for generation gen (ignored if the cache
  /// already holds a newer generation).
  void put(std::string_view path, std::string_view resolved, std::uint32_t hops,
           std::uint64_t gen);
  ResolveCacheStats stats() const;

 private:
  /// Empties the cache when gen is newer than what it holds; returns whether
  /// the cache now holds gen. Caller holds mu_.
  bool adopt(std::uint64_t gen);

  using Node = std::pair<std::string, CachedResolution>;  // path, resolution
  mutable std::mutex mu_;
  std::size_t capacity_;
  std::uint64_t gen_ = 0;
  bool has_gen_ = false;
  std::list<Node> lru_;  // most recently used first
  // Keys view the path strings held by lru_ nodes (list nodes never move).
  std::unordered_map<std::string_view, std::list<Node>::iterator> index_;
  ResolveCacheStats stats_;
};

}  // namespace alder::store
