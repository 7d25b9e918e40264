// Transactions (begin/commit/abort/reset/renew/id) and db handles
// (dbi_open/close/flags, stat, drop).
#include <algorithm>
#include <cerrno>

#include "shim.h"

namespace alder_lmdb {

namespace {

constexpr unsigned kTxnFlags = MDB_RDONLY | MDB_NOSYNC | MDB_NOMETASYNC;

// Txn handles are read by other threads under env->mu (mdb_reader_list,
// mdb_env_set_mapsize): the alder txn is put in and taken out under it.
std::optional<alder::Txn> take_txn(MDB_txn* txn) {
  std::lock_guard lk(txn->env->mu);
  std::optional<alder::Txn> t = std::move(txn->t);
  txn->t.reset();
  return t;
}

void unregister(MDB_txn* txn) {
  std::lock_guard lk(txn->env->mu);
  auto& v = txn->env->txns;
  v.erase(std::remove(v.begin(), v.end(), txn), v.end());
}

// Handles opened in a txn become the env's when it commits and are
// dropped when it aborts or resets (LMDB's rule).
void settle_dbis(MDB_txn* txn, bool keep) {
  std::lock_guard lk(txn->env->mu);
  for (MDB_dbi d : txn->opened) {
    DbiSlot& s = txn->env->dbis[d];
    if (s.owner != txn) continue;
    if (keep) {
      s.owner = nullptr;
      s.epoch = ++txn->env->dbi_epoch;
    }
    else
      s = DbiSlot{};
  }
  txn->opened.clear();
}

// The record's key: the db's name; the main db's ("") is one NUL byte,
// which no LMDB name (a C string) can be, as alder keys cannot be empty.
std::string flags_key(const std::string& name) { return name.empty() ? std::string(1, '\0') : name; }

void put_flags_record(alder::Txn& t, const std::string& name, unsigned flags) {
  alder::Dbi f = t.open_db(kFlagsDbName, alder::DbFlags::create);
  const char b[4] = {char(flags & 0xff), char(flags >> 8 & 0xff), char(flags >> 16 & 0xff),
                     char(flags >> 24 & 0xff)};
  t.put(f, flags_key(name), std::string_view(b, 4));
}

void del_flags_record(alder::Txn& t, const std::string& name) {
  try {
    t.del(t.open_db(kFlagsDbName), flags_key(name));
  } catch (const alder::Error& e) {
    if (e.code() != alder::ErrorCode::unknown_db) throw;
  }
}

}  // namespace

unsigned read_flags_record(alder::Txn& t, const std::string& name) {
  alder::Dbi f;
  try {
    f = t.open_db(kFlagsDbName);
  } catch (const alder::Error& e) {
    if (e.code() == alder::ErrorCode::unknown_db) return 0;
    throw;
  }
  auto v = t.get(f, flags_key(name));
  if (!v || v->size() != 4) return 0;
  const auto* b = reinterpret_cast<const unsigned char*>(v->data());
  return unsigned(b[0]) | unsigned(b[1]) << 8 | unsigned(b[2]) << 16 | unsigned(b[3]) << 24;
}

DbiSlot& slot_of(MDB_txn* txn, MDB_dbi dbi) {
  if (!txn || dbi >= txn->env->dbis.size()) throw Fail{EINVAL};
  DbiSlot& s = txn->env->dbis[dbi];
  if (!s.used || (s.owner ? s.owner != txn : s.epoch > txn->dbi_epoch)) throw Fail{EINVAL};
  return s;
}

alder::Txn& live_txn(MDB_txn* txn) {
  if (!txn || !active(txn)) throw Fail{EINVAL};
  return *txn->t;
}

void require_write(MDB_txn* txn) {
  if (txn->rdonly) throw Fail{EACCES};
}

}  // namespace alder_lmdb

using namespace alder_lmdb;

