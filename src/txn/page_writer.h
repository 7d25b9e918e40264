// Writing a write txn's dirty pages to the file: at commit, and when a large
// txn spills. The pages go out sorted by page number; adjacent pages (and
// overflow runs) are coalesced into one pwritev, so a txn that allocated a
// contiguous stretch writes it with one system call. Reference: LMDB's
// mdb_page_flush, which writes its sorted dirty list the same way.
#pragma once

#include <cstdint>

#include "btree/dirty_pages.h"
#include "io/file.h"

namespace alder::txn {

/// What write_dirty_pages wrote: page counts and the byte span they cover.
struct WrittenPages {
  uint64_t pages = 0;
  uint64_t calls = 0;        ///< pwritev calls (runs of adjacent pages)
  uint64_t lo = UINT64_MAX;  ///< first byte written
  uint64_t hi = 0;           ///< one past the last byte written
};

/// Writes every run `dirty` holds at its page number in `file` and adds it
/// to *out. Does not clear `dirty`. Throws io_error / no_space (then some
/// runs may be written: they are free pages no snapshot can see).
void write_dirty_pages(io::File& file, const btree::DirtyPages& dirty, uint32_t page_size,
                       WrittenPages* out);

}  // namespace alder::txn
