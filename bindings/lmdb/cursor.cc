// Cursors: LMDB's positioning rules on top of alder::Cursor.
//
// State kept beside the alder cursor, to give LMDB's answers:
//  * positioned (C_INITIALIZED): NEXT/PREV on a fresh cursor act as
//    FIRST/LAST, GET_CURRENT on it is EINVAL.
//  * after_del (C_DEL): the entry under the cursor was deleted (through
//    this cursor, another one, or mdb_del); the alder cursor sits on the
//    entry that followed it, which NEXT and GET_CURRENT return, while PREV
//    returns the entry before the deleted one. Any get ends the state.
//  * NEXT past the last entry and PREV before the first leave the cursor
//    on that last / first entry, as LMDB does. A SET/SET_KEY/SET_RANGE
//    that misses leaves it at the first key above (LMDB's search point).
//  * In a write txn the stored key of the position is kept, and every
//    write re-seeks the other cursors on that db at once (wrote()): found
//    again, a cursor is where it was; gone, it is in the after_del state.
#include <algorithm>
#include <cerrno>

#include "shim.h"

namespace {
void revalidate(MDB_cursor* cur);
}  // namespace

namespace alder_lmdb {

void wrote(MDB_txn* txn, MDB_dbi dbi, MDB_cursor* except) {
  txn->dirty = true;
  for (MDB_cursor* cur : txn->cursors)
    if (cur != except && cur->dbi == dbi && cur->positioned && cur->c) revalidate(cur);
}

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
  if (!cur || !cur->txn || !active(cur->txn) || !cur->c) throw Fail{EINVAL};
  return cur->txn;
}

// Takes cur off its txn's list of cursors (closed, or renewed elsewhere).
void detach(MDB_cursor* cur) {
  if (!cur->txn) return;
  auto& v = cur->txn->cursors;
  auto it = std::find(v.begin(), v.end(), cur);
  if (it != v.end()) v.erase(it);
}

void remember(MDB_cursor* cur) {
  cur->positioned = true;
  cur->past_end = !cur->c->valid();
  if (!cur->txn->rdonly && !cur->past_end) cur->key.assign(cur->c->key());
}

// After the cursor's entry was deleted: on the entry that followed, past
// the end if none did, or, when the db is now empty, unpositioned (LMDB
// clears C_INITIALIZED then: GET_CURRENT and del answer EINVAL).
void settle_after_delete(MDB_cursor* cur) {
  alder::Cursor& c = *cur->c;
  if (!c.valid()) {
    if (!c.last()) {
      cur->positioned = cur->after_del = false;
      return;
    }
    c.next();  // back past the end
  }
  remember(cur);
  cur->after_del = true;
}

// Puts the cursor back on its entry right after a write made elsewhere in
// its db. Done at once, not at the cursor's next use: an entry inserted
// later into the gap a delete left must end up before the cursor, as in
// LMDB, and only the successor saved at delete time tells where that is.
void revalidate(MDB_cursor* cur) {
  alder::Cursor& c = *cur->c;
  if (cur->past_end) {
    // Still after the last entry, wherever that is now; unpositioned if
    // the db became empty (LMDB uninitializes every cursor of it then).
    if (c.last())
      c.next();
    else
      cur->positioned = cur->after_del = false;
  } else if (!(c.seek(cur->key) && c.key() == cur->key)) {
    cur->after_del = true;  // its entry is gone: now on the one that followed
    settle_after_delete(cur);
  }
}

int output(MDB_cursor* cur, MDB_val* key, MDB_val* data, bool write_key = true) {
  if (key && write_key) from_stored(cur->txn, cur->flags, cur->c->key(), key);
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
  const bool was_valid = c.valid();
  cur->after_del = false;
  if (!was_valid) return c.last();  // past the end: the last entry
  if (c.prev()) return true;
  c.first();  // stay on the first entry
  return false;
}

