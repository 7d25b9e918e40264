#include "txn/catalog_cache.h"

#include <cstring>

namespace alder::txn {

bool CatalogCache::find(uint32_t dbi, const page::TreeRef& catalog, Record* out) const {
  if (dbi == 0 || dbi > kCells) return false;
  uint64_t w[kWords];
  if (!cells_[dbi - 1].words.load(w, 4)) return false;
  if (w[0] != catalog.root || w[1] != catalog.root_txnid || w[2] != catalog.root_csum)
    return false;
  std::memcpy(static_cast<void*>(&out->ref), w + kKeyWords, sizeof out->ref);
  std::memcpy(static_cast<void*>(&out->comp), w + kKeyWords + sizeof out->ref / 8, sizeof out->comp);
  return true;
}

void CatalogCache::store(uint32_t dbi, const page::TreeRef& catalog, const Record& r) {
  if (dbi == 0 || dbi > kCells) return;
  Cell& c = cells_[dbi - 1];
  std::unique_lock lk(c.store_mu, std::try_to_lock);
  if (!lk.owns_lock()) return;
  uint64_t w[kWords] = {catalog.root, catalog.root_txnid, catalog.root_csum};
  std::memcpy(w + kKeyWords, &r.ref, sizeof r.ref);
  std::memcpy(w + kKeyWords + sizeof r.ref / 8, &r.comp, sizeof r.comp);
  c.words.store(w);
}

}  // namespace alder::txn
