// Point operations (get/put/del), LMDB's key orders by key conversion, and
// mdb_cmp/mdb_dcmp.
//
// REVERSEKEY: LMDB compares keys from their last byte backwards, the
// shorter first on a tie; memcmp order of the byte-reversed key is exactly
// that. INTEGERKEY: keys are native-endian unsigned int or size_t, ordered
// as numbers; memcmp order of their big-endian bytes is that. So alder
// stores the converted key and its plain memcmp order is the LMDB order.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "shim.h"

namespace alder_lmdb {

char* Arena::alloc(size_t n) {
  if (n > kBlock) {  // keys are at most 511 bytes; keep the rule total
    blocks_.push_back(std::make_unique<char[]>(n));
    return blocks_.back().get();
  }
  // 8-byte aligned: INTEGERKEY keys handed back may be read as size_t.
  used_ = (used_ + 7) & ~size_t{7};
  if (used_ + n > kBlock) {
    blocks_.push_back(std::make_unique<char[]>(kBlock));
    used_ = 0;
  }
  char* p = blocks_.back().get() + used_;
  used_ += n;
  return p;
}

namespace {

// Byte-reverses (REVERSEKEY) or, on this little-endian build, turns a
// native integer into big-endian (INTEGERKEY): both are a reversal.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "INTEGERKEY conversion assumes a little-endian host");
void reverse_into(const char* src, size_t n, char* dst) {
  for (size_t i = 0; i < n; i++) dst[i] = src[n - 1 - i];
}

void check_key_size(unsigned flags, size_t n, KeyUse use) {
  if (n == 0) throw Fail{MDB_BAD_VALSIZE};
  // A lookup of a key no write could store finds nothing (LMDB's answer);
  // a write of it is refused.
  if (n > kMaxKeySize) throw Fail{use == KeyUse::lookup ? MDB_NOTFOUND : MDB_BAD_VALSIZE};
  // LMDB leaves other widths undefined; a clear error beats a wrong order.
  if ((flags & kSupportedDbFlags) == MDB_INTEGERKEY && n != sizeof(unsigned) && n != sizeof(size_t))
    throw Fail{MDB_BAD_VALSIZE};
}

}  // namespace

std::string_view to_stored(unsigned flags, const MDB_val* key, char* buf, KeyUse use) {
  if (!key || (!key->mv_data && key->mv_size)) throw Fail{EINVAL};
  check_key_size(flags, key->mv_size, use);
  if (!converts(flags)) return view(key);
  reverse_into(static_cast<const char*>(key->mv_data), key->mv_size, buf);
  return {buf, key->mv_size};
}

void from_stored(MDB_txn* txn, unsigned flags, std::string_view stored, MDB_val* out) {
  if (!converts(flags)) {
    set_val(out, stored);
    return;
  }
  char* p = txn->arena.alloc(stored.size());
  reverse_into(stored.data(), stored.size(), p);
  out->mv_size = stored.size();
  out->mv_data = p;
}

}  // namespace alder_lmdb

using namespace alder_lmdb;

namespace {

constexpr unsigned kPutFlags = MDB_NOOVERWRITE | MDB_NODUPDATA | MDB_RESERVE | MDB_APPEND | MDB_APPENDDUP;

// Flags shared by mdb_put and mdb_cursor_put, checked after the dbi.
alder::PutFlags put_flags(unsigned flags) {
  if (flags & MDB_RESERVE) fail(EINVAL, "MDB_RESERVE is not supported (values are copied)");
  alder::PutFlags f = alder::PutFlags::none;
  if (flags & MDB_NOOVERWRITE) f = f | alder::PutFlags::no_overwrite;
  if (flags & MDB_APPEND) f = f | alder::PutFlags::append;
  return f;  // MDB_NODUPDATA, MDB_APPENDDUP: no effect without DUPSORT (as in LMDB)
}

std::string_view value_of(const MDB_val* data) {
  if (!data || (!data->mv_data && data->mv_size)) throw Fail{EINVAL};
  if (data->mv_size > 0xffffffffu) throw Fail{MDB_BAD_VALSIZE};
  return view(data);
}

int compare_stored(unsigned flags, const MDB_val* a, const MDB_val* b) {
  char ba[kMaxKeySize], bb[kMaxKeySize];
  if (!a || !b) return 0;
  if (!converts(flags) || a->mv_size > kMaxKeySize || b->mv_size > kMaxKeySize) {
    const int c = std::memcmp(a->mv_data, b->mv_data, std::min(a->mv_size, b->mv_size));
    return c ? c : (a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size);
  }
  reverse_into(static_cast<const char*>(a->mv_data), a->mv_size, ba);
  reverse_into(static_cast<const char*>(b->mv_data), b->mv_size, bb);
  const int c = std::memcmp(ba, bb, std::min(a->mv_size, b->mv_size));
  return c ? c : (a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size);
}

}  // namespace

extern "C" {

int mdb_get(MDB_txn* txn, MDB_dbi dbi, MDB_val* key, MDB_val* data) {
  return guard("mdb_get", [&] {
    if (!key || !data) return EINVAL;
    const DbiSlot& s = slot_of(txn, dbi);
    alder::Txn& t = live_txn(txn);
    char buf[kMaxKeySize];
    auto v = t.get(s.adbi, to_stored(s.flags, key, buf, KeyUse::lookup));
    if (!v) return MDB_NOTFOUND;
    set_val(data, *v);
    return MDB_SUCCESS;
  });
}

int mdb_put(MDB_txn* txn, MDB_dbi dbi, MDB_val* key, MDB_val* data, unsigned int flags) {
  return guard("mdb_put", [&] {
    if (!key || !data) return EINVAL;
    const DbiSlot& s = slot_of(txn, dbi);
    alder::Txn& t = live_txn(txn);
    if (flags & ~kPutFlags) return EINVAL;
    require_write(txn);
    const alder::PutFlags pf = put_flags(flags);
    char buf[kMaxKeySize];
    const std::string_view k = to_stored(s.flags, key, buf, KeyUse::write);
    if (!t.put(s.adbi, k, value_of(data), pf)) {
      // MDB_NOOVERWRITE: LMDB hands back the value already there.
      set_val(data, *t.get(s.adbi, k));
      return MDB_KEYEXIST;
    }
    wrote(txn, dbi);
    return MDB_SUCCESS;
  });
}

int mdb_del(MDB_txn* txn, MDB_dbi dbi, MDB_val* key, MDB_val* /*data: no DUPSORT*/) {
  return guard("mdb_del", [&] {
    if (!key) return EINVAL;
    const DbiSlot& s = slot_of(txn, dbi);
    alder::Txn& t = live_txn(txn);
    require_write(txn);
    char buf[kMaxKeySize];
    if (!t.del(s.adbi, to_stored(s.flags, key, buf, KeyUse::lookup))) return MDB_NOTFOUND;
    wrote(txn, dbi);
    return MDB_SUCCESS;
  });
}

int mdb_cmp(MDB_txn* txn, MDB_dbi dbi, const MDB_val* a, const MDB_val* b) {
  try {
    return compare_stored(slot_of(txn, dbi).flags, a, b);
  } catch (...) {
    return 0;
  }
}

int mdb_dcmp(MDB_txn* txn, MDB_dbi dbi, const MDB_val* a, const MDB_val* b) {
  try {
    slot_of(txn, dbi);
    return compare_stored(0, a, b);  // values: always memcmp order
  } catch (...) {
    return 0;
  }
}

}  // extern "C"
