#include "txn/catalog_cache.h"

#include <cstring>

namespace alder::txn {

bool CatalogCache::find(uint32_t dbi, const page::TreeRef& catalog, Record* out) const {
  if (dbi == 0 || dbi > kCells) return false;
  const Cell& c = cells_[dbi - 1];
  uint64_t w[kWords];
  for (int attempt = 0; attempt < 4; attempt++) {
    const uint64_t s1 = c.seq.load(std::memory_order_acquire);
    if (s1 == 0) return false;
    if (s1 & 1) continue;
    for (size_t i = 0; i < kWords; i++) w[i] = c.words[i].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (c.seq.load(std::memory_order_relaxed) != s1) continue;
    if (w[0] != catalog.root || w[1] != catalog.root_txnid || w[2] != catalog.root_csum)
      return false;
    out->exists = w[3] != 0;
    std::memcpy(static_cast<void*>(&out->ref), w + 4, sizeof out->ref);
    std::memcpy(static_cast<void*>(&out->comp), w + 4 + sizeof(page::TreeRef) / 8, sizeof out->comp);
    return true;
  }
  return false;
}

void CatalogCache::store(uint32_t dbi, const page::TreeRef& catalog, const Record& r) {
  if (dbi == 0 || dbi > kCells) return;
  Cell& c = cells_[dbi - 1];
  std::unique_lock lk(c.store_mu, std::try_to_lock);
  if (!lk.owns_lock()) return;
  uint64_t w[kWords];
  w[0] = catalog.root;
  w[1] = catalog.root_txnid;
  w[2] = catalog.root_csum;
  w[3] = r.exists;
  std::memcpy(w + 4, &r.ref, sizeof r.ref);
  std::memcpy(w + 4 + sizeof(page::TreeRef) / 8, &r.comp, sizeof r.comp);
  const uint64_t s = c.seq.load(std::memory_order_relaxed);
  c.seq.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (size_t i = 0; i < kWords; i++) c.words[i].store(w[i], std::memory_order_relaxed);
  c.seq.store(s + 2, std::memory_order_release);
}

}  // namespace alder::txn
