// Cursors: LMDB's positioning rules on top of alder::Cursor.
//
// State kept beside the alder cursor, to give LMDB's answers:
//  * positioned (C_INITIALIZED): NEXT/PREV on a fresh cursor act as
//    FIRST/LAST, GET_CURRENT on it is EINVAL.
//  * after_del (C_DEL): the entry under the cursor was deleted (through
//    this cursor, another one, or mdb_del); the alder cursor sits on the
//    entry that followed it, which NEXT and GET_CURRENT return, while PREV
//    returns the entry before the deleted one.
//  * NEXT past the last entry and PREV before the first leave the cursor
//    on that last / first entry, as LMDB does.
//  * In a write txn the stored key of the position is kept, and a cursor
//    that sees writes made since (txn->writes) re-seeks it: found again, the
//    cursor is where it was; gone, it is in the after_del state.
#include <cerrno>

#include "shim.h"

namespace alder_lmdb {

void end_cursors(MDB_txn* txn) {
  for (MDB_cursor* c : txn->cursors) {
    if (txn->rdonly) {
      c->c.reset();  // an alder cursor must not outlive its txn
      c->txn = nullptr;
      c->positioned = false;
    } else {
      delete c;  // LMDB frees a write txn's cursors when it ends
    }
  }
  txn->cursors.clear();
}

}  // namespace alder_lmdb

using namespace alder_lmdb;

namespace {

MDB_txn* txn_of(MDB_cursor* cur) {
  if (!cur || !cur->txn || !cur->txn->t || !cur->c) throw Fail{EINVAL};
  return cur->txn;
}

void remember(MDB_cursor* cur) {
  cur->positioned = true;
  if (cur->txn->rdonly) return;
  cur->seen_writes = cur->txn->writes;
  if (cur->c->valid()) cur->key.assign(cur->c->key());
}

// Re-finds the cursor's entry after writes made through other paths.
void revalidate(MDB_cursor* cur) {
  MDB_txn* txn = cur->txn;
  if (txn->rdonly || !cur->positioned || cur->seen_writes == txn->writes) return;
  alder::Cursor& c = *cur->c;
  const bool here = c.seek(cur->key) && c.key() == cur->key;
  if (!here) cur->after_del = true;
  cur->seen_writes = txn->writes;
}

int output(MDB_cursor* cur, MDB_val* key, MDB_val* data, bool write_key = true) {
  const DbiSlot& s = slot_of(cur->txn, cur->dbi);
  if (key && write_key) from_stored(cur->txn, s.flags, cur->c->key(), key);
  if (data) set_val(data, cur->c->value());
  return MDB_SUCCESS;
}

bool step_next(MDB_cursor* cur) {
  alder::Cursor& c = *cur->c;
  if (!cur->positioned) return c.first();
  if (cur->after_del) {
    cur->after_del = false;
    return c.valid();  // the entry that followed the deleted one
  }
  if (!c.valid()) return false;
  if (c.next()) return true;
  c.last();  // stay on the last entry
  return false;
}

bool step_prev(MDB_cursor* cur) {
  alder::Cursor& c = *cur->c;
  if (!cur->positioned) return c.last();
  if (cur->after_del) {
    cur->after_del = false;
    return c.valid() ? c.prev() : c.last();
  }
  if (!c.valid()) return c.last();
  if (c.prev()) return true;
  c.first();  // stay on the first entry
  return false;
}

}  // namespace

