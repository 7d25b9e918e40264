// The meta page: the root of everything. Pages 0 and 1 each hold one; a
// commit writes the slot that does not hold the newest *synced* meta, so a
// torn or lost meta write always leaves the synced one intact.
//
// Layout (little-endian, at the start of the page, the rest zero):
//   magic "ALDERDB\0", format version, page size, txn id, synced base,
//   page count, main / catalog / free TreeRefs, free page count, checksum.
// The checksum (xxHash3 of the preceding bytes) covers the meta itself; the
// TreeRefs carry the roots' checksums, so one meta covers the whole file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "page/page.h"

namespace alder::txn {

inline constexpr uint64_t kMagic = 0x0042445245444c41ull;  // "ALDERDB\0"
inline constexpr uint32_t kFormatVersion = 1;

struct Meta {
  uint64_t magic = kMagic;
  uint32_t version = kFormatVersion;
  uint32_t page_size = 0;
  uint64_t txnid = 0;
  /// Every page written by a txn <= synced_base was durable when this meta
  /// was written; recovery checks the pages written after it.
  uint64_t synced_base = 0;
  uint64_t npages = 2;  ///< high-water mark: pages [0, npages) are in use
  page::TreeRef main;
  page::TreeRef catalog;  ///< named dbs: name -> TreeRef
  page::TreeRef free;     ///< freelist: (txnid, chunk) -> page numbers
  uint64_t free_pages = 0;
  uint64_t reserved[3] = {};
  uint64_t checksum = 0;
};
static_assert(sizeof(Meta) == 272);

/// Writes m (with its checksum) into a zeroed page-sized buffer.
void encode_meta(Meta m, uint8_t* page, uint32_t page_size);

/// Why a meta slot was rejected.
enum class MetaProblem { none, foreign, version, checksum, page_size };

/// Reads a meta from n bytes; problem says why it is unusable.
Meta decode_meta(const uint8_t* data, size_t n, MetaProblem* problem);

}  // namespace alder::txn
