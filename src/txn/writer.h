// The single writer of an env (LMDB's model: one write txn at a time, readers
// never wait): the writer lock, the state the writer carries from one write
// txn to the next, and the last steps of the commit protocol.
//
// WriterState is reachable only through a Writer::Guard, and a Guard exists
// only while it holds the writer lock, so "touched only by the lock holder"
// is enforced by the types rather than by a comment. The lock is a flag
// with a condition variable, not a mutex held across the txn, because a
// write txn may end on another thread than the one that began it (LMDB's
// MDB_NOTLS behaviour).
//
// The commit protocol, in order (src/txn/txn.cc does 1-3, commit_meta()
// 4-6):
//   1. seal each modified tree (checksums bottom-up into the parents);
//   2. save the free space (FreeSpace::save), seal the catalog and freelist;
//   3. write the dirty pages (src/txn/page_writer.h);
//   4. write the meta into the slot not holding the newest synced meta;
//   5. fdatasync (no_meta_sync syncs before step 4; no_sync only when
//      the autosync bound is passed);
//   6. publish the new meta and its inline freelist to readers
//      (EnvState::publish).
// With Durability::sync, step 3 moves to the group's flush (the pages stay
// in the writer's buffers until then) and steps 4-6 run for the newest
// head only, shared by every txn committed meanwhile (group commit:
// src/txn/group_commit.h); only the page and meta writes hold the lock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "btree/dirty_pages.h"
#include "txn/flusher.h"
#include "txn/freelist.h"
#include "txn/meta.h"
#include "txn/page_writer.h"
#include "txn/shrink.h"

namespace alder::txn {

struct EnvState;

/// The buffers of one meta write: the page written, and the slot's page
/// before it (kept for restore_meta()).
struct MetaWrite {
  std::vector<uint8_t> page, before;
};

/// What the writer carries from one write txn to the next.
struct WriterState {
  Meta last;                          ///< latest committed meta
  std::vector<uint64_t> last_inline;  ///< its inline freelist words
  /// Meta slot (0 or 1) holding `last` (serial modes; with
  /// Durability::sync the head's meta is written by GroupCommit's flush).
  int last_slot = 0;
  uint64_t held_pages = 0;  ///< freed since the last sync, still in its tree
  uint64_t file_size = 0;   ///< bytes
  std::unique_ptr<FreeSpace> free_space;  ///< the free-space manager, serving one txn at a time
  std::unique_ptr<btree::DirtyPages> dirty;  ///< the write txn's page buffers (their pool)
  /// Durability::sync: the oldest committed txn whose pages are still held
  /// in `dirty`, unwritten (the group's flush writes them); 0 when none.
  uint64_t carried_from = 0;
  std::unique_ptr<Flusher> flusher;  ///< no_sync envs: background writeback
  /// Free pages after the last commit that gathered (src/txn/shrink.h), or
  /// the fewest since: the next gathers once 1/8 more are free.
  uint64_t shrink_mark = 0;
  ShrinkState shrink_state = ShrinkState::walking;
  uint64_t shrink_rest_until = 0;  ///< resting: the txn id that gathers again
  MetaWrite meta_write;              ///< commit_meta()'s buffers
};

class Writer {
 public:
  /// Holds the writer lock; move-only; releases it when destroyed.
  class Guard {
   public:
    Guard(Guard&& o) noexcept : w_(o.w_) { o.w_ = nullptr; }
    Guard& operator=(Guard&&) = delete;
    ~Guard() {
      if (w_) w_->unlock();
    }
    /// Releases the lock before the guard's end; the guard is then empty.
    void release() {
      if (w_) w_->unlock();
      w_ = nullptr;
    }
    WriterState* operator->() const { return &w_->state_; }
    WriterState& operator*() const { return w_->state_; }

   private:
    friend class Writer;
    explicit Guard(Writer* w) : w_(w) {}
    Writer* w_;
  };

  /// Waits for the writer lock. `first` (GroupCommit's flush): served
  /// before the plain waiters, so a sync starts as soon as the running txn
  /// ends. (Serving it after the queued writers, so that they join its
  /// group, made groups larger but commits slower: docs/DECISIONS.md,
  /// "Group commit (issue #12)".)
  Guard lock(bool first = false);
  /// The writer lock, or nullopt when another holds it (never waits).
  std::optional<Guard> try_lock();

  /// Set when a meta write or sync failed: what reached the disk is
  /// unknown, so writes are refused until the env is reopened. Read by
  /// anyone (begin_write checks it first).
  std::atomic<bool> failed{false};

 private:
  void unlock();

  std::mutex mu_;
  std::condition_variable cv_, first_cv_;
  bool active_ = false;    // guarded by mu_
  int first_waiting_ = 0;  // guarded by mu_: lock(first = true) callers waiting
  WriterState state_;    // reachable through a Guard only
};

/// Makes the file at least `pages` long, growing in steps of 1/8 of the
/// file (at least 1 MiB) up to max_size, blocks reserved. Throws no_space.
void ensure_pages(EnvState& env, WriterState& w, uint64_t pages);
/// The autosync bound of the no-sync modes in bytes (EnvOptions::
/// autosync_bytes; 0 there: 1/8 of a file of `npages` pages, at least
/// 1 MiB): commit_meta() syncs once the held-back pages pass it.
uint64_t autosync_limit(const EnvState& env, uint64_t npages);
/// Serial modes: makes every committed page and meta durable (Env::sync,
/// close). Throws env_failed after an earlier failure, io_error / no_space.
/// Durability::sync envs wait for GroupCommit instead (sync_env()).
void sync_committed(EnvState& env, WriterState& w);
/// Env::sync(), Env::wait_durable() and close() in every mode: makes every
/// commit up to txn `upto` durable (serial modes: every commit). Must not
/// be called with the writer lock held. Throws as sync_committed.
void sync_env(EnvState& env, uint64_t upto = UINT64_MAX);
/// Step 4: writes `meta` and its inline freelist `words` into meta slot
/// `slot` (0 or 1) with one pwrite of its page, so a kill leaves the slot
/// with the old meta or the new, never a mix. keep_old: first copies the
/// slot's page into mw->before, for restore_meta() if the sync that follows
/// fails. Throws io_error / no_space.
void write_meta(EnvState& env, int slot, const Meta& meta, const std::vector<uint64_t>& words,
                bool keep_old, MetaWrite* mw);
/// After a failed sync: the slot gets back the page write_meta() kept, with
/// a store through EnvState::meta_map (into the page cache, which cannot
/// fail as a pwrite to a failing disk can), so a reopen in this boot does
/// not find the failed commit there.
void restore_meta(EnvState& env, int slot, const MetaWrite& mw);
/// Steps 4-6 of the protocol for the txn whose meta is `meta` (txnid,
/// roots, npages set; synced_base is set here), after its pages were
/// written (`written`). held_by_sync: pages it freed that the synced tree
/// still references. On failure the slot gets its old meta back (through
/// EnvState::meta_map) and the error is thrown; the caller fails the env.
void commit_meta(EnvState& env, WriterState& w, Meta& meta, std::vector<uint64_t> inline_free,
                 uint64_t held_by_sync, const WrittenPages& written);

}  // namespace alder::txn
