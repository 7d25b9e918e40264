// Environment functions: create/open/close, options (map size, readers,
// dbs, flags), stat/info, sync, path, fd, user context.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "shim.h"

namespace alder_lmdb {

namespace {

constexpr unsigned kOpenFlags = MDB_FIXEDMAP | MDB_NOSUBDIR | MDB_NOSYNC | MDB_RDONLY |
                                MDB_NOMETASYNC | MDB_WRITEMAP | MDB_MAPASYNC | MDB_NOTLS |
                                MDB_NOLOCK | MDB_NORDAHEAD | MDB_NOMEMINIT | MDB_PREVSNAPSHOT;
constexpr unsigned kChangeable = MDB_NOSYNC | MDB_NOMETASYNC | MDB_MAPASYNC | MDB_NOMEMINIT;

alder::Durability durability_of(unsigned flags) {
  if ((flags & MDB_NOSYNC) || ((flags & MDB_WRITEMAP) && (flags & MDB_MAPASYNC)))
    return alder::Durability::no_sync;
  if (flags & MDB_NOMETASYNC) return alder::Durability::no_meta_sync;
  return alder::Durability::sync;
}

// sync > no_meta_sync > no_sync
int strength(alder::Durability d) {
  return d == alder::Durability::sync ? 2 : d == alder::Durability::no_meta_sync ? 1 : 0;
}

bool any_live_txn(const MDB_env* env) {
  return std::any_of(env->txns.begin(), env->txns.end(),
                     [](const MDB_txn* t) { return active(t); });
}

// Re-resolves every open dbi against the (re)opened alder env.
void load_dbis(MDB_env* env) {
  alder::Txn t = env->env->begin_read();
  DbiSlot& main = env->dbis[kMainDbi];
  main.used = true;
  main.name.clear();
  main.adbi = alder::kMainDbi;
  main.flags = read_flags_record(t, "");
  for (MDB_dbi i = kFirstNamedDbi; i < env->dbis.size(); i++) {
    DbiSlot& s = env->dbis[i];
    if (!s.used) continue;
    s.adbi = t.open_db(s.name);
  }
}

}  // namespace

alder::EnvOptions options_for(const MDB_env* env) {
  alder::EnvOptions o;
  o.max_size = std::max<uint64_t>(env->mapsize, uint64_t(o.page_size) * 8);
  // One more than LMDB's count: the flags db (kFlagsDbName).
  o.max_dbs = std::min<uint32_t>(env->max_dbs, 65534) + 1;
  o.durability = durability_of(env->flags);
  o.no_readahead = env->flags & MDB_NORDAHEAD;
  o.read_only = env->flags & MDB_RDONLY;
  o.create = !(env->flags & MDB_RDONLY);
  return o;
}

void reopen(MDB_env* env) {
  // Reset txns hold no snapshot but still count as live for alder's close:
  // drop their alder txns (renew begins a new one).
  for (MDB_txn* t : env->txns)
    if (t->reset) t->t.reset();
  alder::EnvOptions o = options_for(env);
  o.file_mode = 0644;
  env->env->close();
  env->env.reset();
  env->env = alder::Env::open(env->data_path, o);
  env->sync_after_commit = false;
  load_dbis(env);
}

}  // namespace alder_lmdb

using namespace alder_lmdb;

