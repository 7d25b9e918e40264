#include "txn/env_state.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

namespace alder::txn {

void SnapshotCell::store(const Meta& m) {
  uint64_t w[kWords];
  std::memcpy(w, &m, sizeof m);
  words_.store(w);
}

void SnapshotCell::load(Meta* out) const {
  uint64_t w[kWords];
  if (!words_.ever_stored()) {  // before open publishes: no reader exists yet
    *out = Meta{};
    return;
  }
  while (!words_.load(w, 64)) {
  }
  std::memcpy(out, w, sizeof *out);
}

Meta SnapshotCell::load() const {
  Meta m;
  load(&m);
  return m;
}

void EnvState::sync_file() {
  const uint64_t token = meta_bounds.before_sync();
  file.datasync();
  meta_bounds.synced(token);
}

EnvState::Published EnvState::published() const {
  std::lock_guard lk(published_mu_);
  return published_;
}

void EnvState::publish(const Meta& m, const std::vector<uint64_t>& inline_free) {
  {
    std::lock_guard lk(published_mu_);
    published_ = {m, std::make_shared<const std::vector<uint64_t>>(inline_free)};
  }
  snapshot.store(m);
  current_txnid.store(m.txnid);
}

std::vector<uint64_t> EnvState::reader_snapshots() {
  std::vector<uint64_t> out = readers.snapshots();
  if (shared) {
    std::vector<uint64_t> more = shared->snapshots();  // fences first (see shared_readers.h)
    out.insert(out.end(), more.begin(), more.end());
    std::sort(out.begin(), out.end());
  }
  return out;
}

Meta EnvState::newest_shared() {
  std::lock_guard lk(refresh_mu_);
  std::vector<uint8_t> copy(page_size);
  for (int attempt = 0;; attempt++) {
    const uint64_t cur = shared->current_txnid();
    Meta mine = snapshot.load();
    if (cur == 0 || cur == mine.txnid) return mine;
    for (int slot = 0; slot < 2; slot++) {
      // A private copy: the writer may be rewriting the slot as we read.
      std::memcpy(copy.data(), map.data() + uint64_t(slot) * page_size, page_size);
      MetaProblem p;
      std::vector<uint64_t> words;
      Meta m = decode_meta(copy.data(), copy.size(), &p, &words);
      if (p != MetaProblem::none || m.txnid != cur || m.page_size != page_size) continue;
      if (m.npages > max_pages)
        throw Error(ErrorCode::map_full,
                    path + ": the file grew past this env's max_size; reopen it with a larger one");
      publish(m, words);
      return m;
    }
    // No slot holds `cur`: a newer commit is rewriting it (retry), or a
    // writer that crashed published an id whose meta never landed (no
    // writer holds the file: keep this env's snapshot).
    if (attempt >= 64 && !file.locked_by_writer()) return mine;
    if (attempt >= 16) std::this_thread::sleep_for(std::chrono::microseconds(50));
    else std::this_thread::yield();
  }
}

}  // namespace alder::txn
