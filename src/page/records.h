// The records alder keeps inside its pages and internal trees, each encoded
// and decoded here and nowhere else: the btree, txn and verify layers call
// these functions, so a format change is one edit (redb's rule: each
// on-disk record in one place).
//
// Overflow run (a value too large for its leaf, docs/FORMAT.md):
//   the run's first page starts with the 16-byte page header, the value's
//   bytes follow, across as many whole pages as needed:
//     pages = ceil((16 + value length) / page_size)
// Leaf and branch cells, fixed part after the key suffix:
//   | cell kind                  | bytes | holds                              |
//   | branch                     | 24    | ChildRef (pgno, txnid, checksum)   |
//   | leaf, value on an overflow | 32    | OverflowRef (pgno, vlen, txnid, cs)|
//   | leaf, inline value         | 2     | u16 value length, then the value   |
//   The u16 of an inline value has bit 15 set when the value is stored
//   compressed (inline values are < 32 KiB, at most half of a 64 KiB page,
//   so bit 15 is free); an overflow run's first page has kRunCompressed in
//   its header flags for the same.
// Compressed value (the stored bytes of a value flagged compressed):
//   | 0-3 | raw (decompressed) length, u32 | 4.. | the codec's frame |
// Catalog record (catalog tree; key = db name, 1-511 bytes; the key "\0"
//   (one zero byte, a name open_db refuses) holds the main db's compression,
//   its TreeRef part empty: format version 2):
//   | 0-63   | TreeRef of the db (page.h) |
//   then, for a db created with compression (104 bytes in all):
//   | 64     | codec u8 (1 lz4, 2 zstd)  | 65 | level i8 | 66-67 | zero |
//   | 68-71  | min_size u32: values shorter are stored raw |
//   | 72-103 | dictionary: OverflowRef of an overflow run holding it (vlen 0: none) |
// Freelist record (freelist tree, src/txn/freelist.h):
//   key   | 0-7 txn id T that freed the pages, big-endian | 8-11 chunk, big-endian |
//   value | 0-7 smallest birth txn id B of the pages | 8.. page numbers, u64 each, >= 1 of them |
// Tree depth: a non-empty tree has depth 1 (a root leaf) to kMaxDepth.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "page/page.h"

namespace alder::page {

// ------------------------------------------------------------ overflow run
/// Pages of the overflow run holding a value of vlen bytes.
inline uint64_t overflow_run_pages(uint64_t vlen, uint32_t page_size) {
  return (kHeaderSize + vlen + page_size - 1) / page_size;
}

// ------------------------------------------------------------------ cells
inline constexpr uint32_t kInlineLenSize = 2;  ///< the u16 length of an inline value
/// Bytes of a cell's fixed part (after the key suffix).
inline uint32_t cell_fixed_size(bool leaf, bool overflow) {
  return !leaf ? kChildRefSize : overflow ? kOverflowRefSize : kInlineLenSize;
}

// ----------------------------------------------------------------- depth
/// Deepest tree alder builds or accepts (a bound for fixed cursor stacks
/// and for walks over damaged files; 40 levels hold far more than 2^64
/// entries at three cells per node).
inline constexpr uint32_t kMaxDepth = 40;
inline bool depth_ok(uint32_t depth) { return depth >= 1 && depth <= kMaxDepth; }

// ------------------------------------------------------ compressed values
/// Bit 15 of an inline value's u16 length: the value is stored compressed.
inline constexpr uint16_t kInlineCompressed = 0x8000;
inline constexpr uint16_t kInlineLenMask = 0x7fff;
/// Header flag of an overflow run's first page: the value is compressed.
inline constexpr uint8_t kRunCompressed = 2;
/// Bytes before the codec's frame in a compressed value.
inline constexpr size_t kCompressedHeaderSize = 4;
/// Writes the raw length of a compressed value at out[0..4).
inline void encode_compressed_header(uint32_t raw_len, char* out) { std::memcpy(out, &raw_len, 4); }
/// The raw length and the frame of a stored compressed value; false when it
/// is too short to hold the header.
inline bool decode_compressed_value(std::string_view stored, uint32_t* raw_len,
                                    std::string_view* frame) {
  if (stored.size() < kCompressedHeaderSize) return false;
  std::memcpy(raw_len, stored.data(), 4);
  *frame = stored.substr(kCompressedHeaderSize);
  return true;
}

// --------------------------------------------------------- catalog record
/// Codec numbers as stored in catalog records.
enum DbCodec : uint8_t { kCodecNone = 0, kCodecLz4 = 1, kCodecZstd = 2 };
inline constexpr uint8_t kMaxCodec = kCodecZstd;

/// A db's compression settings, as its catalog record holds them.
struct DbCompression {
  uint8_t codec = kCodecNone;
  int8_t level = 0;
  uint16_t zero = 0;
  uint32_t min_size = 0;
  OverflowRef dict{};  ///< dict.vlen == 0: no dictionary
};
static_assert(sizeof(DbCompression) == 40);
inline constexpr size_t kCatalogSize = sizeof(TreeRef);
inline constexpr size_t kCatalogCompressedSize = sizeof(TreeRef) + sizeof(DbCompression);

/// The catalog key holding the main db's compression settings: one zero
/// byte, a name Txn::open_db reserves (trees hold no empty keys).
inline constexpr std::string_view kMainCompressionKey{"\0", 1};

/// The catalog value of a db: its TreeRef, then its compression settings
/// unless codec is none. Built in *buf; the view is valid while *buf is.
inline std::string_view catalog_value(const TreeRef& r, const DbCompression& c, std::string* buf) {
  buf->assign(reinterpret_cast<const char*>(&r), sizeof r);
  if (c.codec != kCodecNone) buf->append(reinterpret_cast<const char*>(&c), sizeof c);
  return *buf;
}
/// False when v is not a catalog value (wrong size, unknown codec).
inline bool decode_catalog_value(std::string_view v, TreeRef* out, DbCompression* comp) {
  if (v.size() != kCatalogSize && v.size() != kCatalogCompressedSize) return false;
  std::memcpy(out, v.data(), sizeof *out);
  *comp = DbCompression{};
  if (v.size() == kCatalogSize) return true;
  std::memcpy(comp, v.data() + sizeof *out, sizeof *comp);
  if (comp->codec == kCodecNone || comp->codec > kMaxCodec || comp->zero) return false;
  if (comp->dict.vlen && comp->codec != kCodecZstd) return false;
  return true;
}

// -------------------------------------------------------- freelist record
inline constexpr size_t kFreelistKeySize = 12;
/// Key of freelist record (txnid, chunk).
std::string freelist_key(uint64_t txnid, uint32_t chunk);
/// The txn id of a freelist key (0 if the key is short).
uint64_t freelist_key_txnid(std::string_view key);

/// A decoded freelist value; `pages` points into the value's bytes.
struct FreelistValue {
  uint64_t birth = 0;
  const char* pages = nullptr;
  size_t count = 0;
  uint64_t page(size_t i) const {
    uint64_t p;
    std::memcpy(&p, pages + 8 * i, 8);
    return p;
  }
};
/// False when (key, value) is not a well-formed freelist record.
bool decode_freelist_record(std::string_view key, std::string_view value, FreelistValue* out);
/// The value of a record for `count` pages born no earlier than `birth`,
/// built in *buf; the view is valid while *buf is unchanged.
std::string_view encode_freelist_value(uint64_t birth, const uint64_t* pages, size_t count,
                                       std::vector<uint64_t>* buf);

}  // namespace alder::page
