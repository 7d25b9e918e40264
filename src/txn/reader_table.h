// The reader table: which snapshot each live read txn holds, so the writer
// never reuses a page some reader can still reach (LMDB's reader table,
// in-process for now; a shared-memory table for multi-process readers would
// sit behind this same interface).
//
// Lock-free: slots are cache-line-sized atomics in chunks of 64, chunks are
// added on demand and never freed while the env lives. A slot holds
// snapshot txnid + 1, or 0 when free.
//
// Registration protocol (as LMDB's mdb_txn_renew0): a reader stores its
// snapshot id in a slot, then re-reads the env's current txn id; if that
// changed it retries with the newer snapshot. All operations are seq_cst, so
// a writer that scanned the table before the store must have published its
// commit before the reader's re-read, and the reader then retries.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace alder::txn {

class ReaderTable {
 public:
  ReaderTable();
  ~ReaderTable();
  ReaderTable(const ReaderTable&) = delete;
  ReaderTable& operator=(const ReaderTable&) = delete;

  /// Claims a free slot for snapshot txnid; returns its index.
  uint32_t acquire(uint64_t txnid);
  void update(uint32_t slot, uint64_t txnid);
  /// Keeps the slot but holds no snapshot (a reset read txn: LMDB's
  /// mdb_txn_reset); update() gives it one again.
  void park(uint32_t slot);
  void release(uint32_t slot);
  /// Snapshot ids held by readers now, sorted, duplicates kept.
  std::vector<uint64_t> snapshots() const;
  /// Number of live readers holding a snapshot (a racy count, for stats).
  uint32_t count() const;

  /// One reader holding a snapshot, for Env::readers().
  struct Reader {
    uint64_t txnid;
    uint64_t thread;    ///< gettid() of the thread that took the snapshot
    int64_t since_ns;   ///< coarse_now_ns() when it was taken
  };
  /// CLOCK_MONOTONIC_COARSE in ns: the clock of Reader::since_ns. Coarse
  /// (one timer tick, a few ms) because every read txn stamps its slot,
  /// and the precise clock cost 8% of an empty read txn's begin and end;
  /// a reader's age is reported to the tick. Never ahead of steady_clock.
  static int64_t coarse_now_ns();
  std::vector<Reader> readers() const;  ///< racy: a reader may end meanwhile

 private:
  static constexpr uint64_t kParked = ~uint64_t{0};
  // v: snapshot txnid + 1, 0 when free, kParked when reset. tid/since are
  // stored before v (they describe the snapshot v names).
  struct alignas(64) Slot {
    std::atomic<uint64_t> v{0};
    std::atomic<uint64_t> tid{0};
    std::atomic<int64_t> since{0};
  };
  static void stamp(Slot& s);
  struct Chunk {
    Slot slots[64];
  };
  static constexpr uint32_t kMaxChunks = 4096;  // 262,144 readers
  std::atomic<Chunk*> chunks_[kMaxChunks];
  std::atomic<uint32_t> nchunks_{0};
};

}  // namespace alder::txn