extern "C" {

int mdb_txn_begin(MDB_env* env, MDB_txn* parent, unsigned int flags, MDB_txn** txn) {
  return guard("mdb_txn_begin", [&] {
    if (!env || !txn || !env->env) return EINVAL;
    if (parent) fail(MDB_INCOMPATIBLE, "nested transactions are not supported");
    if (flags & ~kTxnFlags) return EINVAL;
    const bool rdonly = flags & MDB_RDONLY;
    if (!rdonly && (env->flags & MDB_RDONLY)) return EACCES;
    auto t = std::make_unique<MDB_txn>();
    t->env = env;
    t->rdonly = rdonly;
    t->tid = pthread_self();
    {
      std::lock_guard lk(env->mu);
      if (rdonly && std::count_if(env->txns.begin(), env->txns.end(),
                                  [](const MDB_txn* x) { return x->rdonly; }) >= env->max_readers)
        return MDB_READERS_FULL;
    }
    // The write txn waits here for another one to end: not under env->mu.
    t->t = rdonly ? env->env->begin_read() : env->env->begin_write();
    t->id = t->t->id() - kTxnIdOffset;
    std::lock_guard lk(env->mu);
    t->dbi_epoch = env->dbi_epoch;
    env->txns.push_back(t.get());
    *txn = t.release();
    return MDB_SUCCESS;
  });
}

MDB_env* mdb_txn_env(MDB_txn* txn) { return txn ? txn->env : nullptr; }

size_t mdb_txn_id(MDB_txn* txn) { return txn && active(txn) ? size_t(txn->id) : 0; }

int mdb_txn_commit(MDB_txn* txn) {
  if (!txn) return EINVAL;
  if (!active(txn)) {  // a reset txn: refused, and freed as every commit frees
    mdb_txn_abort(txn);
    return EINVAL;
  }
  int rc;
  if (txn->rdonly) {
    end_cursors(txn);
    take_txn(txn)->abort();  // a read txn's commit just ends it
    rc = MDB_SUCCESS;
  } else {
    rc = guard("mdb_txn_commit", [&] {
      end_cursors(txn);
      // A write txn that wrote nothing does not commit: LMDB's txn ids
      // only count commits that changed something.
      if (!txn->dirty)
        txn->t->abort();
      else
        txn->t->commit();
      if (txn->dirty && txn->env->sync_after_commit) txn->env->env->sync();
      return MDB_SUCCESS;
    });
    end_cursors(txn);
    take_txn(txn).reset();
  }
  settle_dbis(txn, rc == MDB_SUCCESS);
  unregister(txn);
  delete txn;
  return rc;
}

void mdb_txn_abort(MDB_txn* txn) {
  if (!txn) return;
  end_cursors(txn);
  take_txn(txn).reset();
  settle_dbis(txn, false);
  unregister(txn);
  delete txn;
}

void mdb_txn_reset(MDB_txn* txn) {
  if (!txn || !txn->rdonly || !active(txn)) return;
  end_cursors(txn);
  // alder's reset: the snapshot goes (the writer may reuse its pages), the
  // reader slot stays for renew. Only the flag is read by other threads.
  txn->t->reset();
  {
    std::lock_guard lk(txn->env->mu);
    txn->reset = true;
  }
  settle_dbis(txn, false);
  txn->arena.clear();
}

int mdb_txn_renew(MDB_txn* txn) {
  return guard("mdb_txn_renew", [&] {
    if (!txn || !txn->rdonly || !txn->reset || !txn->env->env) return EINVAL;
    // After a reopen of the env (mdb_env_set_mapsize) the old alder txn
    // is gone: begin a new one instead.
    std::optional<alder::Txn> fresh;
    if (txn->t)
      txn->t->renew();
    else
      fresh = txn->env->env->begin_read();
    std::lock_guard lk(txn->env->mu);
    if (fresh) txn->t = std::move(fresh);
    txn->reset = false;
    txn->id = txn->t->id() - kTxnIdOffset;
    txn->tid = pthread_self();
    txn->dbi_epoch = txn->env->dbi_epoch;
    return MDB_SUCCESS;
  });
}

int mdb_dbi_open(MDB_txn* txn, const char* name, unsigned int flags, MDB_dbi* dbi) {
  return guard("mdb_dbi_open", [&] {
    if (!txn || !dbi) return EINVAL;
    alder::Txn& t = live_txn(txn);
    if (flags & ~(kSupportedDbFlags | kDupFlags | MDB_CREATE)) return EINVAL;
    if (flags & kDupFlags)
      fail(MDB_INCOMPATIBLE, "MDB_DUPSORT and the other duplicate-key flags are not supported");
    const unsigned want = flags & kSupportedDbFlags;
    MDB_env* env = txn->env;
    std::lock_guard lk(env->mu);
    if (!name) {
      DbiSlot& m = env->dbis[kMainDbi];
      if ((m.flags | want) != m.flags) {
        // LMDB adds the flags to the main db's. With entries present that
        // would reorder keys under them: refuse instead.
        if (t.db_stat(alder::kMainDbi).entries != 0)
          fail(MDB_INCOMPATIBLE, "cannot change the key order of a non-empty main db");
        require_write(txn);
        put_flags_record(t, "", m.flags | want);
        txn->dirty = true;  // the flags db only: no cursor moves
        m.flags |= want;
      }
      *dbi = kMainDbi;
      return MDB_SUCCESS;
    }
    const std::string n(name);
    for (MDB_dbi i = kFirstNamedDbi; i < env->dbis.size(); i++) {
      const DbiSlot& s = env->dbis[i];
      if (s.used && s.name == n && (!s.owner || s.owner == txn)) {
        *dbi = i;
        return MDB_SUCCESS;
      }
    }
    MDB_dbi free_slot = 0;
    for (MDB_dbi i = kFirstNamedDbi; i < env->dbis.size() && !free_slot; i++)
      if (!env->dbis[i].used) free_slot = i;
    if (!free_slot) return MDB_DBS_FULL;
    DbiSlot s;
    s.used = true;
    s.name = n;
    s.owner = txn;
    try {
      s.adbi = t.open_db(n);
      s.flags = read_flags_record(t, n);  // an existing db keeps its flags
    } catch (const alder::Error& e) {
      if (e.code() != alder::ErrorCode::unknown_db || !(flags & MDB_CREATE)) throw;
      require_write(txn);
      s.adbi = t.open_db(n, alder::DbFlags::create);
      if (want) put_flags_record(t, n, want);
      s.flags = want;
      txn->dirty = true;  // a new db: no cursor can be on it yet
    }
    env->dbis[free_slot] = s;
    txn->opened.push_back(free_slot);
    *dbi = free_slot;
    return MDB_SUCCESS;
  });
}

int mdb_dbi_flags(MDB_txn* txn, MDB_dbi dbi, unsigned int* flags) {
  return guard("mdb_dbi_flags", [&] {
    if (!flags) return EINVAL;
    *flags = slot_of(txn, dbi).flags;
    return MDB_SUCCESS;
  });
}

void mdb_dbi_close(MDB_env* env, MDB_dbi dbi) {
  if (!env || dbi < kFirstNamedDbi) return;
  std::lock_guard lk(env->mu);
  if (dbi < env->dbis.size()) env->dbis[dbi] = DbiSlot{};
}

int mdb_stat(MDB_txn* txn, MDB_dbi dbi, MDB_stat* st) {
  return guard("mdb_stat", [&] {
    if (!st) return EINVAL;
    const DbiSlot& s = slot_of(txn, dbi);
    alder::DbStat d = live_txn(txn).db_stat(s.adbi);
    st->ms_psize = d.page_size;
    st->ms_depth = d.depth;
    st->ms_branch_pages = d.branch_pages;
    st->ms_leaf_pages = d.leaf_pages;
    st->ms_overflow_pages = d.overflow_pages;
    st->ms_entries = d.entries;
    return MDB_SUCCESS;
  });
}

int mdb_drop(MDB_txn* txn, MDB_dbi dbi, int del) {
  return guard("mdb_drop", [&] {
    DbiSlot& s = slot_of(txn, dbi);
    alder::Txn& t = live_txn(txn);
    require_write(txn);
    if (del && dbi >= kFirstNamedDbi) {
      t.drop_db(s.adbi);
      del_flags_record(t, s.name);
      txn->dirty = true;
      // The db is gone: its cursors can only be closed now (EINVAL else).
      for (MDB_cursor* c : txn->cursors)
        if (c->dbi == dbi) c->c.reset();
      std::lock_guard lk(txn->env->mu);
      s = DbiSlot{};  // LMDB closes the handle at once
    } else {
      t.clear_db(s.adbi);  // the main db is only emptied, as in LMDB
      wrote(txn, dbi);
    }
    return MDB_SUCCESS;
  });
}

int mdb_set_compare(MDB_txn*, MDB_dbi, MDB_cmp_func*) {
  debug_note("mdb_set_compare", "custom comparators are not supported");
  return MDB_INCOMPATIBLE;
}

int mdb_set_dupsort(MDB_txn*, MDB_dbi, MDB_cmp_func*) {
  debug_note("mdb_set_dupsort", "DUPSORT is not supported");
  return MDB_INCOMPATIBLE;
}

int mdb_set_relfunc(MDB_txn* txn, MDB_dbi dbi, MDB_rel_func*) {
  return guard("mdb_set_relfunc", [&] {
    slot_of(txn, dbi);
    return MDB_SUCCESS;
  });
}

int mdb_set_relctx(MDB_txn* txn, MDB_dbi dbi, void*) {
  return guard("mdb_set_relctx", [&] {
    slot_of(txn, dbi);
    return MDB_SUCCESS;
  });
}

}  // extern "C"
