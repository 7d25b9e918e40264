#include "txn/freelist.h"

#include <algorithm>
#include <functional>

#include "btree/cursor.h"
#include "btree/tree.h"
#include "page/node.h"
#include "page/records.h"
#include "util/check.h"

namespace alder::txn {

FreeSpace::FreeSpace(uint32_t page_size)
    : chunk_max_((page::max_inline(page_size) - 12 - 2 - sizeof(page::Slot) - 8) / 8),
      inline_cap_(inline_free_capacity(page_size)) {}

FreeSpace::~FreeSpace() = default;

void FreeSpace::begin(btree::Pager& pg, page::TreeRef& free_tree,
                      std::function<void(uint64_t)> grow, uint64_t npages, uint64_t max_pages,
                      uint64_t synced, const std::vector<uint64_t>& readers,
                      const std::vector<uint64_t>& inline_words) {
  ALDER_DCHECK(pg_ == nullptr);  // one txn at a time
  pg_ = &pg;
  tree_ = &free_tree;
  grow_ = std::move(grow);
  npages_ = npages;
  max_pages_ = max_pages;
  synced_ = synced;
  readers_.assign(readers.begin(), readers.end());
  inline_words_.assign(inline_words.begin(), inline_words.end());
  decode_inline_free(inline_words_, &inline_);
  pool_.clear();
  freed_.clear();
  consumed_count_ = 0;
  consumed_pages_ = 0;
  next_key_.clear();
  blocked_until_.clear();
  prefix_broken_ = exhausted_ = saving_ = false;
  cut_ = 0;
  cut_loads_ = 0;
  cut_misses_ = 0;
  if (hint_valid_ && hint_synced_ == synced_ &&
      std::includes(readers_.begin(), readers_.end(), hint_readers_.begin(), hint_readers_.end())) {
    next_key_ = hint_blocked_until_;
    blocked_until_ = hint_blocked_until_;
  }
}

void FreeSpace::end() {
  if (!pg_) return;
  hint_valid_ = true;
  hint_blocked_until_ = blocked_until_;
  hint_synced_ = synced_;
  hint_readers_.assign(readers_.begin(), readers_.end());
  pg_ = nullptr;
  tree_ = nullptr;
  grow_ = nullptr;
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
    add_to_pool(r.pages, r.count, 0);
    consumed_pages_ += r.count;
    r.consumed = true;
    return true;
  }
  if (exhausted_) return false;
  btree::TreeCursor cur(*pg_, *tree_);
  bool ok = next_key_.empty() ? cur.first() : cur.seek(next_key_ + '\0');
  for (; ok; ok = cur.next()) {
    std::string_view k = cur.key(), v = cur.value();
    page::FreelistValue rec;
    if (!page::decode_freelist_record(k, v, &rec))
      btree::throw_corrupted(tree_->root, "malformed freelist record");
    next_key_.assign(k);
    if (!reusable(page::freelist_key_txnid(k), rec.birth)) {
      if (!prefix_broken_) blocked_until_ = next_key_;
      continue;
    }
    value_.resize(rec.count);
    for (size_t i = 0; i < rec.count; i++) value_[i] = rec.page(i);
    add_to_pool(value_.data(), rec.count, tree_->root);
    consumed_pages_ += rec.count;
    prefix_broken_ = true;
    if (consumed_count_ == consumed_.size()) consumed_.emplace_back();
    consumed_[consumed_count_++].assign(next_key_);
    return true;
  }
  exhausted_ = true;
  return false;
}

// Merges a record's pages into the pool, keeping it sorted descending: the
// record's pages (at most chunk_max_) are sorted, the pool merged with them.
void FreeSpace::add_to_pool(const uint64_t* pages, size_t n, uint64_t root) {
  incoming_.assign(pages, pages + n);
  for (uint64_t p : incoming_)
    if (p < 2 || p >= npages_)
      btree::throw_corrupted(root, "freelist names page " + std::to_string(p));
  std::sort(incoming_.begin(), incoming_.end(), std::greater<>());
  merge_.resize(pool_.size() + n);
  std::merge(pool_.begin(), pool_.end(), incoming_.begin(), incoming_.end(), merge_.begin(),
             std::greater<>());
  pool_.swap(merge_);
}

