// A sequence lock over a fixed number of 64-bit words (Boehm, "Can seqlocks
// get along with programming language memory models?", MSPC 2012): the
// writer makes the count odd, stores the words, makes it even; a reader
// copies the words and keeps the copy only if it saw the same even count on
// both sides. The words are relaxed atomics, so there is no data race for
// the sanitizers to find. Used for the published meta (SnapshotCell,
// src/txn/env_state.h) and the catalog records of read txns
// (src/txn/catalog_cache.h).
//
// Thread-safety: any number of readers; one writer at a time (the caller
// serialises writers). A reader never blocks a writer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace alder::util {

template <size_t N>
class SeqWords {
 public:
  /// Writer: stores w[0..N).
  void store(const uint64_t* w) {
    const uint64_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    for (size_t i = 0; i < N; i++) words_[i].store(w[i], std::memory_order_relaxed);
    seq_.store(s + 2, std::memory_order_release);
  }
  /// Whether store() was ever called.
  bool ever_stored() const { return seq_.load(std::memory_order_acquire) != 0; }
  /// Reader: copies a whole version into w[0..N); false when nothing was
  /// ever stored, or when `attempts` copies were all torn by a writer.
  bool load(uint64_t* w, int attempts) const {
    for (int a = 0; a < attempts; a++) {
      const uint64_t s1 = seq_.load(std::memory_order_acquire);
      if (s1 == 0) return false;
      if (s1 & 1) continue;
      for (size_t i = 0; i < N; i++) w[i] = words_[i].load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (seq_.load(std::memory_order_relaxed) == s1) return true;
    }
    return false;
  }

 private:
  std::atomic<uint64_t> seq_{0};  // odd: a store is under way; 0: never stored
  std::atomic<uint64_t> words_[N] = {};
};

}  // namespace alder::util
