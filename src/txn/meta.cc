#include "txn/meta.h"

#include <cstring>

namespace alder::txn {

// Checksum of a meta page image whose checksum field is zero.
static uint64_t meta_checksum(const uint8_t* image, size_t n) {
  return page::checksum(image, n, 0);
}

void encode_meta(Meta m, const std::vector<uint64_t>& inline_free, uint8_t* page,
                 uint32_t page_size) {
  std::memset(page, 0, page_size);
  m.inline_free_words = uint32_t(inline_free.size());
  m.checksum = 0;
  std::memcpy(page, &m, sizeof m);
  const size_t extra = inline_free.size() * 8;
  if (extra) std::memcpy(page + sizeof m, inline_free.data(), extra);
  m.checksum = meta_checksum(page, sizeof m + extra);
  std::memcpy(page + offsetof(Meta, checksum), &m.checksum, 8);
}

Meta decode_meta(const uint8_t* data, size_t n, MetaProblem* problem,
                 std::vector<uint64_t>* inline_free) {
  Meta m;
  *problem = MetaProblem::foreign;
  if (n < sizeof m) return m;
  std::memcpy(&m, data, sizeof m);
  if (m.magic != kMagic) return m;
  if (m.version < kFormatVersion || m.version > kNewestFormatVersion) {
    *problem = MetaProblem::version;
    return m;
  }
  const size_t extra = size_t(m.inline_free_words) * 8;
  if (m.page_size < sizeof m || extra > m.page_size - sizeof m || sizeof m + extra > n) {
    *problem = MetaProblem::checksum;
    return m;
  }
  std::vector<uint8_t> image(data, data + sizeof m + extra);
  std::memset(image.data() + offsetof(Meta, checksum), 0, 8);
  if (m.checksum != meta_checksum(image.data(), image.size())) {
    *problem = MetaProblem::checksum;
    return m;
  }
  bool pow2 = m.page_size && (m.page_size & (m.page_size - 1)) == 0;
  if (!pow2 || m.page_size < page::kMinPageSize || m.page_size > page::kMaxPageSize ||
      m.npages < 2) {
    *problem = MetaProblem::page_size;
    return m;
  }
  if (inline_free) {
    inline_free->resize(m.inline_free_words);
    if (extra) std::memcpy(inline_free->data(), data + sizeof m, extra);
  }
  *problem = MetaProblem::none;
  return m;
}

}  // namespace alder::txn
