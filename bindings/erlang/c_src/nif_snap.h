// Cached read snapshots: each thread that reads through the NIF keeps one
// PathStore::Snapshot per env, reused across calls while no commit has
// happened and renewed (one begin_read) when one has.
//
// Freshness: EnvRes::commits is bumped after every write that went through
// the writer gate (nif_res.cc, leave_short / leave_long: every one-shot
// write, write txn and batch, after its commit) and by reset. A read loads
// it first and renews its snapshot when it differs from the value loaded
// when the snapshot was taken. So a read sees every write that returned
// before the read started, from any process: the bump happens before the
// writing NIF call returns, and the reader's new snapshot begins after it
// saw the bump. An env opened read_only may be written by another OS
// process, which bumps nothing here: its reads never use the cache.
//
// Pinning: a live snapshot keeps the pages of its state from being reused.
// After each bump the writer ends every cached snapshot that is stale and
// not in use (try_lock), so write-only periods do not grow the file.
//
// Locks: a slot's mutex is only ever try-locked by readers and by
// drop_stale (never waited for); clear() runs with EnvRes::mu held
// exclusively, when no reader is inside.
#pragma once

#include <alder/path_store.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>

namespace alder_nif {

struct SnapSlot {
  std::mutex mu;
  std::optional<alder::PathStore::Snapshot> snap;
  std::uint64_t gen = 0;  ///< EnvRes::commits when snap was taken
};

class SnapCache {
 public:
  static constexpr unsigned kSlots = 64;

  /// The slot of the calling thread (threads beyond kSlots share slots;
  /// a reader that finds its slot busy reads from a fresh snapshot).
  SnapSlot& slot_for_this_thread();
  /// Ends every slot's snapshot that was taken before generation gen and
  /// is not in use. Never blocks, never throws.
  void drop_stale(std::uint64_t gen) noexcept;
  /// Ends every snapshot. Caller holds EnvRes::mu exclusively.
  void clear() noexcept;

 private:
  SnapSlot slots_[kSlots];
};

/// The calling thread's slot index (assigned on first use).
unsigned this_thread_slot();

/// Runs f(snapshot) on the calling thread's cached snapshot of store,
/// renewed when commits has moved since it was taken; on a fresh snapshot
/// when caching is off (read_only env) or the slot is in use. The caller
/// holds EnvRes::mu (shared).
template <class F>
auto with_snapshot(alder::PathStore& store, SnapCache& cache, const std::atomic<std::uint64_t>& commits,
                   bool cache_on, F&& f) {
  if (cache_on) {
    SnapSlot& slot = cache.slot_for_this_thread();
    std::unique_lock<std::mutex> lk(slot.mu, std::try_to_lock);
    if (lk.owns_lock()) {
      const std::uint64_t gen = commits.load(std::memory_order_acquire);
      if (!slot.snap || slot.gen != gen) {
        slot.snap.reset();
        slot.snap.emplace(store.snapshot());  // begins after gen was loaded
        slot.gen = gen;
      }
      return f(*slot.snap);
    }
  }
  alder::PathStore::Snapshot fresh = store.snapshot();
  return f(fresh);
}

}  // namespace alder_nif
