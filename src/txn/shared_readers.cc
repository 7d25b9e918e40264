#include "txn/shared_readers.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "alder/alder.hpp"

namespace alder::txn {

namespace {
constexpr uint64_t kLockMagic = 0x316b6c7265646c61ull;  // "alderlk1"
constexpr uint64_t kLockVersion = 1;
constexpr uint64_t kFileSize = 64 * 1024;
// The first 4 bytes of a lock file real LMDB has set up (its lock-region
// magic, little-endian here): how the file looks after real LMDB opened it
// with MDB_NOSUBDIR while nobody held it.
constexpr uint32_t kLmdbLockMagic = 0xBEEFC0DEu;
// How long open waits for a holder of an exclusive lock on byte 0 (a real
// LMDB in the middle of mdb_env_open holds one for milliseconds).
constexpr auto kClaimWait = std::chrono::seconds(2);
}  // namespace

void SharedReaders::claim(const std::string& path) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + kClaimWait;
  std::minstd_rand jitter{static_cast<uint32_t>(::getpid())};
  for (;;) {
    const io::File::RecordLock got = file_.try_lock_byte0(false);
    if (got == io::File::RecordLock::unsupported) return;  // nobody can hold one either
    if (got == io::File::RecordLock::held) {
      uint32_t head = 0;
      if (file_.pread(&head, sizeof head, 0) < sizeof head || head != kLmdbLockMagic) return;
      // Real LMDB took the file as its own while no env held it. Nobody
      // else holding byte 0 (exclusive lock granted) means no alder env and
      // no LMDB env has it open: start it afresh, as alder's.
      file_.unlock_byte0();
      if (file_.try_lock_byte0(true) == io::File::RecordLock::held) {
        file_.truncate(0);
        file_.try_lock_byte0(false);  // converts in place: cannot conflict
        return;
      }
    }
    if (Clock::now() >= deadline)
      throw Error(ErrorCode::locked,
                  path + ": another program holds the lock file exclusively, or holds it " +
                      "with real LMDB's header in it (not an alder lock file)");
    std::this_thread::sleep_for(std::chrono::microseconds(500 + jitter() % 1000));
  }
}

std::unique_ptr<SharedReaders> SharedReaders::open(const std::string& path, unsigned mode) {
  std::unique_ptr<SharedReaders> r(new SharedReaders());
  r->file_.open_or_create(path, mode);
  r->claim(path);
  if (r->file_.size() < kFileSize) r->file_.truncate(kFileSize);  // zeros: all slots free
  r->map_.map(r->file_.fd(), kFileSize, kFileSize, true, false);
  auto* h = reinterpret_cast<Header*>(r->map_.writable_data());
  static_assert(sizeof(Header) == 64);
  uint64_t expect = 0;
  if (!h->magic.compare_exchange_strong(expect, kLockMagic) && expect != kLockMagic)
    throw Error(ErrorCode::not_alder_file, path + ": not an alder lock file");
  if (expect == 0) {
    h->version.store(kLockVersion);
    h->slots.store(kSlots);
  } else if (uint64_t v = h->version.load(); v != 0 && v != kLockVersion) {
    throw Error(ErrorCode::version_mismatch,
                path + ": lock file version " + std::to_string(v) + " is not " +
                    std::to_string(kLockVersion));
  }
  r->header_ = h;
  r->slots_ = reinterpret_cast<Slot*>(r->map_.writable_data() + sizeof(Header));
  static_assert(sizeof(Header) + kSlots * sizeof(Slot) <= kFileSize);
  return r;
}

SharedReaders::~SharedReaders() = default;  // the mapping and the file close

uint32_t SharedReaders::acquire(uint64_t txnid) {
  const uint32_t pid = uint32_t(::getpid());  // at each call: a forked child is another owner
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) snapshots();  // full: perhaps of crashed readers, whose slots this clears
    for (uint32_t i = 0; i < kSlots; i++) {
      Slot& s = slots_[i];
      uint32_t expect = 0;
      if (s.pid.load() == 0 && s.pid.compare_exchange_strong(expect, pid)) {
        uint64_t used = header_->used.load();
        while (used < i + 1 && !header_->used.compare_exchange_weak(used, i + 1)) {
        }
        update(i, txnid);
        return i;
      }
    }
  }
  throw Error(ErrorCode::busy, "reader table in the lock file is full (" +
                                   std::to_string(kSlots) + " readers)");
}

void SharedReaders::update(uint32_t slot, uint64_t txnid) {
  slots_[slot].txnid1.store(txnid + 1);
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void SharedReaders::release(uint32_t slot) {
  slots_[slot].txnid1.store(0);
  slots_[slot].pid.store(0);
}

bool SharedReaders::alive(uint32_t pid) {
  return ::kill(pid_t(pid), 0) == 0 || errno != ESRCH;
}

std::vector<uint64_t> SharedReaders::snapshots() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  std::vector<uint64_t> out;
  const uint64_t used = std::min<uint64_t>(header_->used.load(), kSlots);
  for (uint32_t i = 0; i < used; i++) {
    Slot& s = slots_[i];
    uint32_t pid = s.pid.load();
    if (pid == 0) continue;
    uint64_t t = s.txnid1.load();
    if (!alive(pid)) {
      free_dead(s, pid, t);  // a crashed reader
      continue;
    }
    if (t) out.push_back(t - 1);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool SharedReaders::free_dead(Slot& s, uint32_t pid, uint64_t t) {
  // The dead process cannot write its slot and nobody else can claim it
  // while its pid is there; of racing callers, one frees it.
  return s.txnid1.compare_exchange_strong(t, 0) && s.pid.compare_exchange_strong(pid, 0);
}

uint32_t SharedReaders::clear_dead() {
  uint32_t n = 0;
  const uint64_t used = std::min<uint64_t>(header_->used.load(), kSlots);
  for (uint32_t i = 0; i < used; i++) {
    Slot& s = slots_[i];
    const uint32_t pid = s.pid.load();
    if (pid != 0 && !alive(pid)) n += free_dead(s, pid, s.txnid1.load());
  }
  return n;
}

void SharedReaders::park(uint32_t slot) { slots_[slot].txnid1.store(0); }

std::vector<std::pair<uint32_t, uint64_t>> SharedReaders::readers() {
  std::vector<std::pair<uint32_t, uint64_t>> out;
  const uint64_t used = std::min<uint64_t>(header_->used.load(), kSlots);
  for (uint32_t i = 0; i < used; i++) {
    const uint32_t pid = slots_[i].pid.load();
    const uint64_t t = slots_[i].txnid1.load();
    if (pid != 0 && t != 0 && alive(pid)) out.push_back({pid, t - 1});
  }
  return out;
}

uint32_t SharedReaders::count() {
  uint32_t n = 0;
  const uint64_t used = std::min<uint64_t>(header_->used.load(), kSlots);
  for (uint32_t i = 0; i < used; i++) n += slots_[i].pid.load() != 0;
  return n;
}

uint64_t SharedReaders::current_txnid() const { return header_->current.load(); }

void SharedReaders::publish_txnid(uint64_t txnid) { header_->current.store(txnid); }

}  // namespace alder::txn
