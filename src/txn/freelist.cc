#include "txn/freelist.h"

#include <algorithm>
#include <functional>

#include "btree/cursor.h"
#include "btree/tree.h"
#include "page/node.h"
#include "page/records.h"
#include "util/check.h"

namespace alder::txn {

FreeSpace::FreeSpace(btree::Pager& pg, page::TreeRef& free_tree,
                     std::function<void(uint64_t)> grow, uint64_t npages, uint64_t max_pages,
                     uint64_t synced, std::vector<uint64_t> readers, FreelistHint& hint,
                     const std::vector<uint64_t>& inline_words)
    : pg_(pg), tree_(free_tree), grow_(std::move(grow)), npages_(npages), max_pages_(max_pages),
      synced_(synced), readers_(std::move(readers)),
      chunk_max_((page::max_inline(pg.page_size) - 12 - 2 - sizeof(page::Slot) - 8) / 8),
      inline_cap_(inline_free_capacity(pg.page_size)), hint_(hint) {
  inline_words_ = inline_words;
  inline_ = decode_inline_free(inline_words_);
  if (hint.valid && hint.synced == synced_ &&
      std::includes(readers_.begin(), readers_.end(), hint.readers.begin(), hint.readers.end()))
    next_key_ = blocked_until_ = hint.blocked_until;
}

FreeSpace::~FreeSpace() {
  hint_.valid = true;
  hint_.blocked_until = blocked_until_;
  hint_.synced = synced_;
  hint_.readers = readers_;
}

bool FreeSpace::reusable(uint64_t freed_by, uint64_t min_birth) const {
  if (!(freed_by <= synced_ || min_birth > synced_)) return false;  // rule (b)
  auto it = std::lower_bound(readers_.begin(), readers_.end(), min_birth);
  return it == readers_.end() || *it >= freed_by;  // rule (a)
}

// Moves the next reusable record (in key order, so oldest first) from the
// snapshot's freelist into the pool, skipping records some snapshot still
// needs. The freelist tree is not modified until save(), so a cursor over it
// sees the snapshot.
bool FreeSpace::load_next_record() {
  if (saving_) return false;
  for (auto& r : inline_) {
    if (r.consumed || !reusable(r.txnid, r.birth)) continue;
    for (uint32_t i = 0; i < r.count; i++) {
      uint64_t pgno = r.pages[i];
      if (pgno < 2 || pgno >= npages_)
        btree::throw_corrupted(0, "inline freelist names page " + std::to_string(pgno));
      pool_.push_back(pgno);
    }
    consumed_pages_ += r.count;
    r.consumed = true;
    pool_dirty_ = true;
    return true;
  }
  if (exhausted_) return false;
  btree::TreeCursor cur(pg_, tree_);
  bool ok = next_key_.empty() ? cur.first() : cur.seek(next_key_ + '\0');
  for (; ok; ok = cur.next()) {
    std::string_view k = cur.key(), v = cur.value();
    page::FreelistValue rec;
    if (!page::decode_freelist_record(k, v, &rec))
      btree::throw_corrupted(tree_.root, "malformed freelist record");
    next_key_.assign(k);
    if (!reusable(page::freelist_key_txnid(k), rec.birth)) {
      if (!prefix_broken_) blocked_until_ = next_key_;
      continue;
    }
    for (size_t i = 0; i < rec.count; i++) {
      uint64_t pgno = rec.page(i);
      if (pgno < 2 || pgno >= npages_)
        btree::throw_corrupted(tree_.root, "freelist names page " + std::to_string(pgno));
      pool_.push_back(pgno);
    }
    consumed_pages_ += rec.count;
    prefix_broken_ = true;
    consumed_.push_back(next_key_);
    pool_dirty_ = true;
    return true;
  }
  exhausted_ = true;
  return false;
}

void FreeSpace::sort_pool() {
  if (!pool_dirty_) return;
  std::sort(pool_.begin(), pool_.end(), std::greater<>());
  pool_dirty_ = false;
}

// Lowest run of n consecutive pages in the pool, or 0.
uint64_t FreeSpace::take_from_pool(uint32_t n) {
  if (pool_.empty()) return 0;
  sort_pool();
  if (n == 1) {
    uint64_t p = pool_.back();
    pool_.pop_back();
    return p;
  }
  // Descending order: scan from the low end for n consecutive numbers.
  size_t run = 1;
  for (size_t i = pool_.size() - 1; i > 0; i--) {
    run = pool_[i - 1] == pool_[i] + 1 ? run + 1 : 1;
    if (run == n) {
      uint64_t first = pool_[i - 1 + n - 1];
      pool_.erase(pool_.begin() + (i - 1), pool_.begin() + (i - 1 + n));
      return first;
    }
  }
  return 0;
}

uint64_t FreeSpace::allocate(uint32_t n) {
  for (;;) {
    if (uint64_t p = take_from_pool(n)) return p;
    // Runs are rarely assembled from scattered pages: after a few records,
    // extend the file instead.
    if (n > 1 && pool_.size() > 4096) break;
    if (!load_next_record()) break;
  }
  if (npages_ + n > max_pages_ || npages_ + n < npages_)
    throw Error(ErrorCode::map_full, "database would exceed max_size (" +
                                         std::to_string(max_pages_ * pg_.page_size) + " bytes)");
  grow_(npages_ + n);  // before the pages are counted: may throw no_space
  uint64_t p = npages_;
  npages_ += n;
  pg_.map_pages = npages_;
  return p;
}

void FreeSpace::release(uint64_t pgno, uint32_t n, uint64_t birth) {
  const bool ours = birth == pg_.txnid;
  for (uint32_t i = 0; i < n; i++) {
    if (ours && !saving_)
      pool_.push_back(pgno + i);
    else
      freed_.push_back({ours ? kFreeForAll : birth, pgno + i});
  }
  if (ours && !saving_) pool_dirty_ = true;
}

uint64_t FreeSpace::held_by_sync() const {
  uint64_t n = 0;
  for (auto& f : freed_) n += f.first <= synced_;
  return n;
}

uint64_t FreeSpace::save(uint64_t txnid, uint64_t free_pages,
                         std::vector<uint64_t>* inline_out) {
  ALDER_DCHECK(!saving_ && txnid == pg_.txnid);  // once per txn, by its own writer
  // Top up the pool so the freelist's own page needs (a copy of its path,
  // and perhaps a split) rarely reach the end of the file.
  while (pool_.size() < 2 * (size_t(tree_.depth) + 1) && load_next_record()) {
  }
  saving_ = true;
  // Pool pages at the end of the file need no record: shrink the file.
  sort_pool();
  size_t trim = 0;
  while (trim < pool_.size() && pool_[trim] == npages_ - 1 - trim) trim++;
  pool_.erase(pool_.begin(), pool_.begin() + trim);
  npages_ -= trim;
  pg_.map_pages = npages_;

  btree::Tree tree(pg_, tree_);
  tree.set_merge_underfull(false);
  for (const auto& k : consumed_) tree.del(k);

  std::vector<InlineRecord> keep;  // inline records not consumed stay inline
  for (auto& r : inline_)
    if (!r.consumed) keep.push_back(r);

  // This txn's records: freed_ plus the unused pool, sorted by birth, a
  // record never spanning a birth boundary (the synced commit or a reader's
  // snapshot), so its minimum birth does not hold back pages that the reuse
  // rule would allow.
  auto crosses = [&](uint64_t a, uint64_t b) {  // some boundary x: a <= x < b
    if (a <= synced_ && synced_ < b) return true;
    auto it = std::lower_bound(readers_.begin(), readers_.end(), a);
    return it != readers_.end() && *it < b;
  };
  std::vector<uint64_t> own_pages;  // the pages of own records, in order
  auto own_records = [&]() {
    std::vector<std::pair<uint64_t, uint64_t>> all = freed_;
    for (uint64_t p : pool_) all.push_back({kFreeForAll, p});
    std::sort(all.begin(), all.end());
    own_pages.resize(all.size());
    std::vector<InlineRecord> out;
    for (size_t i = 0; i < all.size();) {
      InlineRecord r{txnid, uint32_t(out.size()), all[i].first, own_pages.data() + i, 0, false};
      size_t j = i;
      do {
        own_pages[j] = all[j].second;
        j++;
      } while (j < all.size() && j - i < chunk_max_ && !crosses(all[j - 1].first, all[j].first));
      r.count = uint32_t(j - i);
      i = j;
      out.push_back(r);
    }
    return out;
  };

  // Small frees (the common single-put commit) go into the meta page, which
  // is written anyway: no freelist page to write. When the meta page is
  // full of older records (pages held back by a reader or by the last
  // sync), those move to the tree once, making room again. Once a round has
  // to put this txn's records in the tree it keeps doing so; every round
  // then shrinks the pool or grows freed_, so the loop ends (in practice
  // after two or three rounds).
  auto put_record = [&](const InlineRecord& r, std::vector<uint64_t>& value) {
    tree.put(page::freelist_key(r.txnid, r.chunk),
             page::encode_freelist_value(r.birth, r.pages, r.count, &value), false, false);
  };
  bool use_tree = false;
  uint32_t chunks_written = 0;
  size_t last_freed = SIZE_MAX, last_pool = SIZE_MAX;
  uint64_t written = 0;
  std::vector<uint64_t> value;
  for (int round = 0;; round++) {
    if (round > 100000) throw Error(ErrorCode::corrupted, "freelist save did not converge");
    std::vector<InlineRecord> own = own_records();
    written = own_pages.size();
    if (!use_tree) {
      std::vector<InlineRecord> both = keep;
      both.insert(both.end(), own.begin(), own.end());
      std::vector<uint64_t> words = encode_inline_free(both);
      if (words.size() <= inline_cap_) {
        *inline_out = std::move(words);
        break;  // no tree writes this round: nothing can have moved
      }
      if (!keep.empty() && encode_inline_free(own).size() <= inline_cap_) {
        // Merged into as few records as the birth boundaries allow, under
        // the newest of their txn ids (the reuse rule only gets stricter,
        // and these pages are held back anyway), so that using them later
        // takes one tree delete, not one per commit that freed them.
        std::vector<std::pair<uint64_t, uint64_t>> held;
        uint64_t newest = 0;
        for (auto& r : keep) {
          newest = std::max(newest, r.txnid);
          for (uint32_t i = 0; i < r.count; i++) held.push_back({r.birth, r.pages[i]});
        }
        keep.clear();
        std::sort(held.begin(), held.end());
        std::vector<uint64_t> held_pages(held.size());
        uint32_t chunk = 0;
        for (size_t i = 0; i < held.size(); chunk++) {
          size_t j = i;
          do {
            held_pages[j] = held[j].second;
            j++;
          } while (j < held.size() && j - i < chunk_max_ && !crosses(held[j - 1].first, held[j].first));
          put_record({newest, chunk, held[i].first, held_pages.data() + i, uint32_t(j - i), false},
                     value);  // allocates: own changes, hence the next round
          i = j;
        }
        continue;
      }
      use_tree = true;
    }
    for (auto& r : own) put_record(r, value);
    for (uint32_t c = uint32_t(own.size()); c < chunks_written; c++)
      tree.del(page::freelist_key(txnid, c));
    chunks_written = uint32_t(own.size());
    if (freed_.size() == last_freed && pool_.size() == last_pool) {
      *inline_out = encode_inline_free(keep);
      break;
    }
    last_freed = freed_.size();
    last_pool = pool_.size();
  }
  saving_ = false;
  return free_pages - consumed_pages_ + written;
}

std::vector<InlineRecord> decode_inline_free(const std::vector<uint64_t>& words) {
  std::vector<InlineRecord> out;
  size_t i = 0;
  while (i < words.size()) {
    if (words.size() - i < 3) btree::throw_corrupted(0, "truncated inline freelist");
    InlineRecord r;
    r.txnid = words[i];
    r.chunk = uint32_t(words[i + 1] >> 32);
    uint64_t n = words[i + 1] & 0xffffffffu;
    r.birth = words[i + 2];
    i += 3;
    if (n == 0 || n > words.size() - i) btree::throw_corrupted(0, "malformed inline freelist");
    r.pages = words.data() + i;
    r.count = uint32_t(n);
    i += n;
    out.push_back(r);
  }
  return out;
}

std::vector<uint64_t> encode_inline_free(const std::vector<InlineRecord>& records) {
  std::vector<uint64_t> w;
  for (auto& r : records) {
    w.push_back(r.txnid);
    w.push_back(uint64_t(r.chunk) << 32 | r.count);
    w.push_back(r.birth);
    w.insert(w.end(), r.pages, r.pages + r.count);
  }
  return w;
}

}  // namespace alder::txn
