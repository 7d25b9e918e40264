#include <algorithm>
// Env::compact(): shrinking the file all at once, online (src/txn/shrink.h
// has the mechanism; commits do the same a little at a time).
#include "env/env.h"
#include "txn/txn.h"

namespace alder::detail {

namespace {
// Pages one compacting txn moves: its commit writes about twice as many
// (the moved pages and the parents they are reached through), ~10 ms of
// writing on this project's test disk, which is how long another writer
// may wait for it.
constexpr uint64_t kCompactBudget = 1024;
}  // namespace

uint64_t EnvImpl::compact() {
  check_open();
  txn::EnvState& s = *st_;
  // A page freed by one txn is reusable (and so can be trimmed) only by a
  // later one, after a sync: so rounds go on until one neither moves a page
  // nor lowers the high-water mark.
  uint64_t last = UINT64_MAX, best = UINT64_MAX;
  int stale = 0;  // rounds since the high-water mark last fell
  for (int round = 0; round < 100000; round++) {
    uint64_t moved, npages;
    {
      txn::Txn t(s, s.writer.lock());
      moved = t.shrink(kCompactBudget, true);
      t.commit();
      npages = s.snapshot.load().npages;
    }
    txn::sync_env(s);
    if (moved == 0 && npages >= last) break;
    // A reader or the freelist's own pages can keep a few pages moving
    // without the file getting shorter: stop after 32 such rounds.
    stale = npages < best ? 0 : stale + 1;
    if (stale >= 32) break;
    best = std::min(best, npages);
    last = npages;
  }
  // Both meta slots now name the final page count (the last two rounds
  // agree): cut the file there whatever the threshold.
  txn::Writer::Guard w = s.writer.lock();
  txn::trim_file(s, *w, w->last.npages, true);
  return w->file_size;
}

}  // namespace alder::detail
