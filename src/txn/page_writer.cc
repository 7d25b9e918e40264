#include "txn/page_writer.h"

#include <sys/uio.h>

#include <vector>

namespace alder::txn {

void write_dirty_pages(io::File& file, const btree::DirtyPages& dirty, uint32_t page_size,
                       WrittenPages* out) {
  const std::vector<btree::DirtyPages::Run> runs = dirty.sorted();
  std::vector<iovec> iov;
  size_t i = 0;
  while (i < runs.size()) {
    // One system call per stretch of adjacent runs, of at most
    // kMaxCallPages pages unless one run is longer (see the header).
    const uint64_t first = runs[i].pgno;
    uint64_t next = first;
    iov.clear();
    while (i < runs.size() && runs[i].pgno == next && next - first < kMaxCallPages) {
      iov.push_back({const_cast<uint8_t*>(runs[i].data), size_t(runs[i].pages) * page_size});
      next += runs[i].pages;
      i++;
    }
    file.pwritev(iov.data(), int(iov.size()), first * page_size);
    out->pages += next - first;
    out->calls++;
    out->lo = std::min(out->lo, first * page_size);
    out->hi = std::max(out->hi, next * page_size);
  }
}

}  // namespace alder::txn