// Lowest run of n consecutive pages in the pool, or 0.
uint64_t FreeSpace::take_from_pool(uint32_t n) {
  if (pool_.empty()) return 0;
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
  if (cut_ && n == 1)  // pool_.back() is the lowest page
    while ((pool_.empty() || pool_.back() >= cut_) && cut_loads_ < kCutLoads &&
           load_next_record())
      cut_loads_++;
  for (;;) {
    if (uint64_t p = take_from_pool(n)) {
      cut_misses_ += cut_ && p >= cut_;
      return p;
    }
    // Runs are rarely assembled from scattered pages: after a few records,
    // extend the file instead.
    if (n > 1 && pool_.size() > 4096) break;
    if (!load_next_record()) break;
  }
  if (npages_ + n > max_pages_ || npages_ + n < npages_)
    throw Error(ErrorCode::map_full, "database would exceed max_size (" +
                                         std::to_string(max_pages_ * pg_->page_size) + " bytes)");
  grow_(npages_ + n);  // before the pages are counted: may throw no_space
  uint64_t p = npages_;
  npages_ += n;
  pg_->map_pages = npages_;
  return p;
}

void FreeSpace::release(uint64_t pgno, uint32_t n, uint64_t birth) {
  const bool ours = birth == pg_->txnid;
  for (uint32_t i = 0; i < n; i++) {
    if (ours && !saving_)
      pool_.insert(std::lower_bound(pool_.begin(), pool_.end(), pgno + i, std::greater<>()),
                   pgno + i);
    else
      freed_.push_back({ours ? kFreeForAll : birth, pgno + i});
  }
}

void FreeSpace::load_all() {
  while (load_next_record()) {
  }
}

void FreeSpace::load_below(uint64_t cut, uint64_t want, size_t max_records) {
  for (size_t i = 0; i < max_records && pool_below(cut) < want && load_next_record(); i++) {
  }
}

uint64_t FreeSpace::pool_below(uint64_t cut) const {
  // Descending: the pages below cut are the pool's tail, from the first
  // element the order puts after cut.
  return uint64_t(pool_.end() -
                  std::upper_bound(pool_.begin(), pool_.end(), cut, std::greater<>()));
}

uint64_t FreeSpace::held_by_sync() const {
  uint64_t n = 0;
  for (auto& f : freed_) n += f.first <= synced_;
  return n;
}

// Is there a birth boundary x (the synced commit or a reader's snapshot)
// with a <= x < b? A record never spans one, so its minimum birth does not
// hold back pages that the reuse rule would allow.
bool FreeSpace::crosses(uint64_t a, uint64_t b) const {
  if (a <= synced_ && synced_ < b) return true;
  auto it = std::lower_bound(readers_.begin(), readers_.end(), a);
  return it != readers_.end() && *it < b;
}

// This txn's records into own_ (pages in own_pages_): freed_ plus the unused
// pool, in (birth, page) order, cut at birth boundaries and at chunk_max_.
// The pool's pages are free for all (the largest birth), so the order is
// freed_ sorted, merged with the pool read backwards.
void FreeSpace::own_records(uint64_t txnid) {
  std::sort(freed_.begin(), freed_.end());
  all_.clear();
  auto f = freed_.begin();
  for (auto p = pool_.rbegin(); p != pool_.rend(); ++p) {
    const std::pair<uint64_t, uint64_t> e{kFreeForAll, *p};
    for (; f != freed_.end() && *f < e; ++f) all_.push_back(*f);
    all_.push_back(e);
  }
  all_.insert(all_.end(), f, freed_.end());
  own_pages_.resize(all_.size());
  own_.clear();
  for (size_t i = 0; i < all_.size();) {
    InlineRecord r{txnid, uint32_t(own_.size()), all_[i].first, own_pages_.data() + i, 0, false};
    size_t j = i;
    do {
      own_pages_[j] = all_[j].second;
      j++;
    } while (j < all_.size() && j - i < chunk_max_ && !crosses(all_[j - 1].first, all_[j].first));
    r.count = uint32_t(j - i);
    i = j;
    own_.push_back(r);
  }
}

void FreeSpace::put_record(btree::Tree& tree, const InlineRecord& r) {
  tree.put(page::freelist_key(r.txnid, r.chunk),
           page::encode_freelist_value(r.birth, r.pages, r.count, &value_), false, false);
}