extern "C" {

int mdb_env_create(MDB_env** env) {
  return guard("mdb_env_create", [&] {
    if (!env) return EINVAL;
    *env = new MDB_env();
    return MDB_SUCCESS;
  });
}

int mdb_env_open(MDB_env* env, const char* path, unsigned int flags, mdb_mode_t mode) {
  return guard("mdb_env_open", [&] {
    if (!env || !path || env->env) return EINVAL;
    if (flags & ~kOpenFlags) return EINVAL;
    if (flags & (MDB_FIXEDMAP | MDB_PREVSNAPSHOT))
      fail(MDB_INCOMPATIBLE, "MDB_FIXEDMAP and MDB_PREVSNAPSHOT are not supported");
    env->flags = flags;
    env->path = path;
    struct stat st;
    if (flags & MDB_NOSUBDIR) {
      env->data_path = path;
    } else {
      // LMDB's layout: an existing directory holding data.mdb.
      if (::stat(path, &st) != 0) return errno;
      if (!S_ISDIR(st.st_mode)) return ENOTDIR;
      env->data_path = env->path + "/data.mdb";
    }
    if (::stat(env->data_path.c_str(), &st) != 0) {
      if (errno != ENOENT || (flags & MDB_RDONLY)) return errno;
    } else if (S_ISDIR(st.st_mode)) {
      return EISDIR;
    }
    alder::EnvOptions o = options_for(env);
    o.file_mode = mode;
    env->env = alder::Env::open(env->data_path, o);
    env->dbis.assign(size_t(env->max_dbs) + kFirstNamedDbi, DbiSlot{});
    try {
      load_dbis(env);
    } catch (...) {
      env->env.reset();
      throw;
    }
    env->fd = ::open(env->data_path.c_str(), O_RDONLY | O_CLOEXEC);
    return MDB_SUCCESS;
  });
}

void mdb_env_close(MDB_env* env) {
  if (!env) return;
  {
    // LMDB requires every txn to be over; a left-over one (a reset spare,
    // say) must not keep the alder env from closing: end its alder side.
    std::lock_guard lk(env->mu);
    for (MDB_txn* t : env->txns) {
      end_cursors(t);
      t->t.reset();
    }
  }
  if (env->env) {
    try {
      env->env->close();
    } catch (const alder::Error& e) {
      debug_note("mdb_env_close", e.what());
    }
  }
  if (env->fd >= 0) ::close(env->fd);
  delete env;
}

int mdb_env_set_mapsize(MDB_env* env, size_t size) {
  return guard("mdb_env_set_mapsize", [&] {
    if (!env) return EINVAL;
    std::lock_guard lk(env->mu);
    if (!env->env) {
      if (size) env->mapsize = size;
      return MDB_SUCCESS;
    }
    // As LMDB: on an open env only while this process has no live txn.
    if (any_live_txn(env)) fail(EINVAL, "mdb_env_set_mapsize: transactions are live");
    if (size) env->mapsize = size;
    reopen(env);
    return MDB_SUCCESS;
  });
}

int mdb_env_set_maxreaders(MDB_env* env, unsigned int readers) {
  if (!env || readers < 1 || env->env) return EINVAL;
  env->max_readers = readers;
  return MDB_SUCCESS;
}

int mdb_env_get_maxreaders(MDB_env* env, unsigned int* readers) {
  if (!env || !readers) return EINVAL;
  *readers = env->max_readers;
  return MDB_SUCCESS;
}

int mdb_env_set_maxdbs(MDB_env* env, MDB_dbi dbs) {
  if (!env || env->env) return EINVAL;
  env->max_dbs = dbs;
  return MDB_SUCCESS;
}

int mdb_env_get_maxkeysize(MDB_env*) { return int(kMaxKeySize); }

int mdb_env_set_flags(MDB_env* env, unsigned int flags, int onoff) {
  return guard("mdb_env_set_flags", [&] {
    if (!env || (flags & ~kChangeable)) return EINVAL;
    std::lock_guard lk(env->mu);
    const alder::Durability before = durability_of(env->flags);
    if (onoff)
      env->flags |= flags;
    else
      env->flags &= ~flags;
    if (!env->env || env->flags & MDB_RDONLY) return MDB_SUCCESS;
    const alder::Durability want = durability_of(env->flags);
    if (want == before && !env->sync_after_commit) return MDB_SUCCESS;
    if (!any_live_txn(env)) {
      reopen(env);  // alder's durability is chosen at open
    } else {
      // Cannot reopen under live txns: keep at least the durability asked
      // for by syncing after each commit until the next quiet moment.
      env->sync_after_commit = strength(want) > strength(before) || env->sync_after_commit;
    }
    return MDB_SUCCESS;
  });
}

int mdb_env_get_flags(MDB_env* env, unsigned int* flags) {
  if (!env || !flags) return EINVAL;
  *flags = env->flags;
  return MDB_SUCCESS;
}

int mdb_env_get_path(MDB_env* env, const char** path) {
  if (!env || !path) return EINVAL;
  *path = env->path.c_str();
  return MDB_SUCCESS;
}

int mdb_env_get_fd(MDB_env* env, mdb_filehandle_t* fd) {
  if (!env || !fd) return EINVAL;
  if (env->fd < 0) return EINVAL;
  *fd = env->fd;
  return MDB_SUCCESS;
}

int mdb_env_sync(MDB_env* env, int /*force*/) {
  return guard("mdb_env_sync", [&] {
    if (!env || !env->env) return EINVAL;
    if (env->flags & MDB_RDONLY) return EACCES;
    env->env->sync();
    return MDB_SUCCESS;
  });
}

int mdb_env_stat(MDB_env* env, MDB_stat* st) {
  return guard("mdb_env_stat", [&] {
    if (!env || !st || !env->env) return EINVAL;
    alder::EnvStat s = env->env->stat();
    st->ms_psize = s.page_size;
    st->ms_depth = s.main.depth;
    st->ms_branch_pages = s.main.branch_pages;
    st->ms_leaf_pages = s.main.leaf_pages;
    st->ms_overflow_pages = s.main.overflow_pages;
    st->ms_entries = s.main.entries;
    return MDB_SUCCESS;
  });
}

int mdb_env_info(MDB_env* env, MDB_envinfo* info) {
  return guard("mdb_env_info", [&] {
    if (!env || !info || !env->env) return EINVAL;
    alder::EnvStat s = env->env->stat();
    info->me_mapaddr = nullptr;
    info->me_mapsize = std::max<uint64_t>(env->mapsize, s.file_size);
    info->me_last_pgno = s.used_pages ? s.used_pages - 1 : 0;
    info->me_last_txnid = s.last_txn_id - kTxnIdOffset;
    info->me_maxreaders = env->max_readers;
    std::lock_guard lk(env->mu);
    info->me_numreaders = unsigned(
        std::count_if(env->txns.begin(), env->txns.end(), [](const MDB_txn* t) { return t->rdonly; }));
    return MDB_SUCCESS;
  });
}

int mdb_env_set_userctx(MDB_env* env, void* ctx) {
  if (!env) return EINVAL;
  env->userctx = ctx;
  return MDB_SUCCESS;
}

void* mdb_env_get_userctx(MDB_env* env) { return env ? env->userctx : nullptr; }

int mdb_env_set_assert(MDB_env* env, MDB_assert_func* func) {
  if (!env) return EINVAL;
  env->assert_func = func;
  return MDB_SUCCESS;
}

}  // extern "C"
