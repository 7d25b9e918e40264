// Env::readers(): who holds which snapshot, and what each one keeps from
// being reused (issue #14's "who holds the space"; LMDB's mdb_reader_list
// lists the first three columns).
//
// pages_held: a freelist record (pages born at B, freed at T) is reusable
// only when no snapshot in [B, T) is pinned (src/txn/freelist.h's rule (a);
// the last synced commit and a group commit's sync in flight pin like
// readers). A record whose only pin in that range is one reader's snapshot
// is what that reader alone keeps alive.
//
// The slow-reader watch (Env::set_slow_reader) runs that walk after a write
// commit, throttled, and names the readers over a bound: libmdbx's
// mdbx_env_set_hsr, as a notification rather than a hook inside the
// allocator (alder's allocator never waits for space: the file grows, so a
// callback under the writer lock would only delay the commit).
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "btree/cursor.h"
#include "env/env.h"
#include "page/records.h"
#include "txn/freelist.h"

namespace alder::detail {

std::vector<ReaderInfo> EnvImpl::readers() {
  check_open();
  txn::EnvState& s = *st_;
  const uint32_t self = uint32_t(::getpid());
  const int64_t now = txn::ReaderTable::coarse_now_ns();
  // Listed before the walk's own read txn registers itself.
  std::vector<ReaderInfo> out;
  for (const auto& r : s.readers.readers())
    out.push_back({self, r.thread, r.txnid, double(now - r.since_ns) / 1e9, 0});
  if (s.shared)
    for (const auto& [pid, txnid] : s.shared->readers()) out.push_back({pid, 0, txnid, -1, 0});
  std::sort(out.begin(), out.end(),
            [](const ReaderInfo& a, const ReaderInfo& b) { return a.txnid < b.txnid; });
  if (out.empty()) return out;

  struct Pin {
    uint64_t txnid;
    int reader;  // index into out, or -1 for the synced / in-flight commit
  };
  std::vector<Pin> pins;
  for (size_t i = 0; i < out.size(); i++) pins.push_back({out[i].txnid, int(i)});
  if (!s.read_only) {
    const txn::GroupCommit::State g = s.group.state();
    pins.push_back({g.durable, -1});
    if (g.in_flight) pins.push_back({g.in_flight, -1});
  }
  std::sort(pins.begin(), pins.end(), [](const Pin& a, const Pin& b) { return a.txnid < b.txnid; });
  auto attribute = [&](uint64_t birth, uint64_t freed_by, uint64_t count) {
    auto lo = std::lower_bound(pins.begin(), pins.end(), birth,
                               [](const Pin& p, uint64_t t) { return p.txnid < t; });
    if (lo == pins.end() || lo->txnid >= freed_by) return;        // no pin in [birth, freed_by)
    if (lo + 1 != pins.end() && (lo + 1)->txnid < freed_by) return;  // more than one
    if (lo->reader >= 0) out[size_t(lo->reader)].pages_held += count;
  };
  with_snapshot([&](txn::Txn& t, const std::vector<uint64_t>& words) {
    for (const txn::InlineRecord& r : txn::decode_inline_free(words))
      attribute(r.birth, r.txnid, r.count);
    btree::TreeCursor cur(t.pager(), t.meta().free);
    for (bool ok = cur.first(); ok; ok = cur.next()) {
      page::FreelistValue rec;
      if (!page::decode_freelist_record(cur.key(), cur.value(), &rec))
        btree::throw_corrupted(t.meta().free.root, "malformed freelist record");
      attribute(rec.birth, page::freelist_key_txnid(cur.key()), rec.count);
    }
    return 0;
  });
  return out;
}

void EnvImpl::set_slow_reader(uint64_t pages, std::function<void(const ReaderInfo&)> fn,
                              uint32_t every_ms) {
  check_open();
  std::lock_guard lk(slow_mu_);
  const bool on = pages > 0 && fn;
  slow_pages_ = pages;
  slow_every_ms_ = every_ms;
  slow_fn_ = on ? std::make_shared<const std::function<void(const ReaderInfo&)>>(std::move(fn))
                : nullptr;
  slow_last_.reset();
  slow_on_.store(on);
}

// The callback runs outside slow_mu_ (it may call set_slow_reader), from a
// copy of the setting taken under it; slow_checking_ keeps the checks of
// concurrent commits (group commit) to one at a time.
void EnvImpl::check_slow_readers() noexcept {
  std::shared_ptr<const std::function<void(const ReaderInfo&)>> fn;
  uint64_t pages;
  {
    std::lock_guard lk(slow_mu_);
    const auto now = std::chrono::steady_clock::now();
    if (!slow_fn_ || slow_checking_ ||
        (slow_last_ && now - *slow_last_ < std::chrono::milliseconds(slow_every_ms_)))
      return;
    slow_checking_ = true;
    slow_last_ = now;
    fn = slow_fn_;
    pages = slow_pages_;
  }
  try {
    for (const ReaderInfo& r : readers())
      if (r.pages_held >= pages) (*fn)(r);
  } catch (...) {
    // The commit has happened; a failing check or callback changes nothing.
  }
  std::lock_guard lk(slow_mu_);
  slow_checking_ = false;
}

std::size_t EnvImpl::clear_stale_readers() {
  check_open();
  return st_->shared ? st_->shared->clear_dead() : 0;
}

}  // namespace alder::detail
