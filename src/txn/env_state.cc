#include "txn/env_state.h"

namespace alder::txn {

void SnapshotCell::store(const Meta& m) {
  uint64_t w[kWords];
  std::memcpy(w, &m, sizeof m);
  uint64_t s = seq_.load(std::memory_order_relaxed);
  seq_.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (size_t i = 0; i < kWords; i++) words_[i].store(w[i], std::memory_order_relaxed);
  seq_.store(s + 2, std::memory_order_release);
}

Meta SnapshotCell::load() const {
  uint64_t w[kWords];
  for (;;) {
    uint64_t s1 = seq_.load(std::memory_order_acquire);
    if (s1 & 1) continue;
    for (size_t i = 0; i < kWords; i++) w[i] = words_[i].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (seq_.load(std::memory_order_relaxed) == s1) break;
  }
  Meta m;
  std::memcpy(&m, w, sizeof m);
  return m;
}

void EnvState::lock_writer() {
  std::unique_lock lk(writer_mu);
  writer_cv.wait(lk, [&] { return !writer_active; });
  writer_active = true;
}

bool EnvState::try_lock_writer() {
  std::lock_guard lk(writer_mu);
  if (writer_active) return false;
  writer_active = true;
  return true;
}

void EnvState::unlock_writer() {
  {
    std::lock_guard lk(writer_mu);
    writer_active = false;
  }
  writer_cv.notify_one();
}

void EnvState::sync_locked() {
  if (failed.load())
    throw Error(ErrorCode::env_failed, "an earlier write failed; reopen the env");
  if (write_map)
    map.sync(0, last.npages * uint64_t(page_size), false);
  else
    file.datasync();
  synced_txnid = last.txnid;
  synced_slot = last_slot;
  held_pages = 0;
}

void EnvState::publish(const Meta& m, int slot) {
  last = m;
  last_slot = slot;
  snapshot.store(m);
  current_txnid.store(m.txnid);
}

}  // namespace alder::txn
