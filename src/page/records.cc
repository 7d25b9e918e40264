#include "page/records.h"

namespace alder::page {

std::string freelist_key(uint64_t txnid, uint32_t chunk) {
  std::string k(kFreelistKeySize, '\0');
  uint64_t t = __builtin_bswap64(txnid);
  uint32_t c = __builtin_bswap32(chunk);
  std::memcpy(k.data(), &t, 8);
  std::memcpy(k.data() + 8, &c, 4);
  return k;
}

uint64_t freelist_key_txnid(std::string_view key) {
  uint64_t t = 0;
  if (key.size() >= 8) std::memcpy(&t, key.data(), 8);
  return __builtin_bswap64(t);
}

bool decode_freelist_record(std::string_view key, std::string_view value, FreelistValue* out) {
  if (key.size() != kFreelistKeySize || value.size() < 16 || value.size() % 8 != 0) return false;
  std::memcpy(&out->birth, value.data(), 8);
  out->pages = value.data() + 8;
  out->count = value.size() / 8 - 1;
  return true;
}

std::string_view encode_freelist_value(uint64_t birth, const uint64_t* pages, size_t count,
                                       std::vector<uint64_t>* buf) {
  buf->assign(1, birth);
  buf->insert(buf->end(), pages, pages + count);
  return {reinterpret_cast<const char*>(buf->data()), buf->size() * 8};
}

}  // namespace alder::page