extern "C" {

int mdb_cursor_open(MDB_txn* txn, MDB_dbi dbi, MDB_cursor** cursor) {
  return guard("mdb_cursor_open", [&] {
    if (!cursor) return EINVAL;
    const DbiSlot& s = slot_of(txn, dbi);
    alder::Txn& t = live_txn(txn);
    auto c = std::make_unique<MDB_cursor>();
    c->txn = txn;
    c->dbi = dbi;
    c->c = t.cursor(s.adbi);
    txn->cursors.push_back(c.get());
    *cursor = c.release();
    return MDB_SUCCESS;
  });
}

void mdb_cursor_close(MDB_cursor* cur) {
  if (!cur) return;
  if (cur->txn) {
    auto& v = cur->txn->cursors;
    for (size_t i = 0; i < v.size(); i++)
      if (v[i] == cur) {
        v.erase(v.begin() + long(i));
        break;
      }
  }
  delete cur;
}

int mdb_cursor_renew(MDB_txn* txn, MDB_cursor* cur) {
  return guard("mdb_cursor_renew", [&] {
    if (!cur || !txn || !txn->rdonly) return EINVAL;
    if (cur->txn && !cur->txn->rdonly) return EINVAL;
    const DbiSlot& s = slot_of(txn, cur->dbi);
    alder::Txn& t = live_txn(txn);
    if (cur->txn) {
      auto& v = cur->txn->cursors;
      for (size_t i = 0; i < v.size(); i++)
        if (v[i] == cur) {
          v.erase(v.begin() + long(i));
          break;
        }
      cur->c.reset();
    }
    cur->c = t.cursor(s.adbi);
    cur->txn = txn;
    cur->positioned = false;
    cur->after_del = false;
    txn->cursors.push_back(cur);
    return MDB_SUCCESS;
  });
}

MDB_txn* mdb_cursor_txn(MDB_cursor* cur) { return cur ? cur->txn : nullptr; }

MDB_dbi mdb_cursor_dbi(MDB_cursor* cur) { return cur ? cur->dbi : 0; }

int mdb_cursor_get(MDB_cursor* cur, MDB_val* key, MDB_val* data, MDB_cursor_op op) {
  return guard("mdb_cursor_get", [&] {
    MDB_txn* txn = txn_of(cur);
    revalidate(cur);
    alder::Cursor& c = *cur->c;
    bool ok = false;
    bool write_key = true;
    switch (op) {
      case MDB_FIRST:
        cur->after_del = false;
        ok = c.first();
        break;
      case MDB_LAST:
        cur->after_del = false;
        ok = c.last();
        break;
      case MDB_NEXT:
      case MDB_NEXT_NODUP:
        ok = step_next(cur);
        break;
      case MDB_PREV:
      case MDB_PREV_NODUP:
        ok = step_prev(cur);
        break;
      case MDB_GET_CURRENT:
        if (!cur->positioned) return EINVAL;
        if (!c.valid()) return MDB_NOTFOUND;
        return output(cur, key, data);
      case MDB_SET:
      case MDB_SET_KEY:
      case MDB_SET_RANGE: {
        if (!key) return EINVAL;
        const DbiSlot& s = slot_of(txn, cur->dbi);
        char buf[kMaxKeySize];
        const std::string_view k = to_stored(s.flags, key, buf);
        cur->after_del = false;
        ok = op == MDB_SET_RANGE ? c.seek(k) : c.find(k);
        write_key = op != MDB_SET;
        if (!ok) {
          cur->positioned = false;
          return MDB_NOTFOUND;
        }
        break;
      }
      default:
        // The *_DUP, GET_BOTH* and *MULTIPLE ops need DUPSORT.
        if (op > MDB_PREV_MULTIPLE) return EINVAL;
        fail(MDB_INCOMPATIBLE, "cursor op " + std::to_string(int(op)) + " needs DUPSORT");
    }
    if (!ok) {
      if (c.valid()) remember(cur);
      return MDB_NOTFOUND;
    }
    remember(cur);
    return output(cur, key, data, write_key);
  });
}

int mdb_cursor_put(MDB_cursor* cur, MDB_val* key, MDB_val* data, unsigned int flags) {
  return guard("mdb_cursor_put", [&] {
    MDB_txn* txn = txn_of(cur);
    if (!key || !data) return EINVAL;
    constexpr unsigned kAllowed = MDB_CURRENT | MDB_NOOVERWRITE | MDB_NODUPDATA | MDB_RESERVE |
                                  MDB_APPEND | MDB_APPENDDUP | MDB_MULTIPLE;
    if (flags & ~kAllowed) return EINVAL;
    require_write(txn);
    const DbiSlot& s = slot_of(txn, cur->dbi);
    revalidate(cur);
    alder::Cursor& c = *cur->c;
    unsigned rest = flags & ~MDB_CURRENT;
    if (rest & MDB_RESERVE) fail(EINVAL, "MDB_RESERVE is not supported (values are copied)");
    if (rest & (MDB_APPENDDUP | MDB_MULTIPLE))
      fail(MDB_INCOMPATIBLE, "MDB_APPENDDUP and MDB_MULTIPLE need DUPSORT");
    if (data->mv_size > 0xffffffffu) return MDB_BAD_VALSIZE;
    if (!data->mv_data && data->mv_size) return EINVAL;
    const std::string_view value = view(data);
    if (flags & MDB_CURRENT) {
      // Replaces the value under the cursor; LMDB takes the key from there.
      if (!cur->positioned || cur->after_del || !c.valid()) return EINVAL;
      const std::string k(c.key());
      c.put(k, value);
    } else {
      alder::PutFlags pf = alder::PutFlags::none;
      if (rest & MDB_NOOVERWRITE) pf = pf | alder::PutFlags::no_overwrite;
      if (rest & MDB_APPEND) pf = pf | alder::PutFlags::append;
      char buf[kMaxKeySize];
      const std::string_view k = to_stored(s.flags, key, buf);
      if (!c.put(k, value, pf)) {
        // MDB_NOOVERWRITE: positioned on the key, its value handed back.
        c.find(k);
        cur->after_del = false;
        remember(cur);
        set_val(data, c.value());
        return MDB_KEYEXIST;
      }
    }
    txn->dirty = true;
    txn->writes++;
    cur->after_del = false;
    remember(cur);
    return MDB_SUCCESS;
  });
}

int mdb_cursor_del(MDB_cursor* cur, unsigned int flags) {
  return guard("mdb_cursor_del", [&] {
    MDB_txn* txn = txn_of(cur);
    if (flags & ~MDB_NODUPDATA) return EINVAL;
    require_write(txn);
    revalidate(cur);
    alder::Cursor& c = *cur->c;
    if (!cur->positioned) return EINVAL;
    if (!c.valid()) return MDB_NOTFOUND;
    c.del();  // moves to the following entry
    txn->dirty = true;
    txn->writes++;
    cur->after_del = true;
    cur->seen_writes = txn->writes;
    if (c.valid()) cur->key.assign(c.key());
    return MDB_SUCCESS;
  });
}

int mdb_cursor_count(MDB_cursor* cur, size_t* countp) {
  return guard("mdb_cursor_count", [&] {
    if (!countp) return EINVAL;
    txn_of(cur);
    revalidate(cur);
    fail(MDB_INCOMPATIBLE, "mdb_cursor_count needs DUPSORT");
  });
}

}  // extern "C"
