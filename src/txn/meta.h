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
#include <vector>

#include "page/page.h"

namespace alder::txn {

inline constexpr uint64_t kMagic = 0x0042445245444c41ull;  // "ALDERDB\0"
/// Format version of a new file, and of any file without compressed dbs.
inline constexpr uint32_t kFormatVersion = 1;
/// Version of a file once a db with value compression is created in it:
/// builds that read version 1 only refuse it (version_mismatch) rather
/// than hand back compressed bytes as values. This build reads both.
inline constexpr uint32_t kCompressionVersion = 2;
inline constexpr uint32_t kNewestFormatVersion = kCompressionVersion;

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
  /// 64-bit words of inline freelist records after this record (freelist.h).
  uint32_t inline_free_words = 0;
  uint32_t reserved32 = 0;
  uint64_t reserved[2] = {};
  /// xxHash3 of the page's first 272 + 8 * inline_free_words bytes, taken
  /// with this field zero.
  uint64_t checksum = 0;
};
static_assert(sizeof(Meta) == 272);

/// Room for inline freelist words in a meta page.
inline size_t inline_free_capacity(uint32_t page_size) {
  return (page_size - sizeof(Meta)) / 8;
}

/// Writes m, then the inline freelist words, into a page-sized buffer (the
/// rest zeroed), with the checksum. inline_free must fit the capacity.
void encode_meta(Meta m, const std::vector<uint64_t>& inline_free, uint8_t* page,
                 uint32_t page_size);

/// Why a meta slot was rejected.
enum class MetaProblem { none, foreign, version, checksum, page_size };

/// Reads a meta (and, if asked, its inline freelist words) from n bytes;
/// problem says why it is unusable.
Meta decode_meta(const uint8_t* data, size_t n, MetaProblem* problem,
                 std::vector<uint64_t>* inline_free = nullptr);

}  // namespace alder::txn
