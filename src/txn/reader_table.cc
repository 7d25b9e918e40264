#include "txn/reader_table.h"

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <thread>

#include "alder/alder.hpp"

namespace alder::txn {

ReaderTable::ReaderTable() {
  for (auto& c : chunks_) c.store(nullptr, std::memory_order_relaxed);
}

ReaderTable::~ReaderTable() {
  for (auto& c : chunks_) delete c.load(std::memory_order_relaxed);
}

uint32_t ReaderTable::acquire(uint64_t txnid) {
  // Start where this thread last found room, to spread threads over slots.
  thread_local uint32_t hint = uint32_t(
      std::hash<std::thread::id>{}(std::this_thread::get_id()) % 64);
  for (;;) {
    uint32_t n = nchunks_.load();
    uint32_t total = n * 64;
    for (uint32_t k = 0; k < total; k++) {
      uint32_t i = (hint + k) % total;
      Slot& s = chunks_[i / 64].load()->slots[i % 64];
      uint64_t expect = 0;
      if (s.v.load() == 0 && s.v.compare_exchange_strong(expect, kParked)) {
        stamp(s);
        s.v.store(txnid + 1);
        hint = i;
        return i;
      }
    }
    // Full: add a chunk (whoever wins the CAS on the count installs it).
    if (n == kMaxChunks)
      throw Error(ErrorCode::busy, "too many concurrent read transactions");
    Chunk* fresh = new Chunk();
    Chunk* expect = nullptr;
    if (!chunks_[n].compare_exchange_strong(expect, fresh)) delete fresh;
    uint32_t want = n;
    nchunks_.compare_exchange_strong(want, n + 1);
  }
}

void ReaderTable::stamp(Slot& s) {
  // gettid is a system call: once per thread (a read txn begins in ~100 ns).
  thread_local const uint64_t tid = uint64_t(::syscall(SYS_gettid));
  s.tid.store(tid, std::memory_order_relaxed);
  s.since.store(coarse_now_ns(), std::memory_order_relaxed);
}

int64_t ReaderTable::coarse_now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void ReaderTable::update(uint32_t slot, uint64_t txnid) {
  Slot& s = chunks_[slot / 64].load()->slots[slot % 64];
  if (s.v.load() == kParked) stamp(s);  // renewed: a new snapshot from now
  s.v.store(txnid + 1);
}

void ReaderTable::park(uint32_t slot) { chunks_[slot / 64].load()->slots[slot % 64].v.store(kParked); }

void ReaderTable::release(uint32_t slot) {
  chunks_[slot / 64].load()->slots[slot % 64].v.store(0);
}

std::vector<uint64_t> ReaderTable::snapshots() const {
  std::vector<uint64_t> out;
  uint32_t n = nchunks_.load();
  for (uint32_t c = 0; c < n; c++)
    for (const Slot& s : chunks_[c].load()->slots)
      if (uint64_t v = s.v.load(); v && v != kParked) out.push_back(v - 1);
  std::sort(out.begin(), out.end());
  return out;
}

uint32_t ReaderTable::count() const {
  uint32_t live = 0, n = nchunks_.load();
  for (uint32_t c = 0; c < n; c++)
    for (const Slot& s : chunks_[c].load()->slots) {
      const uint64_t v = s.v.load();
      live += v != 0 && v != kParked;
    }
  return live;
}

std::vector<ReaderTable::Reader> ReaderTable::readers() const {
  std::vector<Reader> out;
  uint32_t n = nchunks_.load();
  for (uint32_t c = 0; c < n; c++)
    for (const Slot& s : chunks_[c].load()->slots) {
      const uint64_t v = s.v.load();
      if (v == 0 || v == kParked) continue;
      out.push_back({v - 1, s.tid.load(std::memory_order_relaxed),
                     s.since.load(std::memory_order_relaxed)});
    }
  return out;
}

}  // namespace alder::txn