// Every op of mdb_cursor_get but the scan step. Not inlined into it: its
// frame (a key buffer, six saved registers) would be set up on every step.
[[gnu::noinline]] int cursor_get(MDB_cursor* cur, MDB_val* key, MDB_val* data,
                                 MDB_cursor_op op) {
  MDB_txn* txn = txn_of(cur);
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
    case MDB_NEXT_DUP:  // without DUPSORT LMDB treats the DUP steps as plain ones
    case MDB_NEXT_NODUP:
      ok = step_next(cur);
      break;
    case MDB_PREV:
    case MDB_PREV_DUP:
    case MDB_PREV_NODUP:
      ok = step_prev(cur);
      break;
    case MDB_GET_CURRENT:
      if (!cur->positioned) return EINVAL;
      cur->after_del = false;  // any get ends LMDB's C_DEL state
      if (!c.valid()) return MDB_NOTFOUND;
      return output(cur, key, data);
    case MDB_SET:
    case MDB_SET_KEY:
    case MDB_SET_RANGE: {
      if (!key) return EINVAL;
      const DbiSlot& s = slot_of(txn, cur->dbi);
      cur->after_del = false;
      char buf[kMaxKeySize];
      std::string long_key;  // no stored key is this long, but it has a place
      std::string_view k;
      if (key->mv_size > kMaxKeySize && key->mv_data && (s.flags & kSupportedDbFlags) != MDB_INTEGERKEY) {
        long_key.assign(view(key));
        if (converts(s.flags)) std::reverse(long_key.begin(), long_key.end());
        k = long_key;
      } else {
        k = to_stored(s.flags, key, buf, KeyUse::write);
      }
      // Missed or not, the cursor now sits at the first key >= k (past
      // the end if none), and counts as positioned unless the db is
      // empty: LMDB's search leaves it there, initialized.
      const bool found = c.seek(k);
      ok = op == MDB_SET_RANGE ? found : found && c.key() == k;
      write_key = op != MDB_SET;
      if (!ok) {
        if (found || (c.last() && !c.next())) remember(cur);
        return MDB_NOTFOUND;
      }
      break;
    }
    default:
      // FIRST_DUP, LAST_DUP, GET_BOTH* and *MULTIPLE need DUPSORT (LMDB
      // answers MDB_INCOMPATIBLE on a plain db too).
      if (op > MDB_PREV_MULTIPLE) return EINVAL;
      fail(MDB_INCOMPATIBLE, "cursor op " + std::to_string(int(op)) + " needs DUPSORT");
  }
  if (!ok) {
    if (c.valid()) remember(cur);
    return MDB_NOTFOUND;
  }
  remember(cur);
  return output(cur, key, data, write_key);
}

// MDB_NEXT from an entry of a read txn: a scan's step, the hot call. Needs
// no state but the position, so it is checked and done here, apart from the
// general path (measured: the general path's frame cost a scan about 1 ns
// a step).
bool is_scan_step(const MDB_cursor* cur, MDB_cursor_op op) {
  const MDB_txn* t = cur ? cur->txn : nullptr;
  return op == MDB_NEXT && t && t->rdonly && active(t) && cur->c && cur->positioned &&
         !cur->past_end && !cur->after_del;
}

int scan_step(MDB_cursor* cur, MDB_val* key, MDB_val* data) {
  alder::Cursor& c = *cur->c;
  if (!c.next()) {
    c.last();  // LMDB stays on the last entry
    return MDB_NOTFOUND;
  }
  if (converts(cur->flags)) return output(cur, key, data);
  if (key) set_val(key, c.key());
  if (data) set_val(data, c.value());
  return MDB_SUCCESS;
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
    c->flags = s.flags;
    c->c = t.cursor(s.adbi);
    txn->cursors.push_back(c.get());
    *cursor = c.release();
    return MDB_SUCCESS;
  });
}

void mdb_cursor_close(MDB_cursor* cur) {
  if (!cur) return;
  detach(cur);
  delete cur;
}

