// A bounded LRU cache of resolutions: normalised path -> resolved path.
//
// Every entry belongs to one link generation (a counter stored in the db and
// bumped by each commit that adds, replaces or removes a link). A lookup or
// insert for generation g only uses the cache when it holds generation g; a
// newer g empties it first. So an answer computed under one set of links is
// never returned under another: the cache cannot be stale. Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

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
  explicit ResolveCache(std::size_t capacity);

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

  /// The filter's bit for a path hash.
  std::size_t filter_bit(std::size_t hash) const noexcept { return hash & (filter_bits_ - 1); }
  void filter_set(std::size_t hash) noexcept;
  /// Clears the filter and sets the bits of the paths held now. Caller
  /// holds mu_.
  void filter_rebuild() noexcept;

  using Node = std::pair<std::string, CachedResolution>;  // path, resolution
  mutable std::mutex mu_;
  // A one-hash Bloom filter of the paths held (16 bits per entry): a get
  // whose bit is clear is a miss without taking mu_. Only ever a hint: a
  // bit is set after its entry is inserted, and a clear bit (a race with a
  // rebuild, or a path never held) only makes a lookup miss, which the
  // walk answers correctly anyway; so the filter cannot make an answer
  // stale. Evicted paths leave their bits set until the next rebuild, done
  // after every `capacity_` evictions and whenever the cache is emptied.
  std::size_t filter_bits_ = 64;
  std::vector<std::atomic<std::uint64_t>> filter_;
  std::size_t evictions_since_rebuild_ = 0;
  std::atomic<std::uint64_t> filtered_misses_{0};
  std::size_t capacity_;
  std::uint64_t gen_ = 0;
  bool has_gen_ = false;
  std::list<Node> lru_;  // most recently used first
  // Keys view the path strings held by lru_ nodes (list nodes never move).
  std::unordered_map<std::string_view, std::list<Node>::iterator> index_;
  ResolveCacheStats stats_;
};

}  // namespace alder::store
