#include "txn/shrink.h"

#include <algorithm>

#include "txn/env_state.h"
#include "txn/writer.h"

namespace alder::txn {

void MetaBounds::reset(uint64_t npages) {
  std::lock_guard lk(mu_);
  durable_ = last_ = npages;
  since_ = 0;
  writes_++;
}

void MetaBounds::written(uint64_t npages) {
  std::lock_guard lk(mu_);
  last_ = npages;
  since_ = std::max(since_, npages);
  writes_++;
}

uint64_t MetaBounds::before_sync() const {
  std::lock_guard lk(mu_);
  return writes_;
}

void MetaBounds::synced(uint64_t token) {
  std::lock_guard lk(mu_);
  if (token != writes_) return;
  durable_ = last_;
  since_ = 0;
}

uint64_t MetaBounds::floor() const {
  std::lock_guard lk(mu_);
  return std::max(durable_, since_);
}

uint64_t cut_for(uint64_t live_pages) {
  // Packed perfectly, the pages above the cut would fill every free page
  // below it, and each round would find a page or two to chase: 1/64
  // slack (at least 16 pages) ends that, for at most 1.6% more file.
  return live_pages + std::max<uint64_t>(16, live_pages / 64);
}

uint64_t shrink_threshold(const EnvState& env, uint64_t file_size) {
  if (env.shrink_threshold) return env.shrink_threshold;
  return std::max<uint64_t>(2 << 20, file_size / 8);
}

void trim_file(EnvState& env, WriterState& w, uint64_t npages, bool force) {
  const uint64_t keep = std::max(env.meta_bounds.floor(), npages) * env.page_size;
  if (w.file_size <= keep) return;
  const uint64_t excess = w.file_size - keep;
  const uint64_t threshold = shrink_threshold(env, w.file_size);
  if (!force && (threshold == UINT64_MAX || excess < threshold)) return;
  env.file.truncate(keep);
  w.file_size = keep;
}

}  // namespace alder::txn

// ---------------------------------------------------------------- Txn

#include "btree/cursor.h"
#include "txn/txn.h"

namespace alder::txn {

ShrinkStep Txn::shrink_step(const WriterState& w) const {
  const uint64_t threshold = shrink_threshold(env_, w.file_size);
  // Pages freed since the last sync come back at the next one (the no-sync
  // modes hold up to 1/8 of the file so): they are no reason to shrink.
  const uint64_t free = meta_.free_pages - std::min(meta_.free_pages, w.held_pages);
  if (threshold == UINT64_MAX || free * env_.page_size < threshold) return ShrinkStep::none;
  if (w.shrink_state == ShrinkState::gather_next ||
      free >= w.shrink_mark + std::max<uint64_t>(256, w.shrink_mark / 8))
    return ShrinkStep::gather;
  if (w.shrink_state != ShrinkState::resting) return ShrinkStep::relocate;
  return id_ >= w.shrink_rest_until ? ShrinkStep::gather : ShrinkStep::none;
}

uint64_t Txn::relocate_dict(page::DbCompression& comp, uint64_t cut) {
  if (!comp.dict.vlen || comp.dict.pgno < cut || pager_.maybe_dirty(comp.dict.txnid)) return 0;
  const std::string bytes(btree::read_run(pager_, comp.dict));
  btree::release_run(pager_, comp.dict);  // freed for later txns only: bytes copied first anyway
  comp.dict = btree::write_run(pager_, bytes);
  return page::overflow_run_pages(bytes.size(), env_.page_size);
}

uint64_t Txn::shrink(uint64_t budget, bool gather) {
  check_writable();
  gen_++;  // a commit with nothing else to write still commits the moves
  try {
    // Without a gather the free pages the meta counts include some a
    // reader or the last sync still holds: the cut is then lower than the
    // file can get, and pages only move further down than needed.
    if (gather) free_->load_all();
    const uint64_t cut =
        cut_for(gather ? free_->compact_npages() : meta_.npages - meta_.free_pages);
    if (!gather) free_->load_below(cut, 2 * budget, 64);
    // The file gets shorter only once its last pages are all free: the
    // moves start with the pages nearest the end (the last 16 budgets'
    // worth above the cut), not with the first keys.
    const uint64_t window = 16 * budget;
    const uint64_t from = std::max(cut, meta_.npages > window ? meta_.npages - window : 0);
    // Each page moved takes a free page below the cut, and so does each
    // parent its copy-on-write copies: half of them is a safe share.
    budget = std::min(budget, free_->pool_below(cut) / 2);
    uint64_t moved = 0;
    auto left = [&] { return budget > moved ? budget - moved : 0; };
    moved += btree::Tree(pager_, meta_.main).relocate(from, left());

    // Named dbs and dictionaries, through their catalog records. A db this
    // txn has loaded is moved in its DbState (commit() writes its record);
    // any other gets its record rewritten here.
    std::vector<std::pair<std::string, CatalogRecord>> records;
    {
      btree::TreeCursor cur(pager_, meta_.catalog);
      for (bool ok = cur.first(); ok; ok = cur.next()) {
        CatalogRecord r;
        if (!page::decode_catalog_value(cur.value(), &r.ref, &r.comp))
          btree::throw_corrupted(meta_.catalog.root, "malformed catalog record");
        records.emplace_back(std::string(cur.key()), r);
      }
    }
    btree::Tree catalog(pager_, meta_.catalog);
    std::string buf;
    for (auto& [name, rec] : records) {
      if (left() == 0) break;
      if (name == page::kMainCompressionKey) {
        DbState& m = main_state();
        if (const uint64_t n = relocate_dict(m.comp, from)) {
          moved += n;
          catalog.put(name, page::catalog_value(page::TreeRef{}, m.comp, &buf), false, false);
        }
        continue;
      }
      DbState* s = nullptr;
      {
        std::lock_guard lk(env_.dbi_mu);
        for (size_t i = 0; i < dbs_.size() && !s; i++)
          if (dbs_[i]->loaded && dbs_[i]->exists && env_.dbi_names[i + 1] == name) s = dbs_[i];
      }
      page::TreeRef& ref = s ? s->ref : rec.ref;
      page::DbCompression& comp = s ? s->comp : rec.comp;
      const uint64_t n = btree::Tree(pager_, ref).relocate(from, left()) + relocate_dict(comp, from);
      if (n == 0) continue;
      moved += n;
      if (s) {
        s->dirty = true;
      } else {
        btree::Tree(pager_, ref).finalize();
        catalog.put(name, page::catalog_value(ref, comp, &buf), false, false);
      }
    }
    moved += catalog.relocate(from, left());
    moved += btree::Tree(pager_, meta_.free).relocate(from, left());
    return moved;
  } catch (...) {
    broken_ = true;
    throw;
  }
}

}  // namespace alder::txn
