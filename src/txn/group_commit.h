// Which commit is durable, and group commit: many durable committers share
// one fdatasync.
//
// In LMDB's model every durable commit syncs while it holds the writer
// lock, so a program with many writing threads gets one commit per
// fdatasync however many threads it has. With Durability::sync alder
// commits in two halves instead (as RocksDB's and WiredTiger's group
// commit do; LMDB, libmdbx and redb do not):
//
//   1. Under the writer lock the txn seals and saves its free space
//      (src/txn/txn.cc), then becomes the writer chain's head
//      (WriterState::last) -- in memory only: its pages stay in the
//      writer's buffers, where the next txns change them in place
//      (src/btree/dirty_pages.h), and its meta is not written -- and
//      releases the writer lock. The next writer builds on it at once.
//   2. Outside the lock it waits (wait()) until a sync covers its txn id.
//      If no sync is running, the waiter runs one (flush()): it takes the
//      writer lock between two txns, reads the head H, writes the buffered
//      pages and then H's meta into the slot that does not hold the durable
//      meta, releases the lock, calls fdatasync, publishes H to readers and
//      wakes every waiter up to H. Meanwhile the next writers commit in
//      memory on top of H, and the next flush covers all of them with one
//      fdatasync.
//
// Why this is safe (docs/DURABILITY.md states it per mode):
//   * H's meta is written after every page of H and of the txns it builds
//     on (the flush writes the buffered pages first; spilled ones were
//     written earlier), so the fdatasync covers the whole tree of H. Metas
//     of the txns between two flushes are never written: H's tree contains
//     them.
//   * Only one sync runs at a time, and the flush writes the slot not
//     holding the durable meta, so a power cut during it leaves the durable
//     meta's slot untouched; recovery falls back to it.
//   * Page reuse protects two trees: the durable one (FreeSpace's rule (b))
//     and the one being synced (`in_flight`), which a write txn treats as a
//     reader's snapshot (src/txn/freelist.h). Trees of heads that no sync
//     has picked are never written as a meta and no reader can see them, so
//     their freed pages may be reused by later txns of the chain.
//   * Readers see only durable commits: the flush publishes H after its
//     fdatasync. A write txn sees the head.
//   * A failed pwrite or fdatasync puts the slot's old meta back, fails the
//     env (Writer::failed), and fails every waiter and every later commit:
//     nothing that was acknowledged is lost, nothing unacknowledged
//     appears on reopen in this boot.
//
// The other modes (no_meta_sync, no_sync) commit serially as before
// (src/txn/writer.h, commit_meta()); they record their syncs here
// (synced()) so that one object owns "what is durable" in every mode.
//
// Thread-safety: every member is safe from any thread; flush() takes the
// writer lock itself, so wait() must not be called by a thread holding it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alder/alder.hpp"
#include "txn/writer.h"

namespace alder::txn {

struct EnvState;

class GroupCommit {
 public:
  struct State {
    uint64_t durable = 0;    ///< newest txn id known durable
    int slot = 0;            ///< meta slot holding it
    uint64_t in_flight = 0;  ///< txn id a running flush is syncing; 0: none
    uint64_t head = 0;       ///< newest committed txn id (durable or not)
  };

  GroupCommit() = default;
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  /// At open: `txnid` in `slot` is durable and the head.
  void reset(uint64_t txnid, int slot);
  State state() const;
  /// A serial-mode sync (writer lock held): `txnid` in `slot` is durable.
  void synced(uint64_t txnid, int slot);
  /// Durability::sync: txn `txnid` became the writer chain's head (writer
  /// lock held; its pages are written).
  void committed(uint64_t txnid);

  /// Blocks until a sync covers `txnid` (a txn id at most the head),
  /// running flushes as needed. Throws env_failed (no_space when the disk
  /// was full) when a sync this txn depended on failed, or the env failed
  /// earlier. Must not be called with the writer lock held.
  void wait(EnvState& env, uint64_t txnid);
  /// Starts a flush of the head on a background thread unless one is
  /// running (for commits that do not wait). Never blocks on I/O.
  void kick(EnvState& env);
  /// Stops and joins the background thread (before the file is closed).
  void stop();

  /// Figures for EnvStat: flushes done, txns they covered, pages written.
  struct Figures {
    uint64_t flushes = 0, covered = 0, pages = 0;
  };
  Figures figures() const;

 private:
  void flush(EnvState& env);  // called by the thread that set flushing_
  void fail(ErrorCode code, const std::string& why);  // records it, wakes all
  void background(EnvState* env);

  mutable std::mutex mu_;
  std::condition_variable cv_;  // durable_, failed_ or flushing_ changed
  State st_;                    // guarded by mu_
  bool flushing_ = false;       // guarded by mu_: a thread is in flush()
  bool failed_ = false;         // guarded by mu_
  std::string failure_;         // guarded by mu_
  ErrorCode failure_code_ = ErrorCode::env_failed;  // guarded by mu_
  Figures figures_;             // guarded by mu_
  MetaWrite meta_write_;        // the flusher's (one flush at a time)

  // Background flushes (kick()).
  std::condition_variable bg_cv_;
  bool bg_kick_ = false, bg_stop_ = false;  // guarded by mu_
  std::thread bg_;
};

}  // namespace alder::txn