int mdb_cursor_renew(MDB_txn* txn, MDB_cursor* cur) {
  return guard("mdb_cursor_renew", [&] {
    if (!cur || !txn || !txn->rdonly) return EINVAL;
    if (cur->txn && !cur->txn->rdonly) return EINVAL;
    const DbiSlot& s = slot_of(txn, cur->dbi);
    alder::Txn& t = live_txn(txn);
    if (cur->txn) {
      detach(cur);
      cur->c.reset();
    }
    cur->c = t.cursor(s.adbi);
    cur->flags = s.flags;
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
  if (is_scan_step(cur, op))
    return guard("mdb_cursor_get", [&] { return scan_step(cur, key, data); });
  return guard("mdb_cursor_get", [&] { return cursor_get(cur, key, data, op); });
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
    alder::Cursor& c = *cur->c;
    unsigned rest = flags & ~MDB_CURRENT;
    if (rest & MDB_RESERVE) fail(EINVAL, "MDB_RESERVE is not supported (values are copied)");
    if (rest & MDB_MULTIPLE) fail(MDB_INCOMPATIBLE, "MDB_MULTIPLE needs DUPFIXED");
    if (data->mv_size > 0xffffffffu) return MDB_BAD_VALSIZE;
    if (!data->mv_data && data->mv_size) return EINVAL;
    const std::string_view value = view(data);
    if (flags & MDB_CURRENT) {
      // Replaces the value under the cursor; LMDB takes the key from there.
      if (!cur->positioned) return EINVAL;
      if (!c.valid()) return MDB_NOTFOUND;
      const std::string k(c.key());
      // LMDB requires the key to match and corrupts its order when it does
      // not; here that is a clear EINVAL.
      char buf[kMaxKeySize];
      if (to_stored(s.flags, key, buf, KeyUse::write) != k)
        fail(EINVAL, "MDB_CURRENT with a key other than the cursor's");
      c.put(k, value);
      remember(cur);  // after a delete, the cursor stays in that state (LMDB's C_DEL)
      wrote(txn, cur->dbi, cur);
      return MDB_SUCCESS;
    } else {
      alder::PutFlags pf = alder::PutFlags::none;
      if (rest & MDB_NOOVERWRITE) pf = pf | alder::PutFlags::no_overwrite;
      if (rest & MDB_APPEND) pf = pf | alder::PutFlags::append;
      char buf[kMaxKeySize];
      const std::string_view k = to_stored(s.flags, key, buf, KeyUse::write);
      if (!c.put(k, value, pf)) {
        // MDB_NOOVERWRITE: positioned on the key, its value handed back
        // (an after-delete state stays, as LMDB's C_DEL does here).
        c.find(k);
        remember(cur);
        set_val(data, c.value());
        return MDB_KEYEXIST;
      }
    }
    cur->after_del = false;
    remember(cur);
    wrote(txn, cur->dbi, cur);
    return MDB_SUCCESS;
  });
}

int mdb_cursor_del(MDB_cursor* cur, unsigned int flags) {
  return guard("mdb_cursor_del", [&] {
    MDB_txn* txn = txn_of(cur);
    if (flags & ~MDB_NODUPDATA) return EINVAL;
    require_write(txn);
    alder::Cursor& c = *cur->c;
    if (!cur->positioned) return EINVAL;
    if (!c.valid()) return MDB_NOTFOUND;
    c.del();  // moves to the following entry
    settle_after_delete(cur);
    wrote(txn, cur->dbi, cur);
    return MDB_SUCCESS;
  });
}

int mdb_cursor_count(MDB_cursor* cur, size_t* countp) {
  return guard("mdb_cursor_count", [&] {
    if (!countp) return EINVAL;
    txn_of(cur);
    fail(MDB_INCOMPATIBLE, "mdb_cursor_count needs DUPSORT");
  });
}

}  // extern "C"
