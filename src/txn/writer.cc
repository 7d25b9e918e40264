#include "txn/writer.h"

#include <algorithm>
#include <cstring>

#include "txn/env_state.h"
#include "util/check.h"

namespace alder::txn {

Writer::Guard Writer::lock(bool first) {
  std::unique_lock lk(mu_);
  if (first) {
    first_waiting_++;
    first_cv_.wait(lk, [&] { return !active_; });
    first_waiting_--;
  } else {
    cv_.wait(lk, [&] { return !active_ && first_waiting_ == 0; });
  }
  active_ = true;
  return Guard(this);
}

std::optional<Writer::Guard> Writer::try_lock() {
  std::lock_guard lk(mu_);
  if (active_ || first_waiting_ > 0) return std::nullopt;
  active_ = true;
  return Guard(this);
}

void Writer::unlock() {
  bool first;
  {
    std::lock_guard lk(mu_);
    ALDER_DCHECK(active_);
    active_ = false;
    first = first_waiting_ > 0;
  }
  if (first)
    first_cv_.notify_one();
  else
    cv_.notify_one();
}

void ensure_pages(EnvState& env, WriterState& w, uint64_t pages) {
  const uint64_t need = pages * uint64_t(env.page_size);
  if (w.file_size >= need) return;
  uint64_t step = std::max<uint64_t>(1 << 20, w.file_size / 8);
  uint64_t target =
      std::min(std::max(need, w.file_size + step), env.max_pages * uint64_t(env.page_size));
  target = (target + env.page_size - 1) / env.page_size * env.page_size;
  try {
    env.file.grow(target);
  } catch (const Error& e) {
    // On a nearly full disk the step may not fit where the pages needed do.
    if (e.code() != ErrorCode::no_space || target == need) throw;
    target = need;
    env.file.grow(target);
  }
  w.file_size = target;
}

uint64_t autosync_limit(const EnvState& env, uint64_t npages) {
  return env.autosync_bytes ? env.autosync_bytes
                            : std::max<uint64_t>(1 << 20, npages * env.page_size / 8);
}

void sync_committed(EnvState& env, WriterState& w) {
  if (env.writer.failed.load())
    throw Error(ErrorCode::env_failed, "an earlier write failed; reopen the env");
  ALDER_DCHECK(env.durability != Durability::sync);
  env.sync_file();
  env.group.synced(w.last.txnid, w.last_slot);
  w.held_pages = 0;
  // Every meta a recovery could pick is durable now: the file may get
  // shorter (src/txn/shrink.h).
  trim_file(env, w, w.last.npages, false);
}

void sync_env(EnvState& env, uint64_t upto) {
  if (env.durability == Durability::sync) {
    if (env.writer.failed.load())
      throw Error(ErrorCode::env_failed, "an earlier write failed; reopen the env");
    env.group.wait(env, std::min(upto, env.group.state().head));
    return;
  }
  Writer::Guard g = env.writer.lock();
  sync_committed(env, *g);
}

void write_meta(EnvState& env, int slot, const Meta& meta, const std::vector<uint64_t>& words,
                bool keep_old, MetaWrite* mw) {
  const uint64_t off = uint64_t(slot) * env.page_size;
  if (keep_old) mw->before.assign(env.map.data() + off, env.map.data() + off + env.page_size);
  mw->page.resize(env.page_size);
  encode_meta(meta, words, mw->page.data(), env.page_size);
  env.meta_bounds.written(meta.npages);  // before: a failed write may still land
  env.file.pwrite(mw->page.data(), mw->page.size(), off);
}

void restore_meta(EnvState& env, int slot, const MetaWrite& mw) {
  ALDER_DCHECK(env.meta_map.writable_data() != nullptr);  // mapped for writable envs
  ALDER_DCHECK(mw.before.size() == env.page_size);
  std::memcpy(env.meta_map.writable_data() + uint64_t(slot) * env.page_size, mw.before.data(),
              mw.before.size());
}

void commit_meta(EnvState& env, WriterState& w, Meta& meta, std::vector<uint64_t> inline_free,
                 uint64_t held_by_sync, const WrittenPages& written) {
  ALDER_DCHECK(env.durability != Durability::sync);  // GroupCommit's flush
  if (env.durability == Durability::no_meta_sync) {
    env.sync_file();  // this commit's pages and the previous meta
    env.group.synced(w.last.txnid, w.last_slot);
    w.held_pages = 0;
  }
  // Auto-sync: bound the pages an unsynced env holds back (EnvOptions).
  w.held_pages += held_by_sync;
  const bool synced_commit = w.held_pages > autosync_limit(env, meta.npages) / env.page_size;
  const GroupCommit::State synced = env.group.state();
  const int slot = 1 - synced.slot;
  // Without a sync, every commit rewrites this slot, which then holds the
  // only copy of the newest acknowledged commit (write_meta's one pwrite
  // keeps it whole). With a sync, the slot's old meta is kept: if the sync
  // fails, the commit has failed, and the slot gets it back.
  meta.synced_base = synced.durable;
  write_meta(env, slot, meta, inline_free, synced_commit, &w.meta_write);
  if (synced_commit) {
    try {
      env.sync_file();
    } catch (...) {
      restore_meta(env, slot, w.meta_write);
      throw;
    }
  } else if (w.flusher) {
    w.flusher->wrote((written.pages + 1) * uint64_t(env.page_size));
  }
  env.publish(meta, inline_free);
  w.last = meta;
  w.last_inline = std::move(inline_free);
  w.last_slot = slot;
  if (env.shared) env.shared->publish_txnid(meta.txnid);  // for other processes' readers
  env.group.committed(meta.txnid);
  if (synced_commit) {
    env.group.synced(meta.txnid, slot);
    w.held_pages = 0;
  }
}

}  // namespace alder::txn
