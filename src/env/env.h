// The env layer: opening (with recovery), closing, stats and verify, plus
// the objects behind the public handles (alder::Env, Txn, Cursor).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "alder/alder.hpp"
#include "btree/cursor.h"
#include "txn/env_state.h"
#include "txn/txn.h"

namespace alder::detail {

class EnvImpl {
 public:
  /// See alder::Env::open. `hook` (tests only, io/fault.h) sees every I/O
  /// call of the env and must outlive it; nullptr for none.
  static std::shared_ptr<EnvImpl> open(const std::string& path, const EnvOptions& o,
                                       io::FaultHook* hook = nullptr);
  ~EnvImpl();

  txn::EnvState& state() { return *st_; }
  void check_open() const;
  /// Syncs (read-write envs), trims the file to its used pages and closes.
  /// Throws busy while txns are live.
  void close();
  EnvStat stat();
  VerifyResult verify();
  /// See alder::Env::readers (env/readers.cc).
  std::vector<ReaderInfo> readers();
  /// See alder::Env::clear_stale_readers (env/readers.cc).
  std::size_t clear_stale_readers();
  /// Runs f(txn, inline_free_words) on a read txn of the latest commit and
  /// that commit's inline freelist words (one published pair: see
  /// EnvState::published); verify() and copy() need both.
  template <class F>
  auto with_snapshot(F&& f) {
    txn::Txn t(*st_, true);  // pins the snapshot while f runs
    return f(t, t.inline_words());
  }
  /// See alder::Env::compact (env/compact.cc).
  uint64_t compact();
  /// See alder::Env::copy (env/copy.cc).
  void copy(const std::string& dst, const std::function<void(uint64_t, uint64_t)>& progress);
  /// See alder::Env::set_slow_reader (env/readers.cc).
  void set_slow_reader(uint64_t pages, std::function<void(const ReaderInfo&)> fn,
                       uint32_t every_ms);
  /// After a write txn's commit, with no lock held: the slow-reader check,
  /// when one is set and due. Never throws.
  void after_commit() noexcept {
    if (slow_on_.load(std::memory_order_relaxed)) check_slow_readers();
  }

 private:
  void release() noexcept;  // marks closed, unmaps, closes the file
  void check_slow_readers() noexcept;
  std::unique_ptr<txn::EnvState> st_;

  // The slow-reader watch (guarded by slow_mu_; slow_on_ mirrors whether
  // one is set, for after_commit()'s one load).
  std::mutex slow_mu_;
  std::atomic<bool> slow_on_{false};
  bool slow_checking_ = false;
  uint64_t slow_pages_ = 0;
  uint32_t slow_every_ms_ = 0;
  std::shared_ptr<const std::function<void(const ReaderInfo&)>> slow_fn_;
  // The last check, none yet after set_slow_reader: the clock's epoch is the
  // boot, so a default time_point would throttle the first check on a
  // machine up for less than the interval.
  std::optional<std::chrono::steady_clock::time_point> slow_last_;
};

class TxnImpl {
 public:
  /// A read txn.
  explicit TxnImpl(std::shared_ptr<EnvImpl> e) : env(std::move(e)), core(env->state()) {}
  /// The write txn, holding the writer lock.
  TxnImpl(std::shared_ptr<EnvImpl> e, txn::Writer::Guard writer)
      : env(std::move(e)), core(env->state(), std::move(writer)) {}
  std::shared_ptr<EnvImpl> env;  // keeps the env open while the txn lives
  txn::Txn core;
};

class CursorImpl {
 public:
  CursorImpl(txn::Txn& t, Dbi d)
      : txn(&t), dbi(d), cur(t.pager(), *t.tree_ref(d)), gen(t.write_gen()),
        snap(t.snapshot_gen()) {}
  /// In a write txn, re-seeks when the txn wrote since the last move;
  /// returns whether the cursor had to move to stay on a live key.
  void revalidate(bool* was_valid, bool* on_same_key);
  txn::Txn* txn;
  Dbi dbi;
  btree::TreeCursor cur;
  uint64_t gen;
  uint64_t snap;  // the txn's snapshot_gen() when opened: renew() ends the cursor
  /// The current entry's value, decompressed when stored compressed (into
  /// `value_buf`, kept while the cursor stays on the entry).
  std::string_view value();
  uint64_t moves = 0;       // bumped whenever the cursor may have moved
  uint64_t buf_moves = ~uint64_t{0};  // `moves` when value_buf was filled
  std::string value_buf;
};

/// Full structural and checksum walk of the snapshot meta sees. With
/// base > 0 (recovery), only pages written by txns after base are visited.
VerifyResult walk_meta(const txn::Meta& meta, const std::vector<uint64_t>& inline_free,
                       const uint8_t* map, uint32_t page_size, uint64_t base);

}  // namespace alder::detail
