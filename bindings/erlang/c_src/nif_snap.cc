// Cached read snapshots (nif_snap.h).
#include "nif_snap.h"

#include <algorithm>

namespace alder_nif {

namespace {
std::atomic<unsigned> g_next_slot{0};
}  // namespace

unsigned this_thread_slot() {
  thread_local const unsigned slot = g_next_slot.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

SnapSlot& SnapCache::slot_for_this_thread() { return slots_[this_thread_slot() % kSlots]; }

void SnapCache::drop_stale(std::uint64_t gen) noexcept {
  const unsigned used = std::min(g_next_slot.load(std::memory_order_relaxed), kSlots);
  for (unsigned i = 0; i < used; ++i) {
    SnapSlot& s = slots_[i];
    std::unique_lock<std::mutex> lk(s.mu, std::try_to_lock);
    if (lk.owns_lock() && s.snap && s.gen != gen) s.snap.reset();
  }
}

void SnapCache::clear() noexcept {
  for (SnapSlot& s : slots_) {
    std::lock_guard<std::mutex> lk(s.mu);
    s.snap.reset();
  }
}

}  // namespace alder_nif
