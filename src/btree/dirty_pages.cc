#include "btree/dirty_pages.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "alder/alder.hpp"
#include "util/check.h"

namespace alder::btree {

DirtyPages::DirtyPages(uint32_t page_size, uint64_t keep_pages)
    : page_size_(page_size), keep_pages_(keep_pages) {
  resize_table(kMinSlots);
}

void DirtyPages::resize_table(size_t slots) {
  ALDER_DCHECK(std::has_single_bit(slots) && slots > count_);
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(slots, Slot{});
  mask_ = slots - 1;
  shift_ = 64 - unsigned(std::countr_zero(slots));
  for (const Slot& s : old)
    if (s.pgno != kEmpty) slots_[probe(s.pgno)] = s;
}

DirtyPages::~DirtyPages() {
  for (const Undo& u : undo_)
    if (u.kind != Undo::added) std::free(u.old.data);
  undo_.clear();
  clear();
  for (uint8_t* p : pool_) std::free(p);
}

uint8_t* DirtyPages::take_buffer(uint32_t n) {
  if (n == 1 && !pool_.empty()) {
    uint8_t* p = pool_.back();
    pool_.pop_back();
    return p;
  }
  auto* p = static_cast<uint8_t*>(std::malloc(uint64_t(n) * page_size_));
  if (!p) throw std::bad_alloc();
  return p;
}

void DirtyPages::insert(const Slot& s) {
  size_t i = probe(s.pgno);
  ALDER_DCHECK(slots_[i].pgno != s.pgno);
  slots_[i] = s;
  if (++count_ * 2 > slots_.size()) resize_table(slots_.size() * 2);
}

uint8_t* DirtyPages::add(uint64_t pgno, uint32_t n) {
  ALDER_DCHECK(n >= 1 && pgno != kEmpty);
  uint8_t* p = take_buffer(n);
  if (slots_[probe(pgno)].pgno == pgno) {  // the allocator handed out a page twice: a damaged freelist
    recycle({p, n});
    throw Error(ErrorCode::corrupted, "corrupted page " + std::to_string(pgno) +
                                          ": allocated twice (damaged freelist)");
  }
  if (logging_) undo_.push_back({Undo::added, Slot{pgno, nullptr, 0, 0}});
  insert(Slot{pgno, p, n, gen_});
  bytes_ += uint64_t(n) * page_size_;
  return p;
}

uint8_t* DirtyPages::adopt(uint64_t pgno) {
  Slot& s = slots_[probe(pgno)];
  if (s.pgno != pgno) return nullptr;
  if (s.gen == gen_) return s.data;
  ALDER_DCHECK(logging_);  // only a chain that carries pages has older runs
  uint8_t* p = take_buffer(s.pages);
  std::memcpy(p, s.data, uint64_t(s.pages) * page_size_);
  undo_.push_back({Undo::adopted, s});
  s.data = p;
  s.gen = gen_;
  bytes_ += uint64_t(s.pages) * page_size_;
  return p;
}

void DirtyPages::erase(size_t i) {
  // Backward-shift deletion: move later members of the probe run into the
  // hole where their own probe would find them, so no tombstones are needed.
  for (size_t j = (i + 1) & mask_; slots_[j].pgno != kEmpty; j = (j + 1) & mask_) {
    size_t home = size_t((slots_[j].pgno * 0x9E3779B97F4A7C15ull) >> shift_);
    // slots_[j] may move to i unless its home lies cyclically in (i, j].
    if (((j - home) & mask_) >= ((j - i) & mask_)) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i] = Slot{};
  count_--;
}

void DirtyPages::drop(uint64_t pgno) {
  size_t i = probe(pgno);
  if (slots_[i].pgno != pgno) return;
  if (slots_[i].gen != gen_)
    undo_.push_back({Undo::dropped, slots_[i]});  // an earlier txn's: kept for abort
  else
    retired_.push_back({slots_[i].data, slots_[i].pages});
  erase(i);
}

void DirtyPages::begin_txn() {
  ALDER_DCHECK(!logging_ && undo_.empty());
  gen_++;
  logging_ = true;
}

void DirtyPages::commit_txn() {
  for (const Undo& u : undo_)
    if (u.kind != Undo::added) recycle({u.old.data, u.old.pages});
  undo_.clear();
  for (const Entry& e : retired_) recycle(e);
  retired_.clear();
  logging_ = false;
}

void DirtyPages::abort_txn() {
  for (auto u = undo_.rbegin(); u != undo_.rend(); ++u) {
    size_t i = probe(u->old.pgno);
    const bool held = slots_[i].pgno == u->old.pgno;
    switch (u->kind) {
      case Undo::added:  // held unless dropped or spilled since
        if (held) {
          recycle({slots_[i].data, slots_[i].pages});
          erase(i);
        }
        break;
      case Undo::adopted:  // this txn's copy (if not spilled) goes
        if (held) {
          recycle({slots_[i].data, slots_[i].pages});
          slots_[i] = u->old;
        } else {
          insert(u->old);
        }
        break;
      case Undo::dropped:
        ALDER_DCHECK(!held);  // a page freed in this txn is not reused in it
        insert(u->old);
        break;
    }
  }
  undo_.clear();
  for (const Entry& e : retired_) recycle(e);
  retired_.clear();
  bytes_ = 0;
  for (const Slot& s : slots_)
    if (s.pgno != kEmpty) bytes_ += uint64_t(s.pages) * page_size_;
  logging_ = false;
}

std::vector<DirtyPages::Run> DirtyPages::sorted() const {
  std::vector<Run> out;
  out.reserve(count_);
  for (const Slot& s : slots_)
    if (s.pgno != kEmpty) out.push_back({s.pgno, s.pages, s.data});
  std::sort(out.begin(), out.end(), [](const Run& a, const Run& b) { return a.pgno < b.pgno; });
  return out;
}

void DirtyPages::recycle(const Entry& e) {
  if (e.pages == 1 && pool_.size() < keep_pages_)
    pool_.push_back(e.data);
  else
    std::free(e.data);
}

void DirtyPages::clear() {
  const size_t used = count_;
  for (Slot& s : slots_)
    if (s.pgno != kEmpty) {
      recycle({s.data, s.pages});
      s = Slot{};
    }
  for (const Entry& e : retired_) recycle(e);
  retired_.clear();
  count_ = 0;
  bytes_ = 0;
  // Shrink a table a large txn grew, to 4x this txn's use: the next clear()
  // and sorted() walk every slot.
  const size_t want = std::max(kMinSlots, std::bit_ceil(used * 4));
  if (slots_.size() > want) resize_table(want);
}

}  // namespace alder::btree
