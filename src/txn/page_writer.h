// Writing a write txn's dirty pages to the file: at commit, and when a large
// txn spills. The pages go out sorted by page number; adjacent pages (and
// overflow runs) are coalesced into one pwritev, so a txn that allocated a
// contiguous stretch writes it in few system calls. Reference: LMDB's
// mdb_page_flush, which writes its sorted dirty list the same way.
//
// A call writes at most kMaxCallPages pages (64 KiB at 4 KiB pages), unless
// a single overflow run is longer. The kernel sizes page-cache folios by the
// write that creates them, and a later 4 KiB write into a large folio walks
// all of its blocks (ext4_block_write_begin, and writeback's
// mpage_process_page_bufs): after a bulk load written in runs of megabytes,
// no-sync single-put commits with autosync took 46 us instead of 29 us
// (300,000 keys; Linux 6.18, ext4).
#pragma once

#include <cstdint>

#include "btree/dirty_pages.h"
#include "io/file.h"

namespace alder::txn {

inline constexpr uint64_t kMaxCallPages = 16;

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
