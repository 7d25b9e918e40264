#include "btree/dirty_pages.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <string>

#include "alder/alder.hpp"

namespace alder::btree {

DirtyPages::DirtyPages(uint32_t page_size, uint64_t keep_pages)
    : page_size_(page_size), keep_pages_(keep_pages) {}

DirtyPages::~DirtyPages() {
  clear();
  for (uint8_t* p : pool_) std::free(p);
}

uint8_t* DirtyPages::add(uint64_t pgno, uint32_t n) {
  uint8_t* p;
  if (n == 1 && !pool_.empty()) {
    p = pool_.back();
    pool_.pop_back();
  } else {
    p = static_cast<uint8_t*>(std::malloc(uint64_t(n) * page_size_));
    if (!p) throw std::bad_alloc();
  }
  auto [it, inserted] = map_.try_emplace(pgno, Entry{p, n});
  if (!inserted) {  // the allocator handed out a page twice: a damaged freelist
    recycle({p, n});
    throw Error(ErrorCode::corrupted, "corrupted page " + std::to_string(pgno) +
                                          ": allocated twice (damaged freelist)");
  }
  bytes_ += uint64_t(n) * page_size_;
  return p;
}

void DirtyPages::drop(uint64_t pgno) {
  auto it = map_.find(pgno);
  if (it == map_.end()) return;
  retired_.push_back(it->second);
  map_.erase(it);
}

std::vector<DirtyPages::Run> DirtyPages::sorted() const {
  std::vector<Run> out;
  out.reserve(map_.size());
  for (const auto& [pgno, e] : map_) out.push_back({pgno, e.pages, e.data});
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
  for (const auto& [pgno, e] : map_) recycle(e);
  for (const Entry& e : retired_) recycle(e);
  map_.clear();
  retired_.clear();
  bytes_ = 0;
}

}  // namespace alder::btree