uint64_t FreeSpace::save(uint64_t txnid, uint64_t free_pages,
                         std::vector<uint64_t>* inline_out) {
  ALDER_DCHECK(pg_ && !saving_ && txnid == pg_->txnid);  // once per txn, by its own writer
  // Top up the pool so the freelist's own page needs (a copy of its path,
  // and perhaps a split) rarely reach the end of the file.
  while (pool_.size() < 2 * (size_t(tree_->depth) + 1) && load_next_record()) {
  }
  saving_ = true;
  // Pool pages at the end of the file need no record: shrink the file.
  size_t trim = 0;
  while (trim < pool_.size() && pool_[trim] == npages_ - 1 - trim) trim++;
  pool_.erase(pool_.begin(), pool_.begin() + trim);
  npages_ -= trim;
  pg_->map_pages = npages_;

  btree::Tree tree(*pg_, *tree_);
  tree.set_merge_underfull(false);
  for (size_t i = 0; i < consumed_count_; i++) tree.del(consumed_[i]);

  keep_.clear();  // inline records not consumed stay inline
  for (auto& r : inline_)
    if (!r.consumed) keep_.push_back(r);

  // Small frees (the common single-put commit) go into the meta page, which
  // is written anyway: no freelist page to write. When the meta page is
  // full of older records (pages held back by a reader or by the last
  // sync), those move to the tree once, making room again. Once a round has
  // to put this txn's records in the tree it keeps doing so; every round
  // then shrinks the pool or grows freed_, so the loop ends (in practice
  // after two or three rounds).
  bool use_tree = false;
  uint32_t chunks_written = 0;
  size_t last_freed = SIZE_MAX, last_pool = SIZE_MAX;
  uint64_t written = 0;
  for (int round = 0;; round++) {
    if (round > 100000) throw Error(ErrorCode::corrupted, "freelist save did not converge");
    own_records(txnid);
    written = own_pages_.size();
    if (!use_tree) {
      both_.assign(keep_.begin(), keep_.end());
      both_.insert(both_.end(), own_.begin(), own_.end());
      inline_out->clear();
      encode_inline_free(both_, inline_out);
      if (inline_out->size() <= inline_cap_) break;  // no tree writes: nothing moved
      size_t own_words = 0;
      for (auto& r : own_) own_words += 3 + r.count;
      if (!keep_.empty() && own_words <= inline_cap_) {
        // Merged into as few records as the birth boundaries allow, under
        // the newest of their txn ids (the reuse rule only gets stricter,
        // and these pages are held back anyway), so that using them later
        // takes one tree delete, not one per commit that freed them.
        held_.clear();
        uint64_t newest = 0;
        for (auto& r : keep_) {
          newest = std::max(newest, r.txnid);
          for (uint32_t i = 0; i < r.count; i++) held_.push_back({r.birth, r.pages[i]});
        }
        keep_.clear();
        std::sort(held_.begin(), held_.end());
        held_pages_.resize(held_.size());
        uint32_t chunk = 0;
        for (size_t i = 0; i < held_.size(); chunk++) {
          size_t j = i;
          do {
            held_pages_[j] = held_[j].second;
            j++;
          } while (j < held_.size() && j - i < chunk_max_ && !crosses(held_[j - 1].first, held_[j].first));
          // Allocates: own_ changes, hence the next round.
          put_record(tree, {newest, chunk, held_[i].first, held_pages_.data() + i,
                            uint32_t(j - i), false});
          i = j;
        }
        continue;
      }
      use_tree = true;
    }
    for (auto& r : own_) put_record(tree, r);
    for (uint32_t c = uint32_t(own_.size()); c < chunks_written; c++)
      tree.del(page::freelist_key(txnid, c));
    chunks_written = uint32_t(own_.size());
    if (freed_.size() == last_freed && pool_.size() == last_pool) {
      inline_out->clear();
      encode_inline_free(keep_, inline_out);
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
  decode_inline_free(words, &out);
  return out;
}

void decode_inline_free(const std::vector<uint64_t>& words, std::vector<InlineRecord>* out) {
  out->clear();
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
    out->push_back(r);
  }
}

std::vector<uint64_t> encode_inline_free(const std::vector<InlineRecord>& records) {
  std::vector<uint64_t> w;
  encode_inline_free(records, &w);
  return w;
}

void encode_inline_free(const std::vector<InlineRecord>& records, std::vector<uint64_t>* out) {
  for (auto& r : records) {
    out->push_back(r.txnid);
    out->push_back(uint64_t(r.chunk) << 32 | r.count);
    out->push_back(r.birth);
    out->insert(out->end(), r.pages, r.pages + r.count);
  }
}

}  // namespace alder::txn
