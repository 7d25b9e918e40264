#include "txn/meta.h"

#include <cstring>

namespace alder::txn {

static uint64_t meta_checksum(const Meta& m) {
  return page::checksum(reinterpret_cast<const uint8_t*>(&m),
                        offsetof(Meta, checksum), 0);
}

void encode_meta(Meta m, uint8_t* page, uint32_t page_size) {
  std::memset(page, 0, page_size);
  m.checksum = meta_checksum(m);
  std::memcpy(page, &m, sizeof m);
}

Meta decode_meta(const uint8_t* data, size_t n, MetaProblem* problem) {
  Meta m;
  *problem = MetaProblem::foreign;
  if (n < sizeof m) return m;
  std::memcpy(&m, data, sizeof m);
  if (m.magic != kMagic) return m;
  if (m.version != kFormatVersion) {
    *problem = MetaProblem::version;
    return m;
  }
  if (m.checksum != meta_checksum(m)) {
    *problem = MetaProblem::checksum;
    return m;
  }
  bool pow2 = m.page_size && (m.page_size & (m.page_size - 1)) == 0;
  if (!pow2 || m.page_size < page::kMinPageSize || m.page_size > page::kMaxPageSize ||
      m.npages < 2) {
    *problem = MetaProblem::page_size;
    return m;
  }
  *problem = MetaProblem::none;
  return m;
}

}  // namespace alder::txn
