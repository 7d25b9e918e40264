#include "txn/group_commit.h"

#include <cstring>

#include "txn/env_state.h"
#include "txn/page_writer.h"
#include "util/check.h"

namespace alder::txn {

GroupCommit::~GroupCommit() { stop(); }

void GroupCommit::reset(uint64_t txnid, int slot) {
  std::lock_guard lk(mu_);
  st_ = State{txnid, slot, 0, txnid};
  failed_ = false;
  failure_.clear();
}

GroupCommit::State GroupCommit::state() const {
  std::lock_guard lk(mu_);
  return st_;
}

void GroupCommit::synced(uint64_t txnid, int slot) {
  {
    std::lock_guard lk(mu_);
    ALDER_DCHECK(!flushing_ && txnid >= st_.durable);
    st_.durable = txnid;
    st_.slot = slot;
    if (st_.head < txnid) st_.head = txnid;
  }
  cv_.notify_all();
}

void GroupCommit::committed(uint64_t txnid) {
  std::lock_guard lk(mu_);
  ALDER_DCHECK(txnid > st_.head);
  st_.head = txnid;
}

GroupCommit::Figures GroupCommit::figures() const {
  std::lock_guard lk(mu_);
  return figures_;
}

void GroupCommit::wait(EnvState& env, uint64_t txnid) {
  std::unique_lock lk(mu_);
  for (;;) {
    if (st_.durable >= txnid) return;
    if (failed_)
      throw Error(failure_code_,
                  "commit failed while writing the meta page or syncing (a group commit's "
                  "sync); reopen the env: " + failure_);
    if (!flushing_) {
      flushing_ = true;
      lk.unlock();
      flush(env);  // clears flushing_
      lk.lock();
      continue;
    }
    cv_.wait(lk);
  }
}

// One group: the head's meta into the free slot, then one fdatasync.
void GroupCommit::flush(EnvState& env) {
  // Between two txns: the head's pages are all written, and no txn is
  // changing the free space while the in-flight id is set. Before the
  // writers queued: they commit while this syncs, for the next group.
  Writer::Guard w = env.writer.lock(/*first=*/true);
  Meta head = w->last;
  const std::vector<uint64_t> words = w->last_inline;
  int slot;
  {
    std::unique_lock lk(mu_);
    if (env.writer.failed.load()) {
      lk.unlock();
      w.release();
      fail(ErrorCode::env_failed, "an earlier write failed");
      return;
    }
    if (head.txnid <= st_.durable) {  // another flush (or Env::sync) got there
      flushing_ = false;
      lk.unlock();
      cv_.notify_all();
      return;  // w unlocks
    }
    st_.in_flight = head.txnid;
    slot = 1 - st_.slot;
    head.synced_base = st_.durable;
  }
  uint64_t pages = 0;
  bool meta_started = false;  // the slot may have changed: restore it on failure
  try {
    // The pages the group's txns left in the writer's buffers (the union of
    // what they changed), then the head's meta.
    WrittenPages written;
    write_dirty_pages(env.file, *w->dirty, env.page_size, &written);
    pages = written.pages;
    w->dirty->clear();
    w->carried_from = 0;
    meta_started = true;
    write_meta(env, slot, head, words, /*keep_old=*/true, &meta_write_);
    w.release();  // the next writer builds on the head while this syncs
    env.sync_file();
  } catch (const std::exception& e) {
    // What reached the disk is unknown: the slot gets its old meta back and
    // the env refuses further writes.
    if (meta_started) restore_meta(env, slot, meta_write_);
    env.writer.failed.store(true);
    w.release();
    auto* err = dynamic_cast<const Error*>(&e);
    fail(err && err->code() == ErrorCode::no_space ? ErrorCode::no_space : ErrorCode::env_failed,
         e.what());
    return;
  }
  // Publish before another flush can start, so readers see commits in order.
  env.publish(head, words);
  if (env.shared) env.shared->publish_txnid(head.txnid);
  {
    std::lock_guard lk(mu_);
    figures_.covered += head.txnid - st_.durable;
    figures_.flushes++;
    figures_.pages += pages;
    st_.durable = head.txnid;
    st_.slot = slot;
    st_.in_flight = 0;
    flushing_ = false;
  }
  cv_.notify_all();
}

void GroupCommit::fail(ErrorCode code, const std::string& why) {
  {
    std::lock_guard lk(mu_);
    failed_ = true;
    failure_ = why;
    failure_code_ = code;
    st_.in_flight = 0;
    flushing_ = false;
  }
  cv_.notify_all();
}

void GroupCommit::kick(EnvState& env) {
  {
    std::lock_guard lk(mu_);
    if (bg_stop_ || st_.durable >= st_.head) return;
    bg_kick_ = true;
    if (!bg_.joinable()) bg_ = std::thread([this, &env] { background(&env); });
  }
  bg_cv_.notify_one();
}

void GroupCommit::background(EnvState* env) {
  std::unique_lock lk(mu_);
  for (;;) {
    bg_cv_.wait(lk, [&] { return bg_kick_ || bg_stop_; });
    if (bg_stop_) return;
    bg_kick_ = false;
    const uint64_t target = st_.head;
    lk.unlock();
    try {
      wait(*env, target);
    } catch (const std::exception&) {
      // The failure is recorded (failed_): the txns' waiters report it.
    }
    lk.lock();
  }
}

void GroupCommit::stop() {
  {
    std::lock_guard lk(mu_);
    bg_stop_ = true;
  }
  bg_cv_.notify_one();
  if (bg_.joinable() && bg_.get_id() != std::this_thread::get_id()) bg_.join();
}

}  // namespace alder::txn
