// The C API (include/alder/alder.h): thin wrappers that turn exceptions
// into return codes.
#include "alder/alder.h"

#include <new>

#include "alder/alder.hpp"

struct alder_env {
  alder::Env env;
};
struct alder_txn {
  alder::Txn txn;
};
struct alder_cursor {
  alder::Cursor cursor;
};

namespace {

template <class F>
int guard(F&& f) noexcept {
  try {
    return f();
  } catch (const alder::Error& e) {
    return -static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    return ALDER_NOMEM;
  } catch (...) {
    return ALDER_IO_ERROR;
  }
}

std::string_view view(const alder_val* v) {
  if (!v || (!v->data && v->size)) throw alder::Error(alder::ErrorCode::invalid_argument, "null data");
  return {static_cast<const char*>(v->data), v->size};
}

alder::PutFlags put_flags(unsigned flags) {
  alder::PutFlags f = alder::PutFlags::none;
  if (flags & ALDER_NOOVERWRITE) f = f | alder::PutFlags::no_overwrite;
  if (flags & ALDER_APPEND) f = f | alder::PutFlags::append;
  return f;
}

void set(alder_val* out, std::string_view s) {
  if (!out) return;
  out->size = s.size();
  out->data = s.data();
}

}  // namespace

extern "C" {

const char* alder_strerror(int rc) {
  if (rc == ALDER_NOMEM) return "out of memory";
  if (rc > 0 || rc < -static_cast<int>(alder::ErrorCode::bad_txn)) return "unknown error code";
  return alder::error_name(static_cast<alder::ErrorCode>(-rc));
}

alder_env_options alder_env_options_default(void) {
  alder::EnvOptions d;
  alder_env_options o;
  o.page_size = d.page_size;
  o.max_size = d.max_size;
  o.max_dbs = d.max_dbs;
  o.durability = ALDER_SYNC;
  o.write_map = 0;
  o.map_async = 0;
  o.no_readahead = 0;
  o.verify_checksums = 0;
  o.read_only = 0;
  o.create = 1;
  o.file_mode = d.file_mode;
  o.autosync_bytes = d.autosync_bytes;
  o.shrink_threshold = d.shrink_threshold;
  o.spill_bytes = d.spill_bytes;
  return o;
}

int alder_env_open(const char* path, const alder_env_options* opts, alder_env** env) {
  return guard([&] {
    if (!path || !env) return ALDER_INVALID;
    *env = nullptr;
    alder_env_options c = opts ? *opts : alder_env_options_default();
    alder::EnvOptions o;
    o.page_size = c.page_size;
    o.max_size = c.max_size;
    o.max_dbs = c.max_dbs;
    switch (c.durability) {
      case ALDER_SYNC: o.durability = alder::Durability::sync; break;
      case ALDER_NO_META_SYNC: o.durability = alder::Durability::no_meta_sync; break;
      case ALDER_NO_SYNC: o.durability = alder::Durability::no_sync; break;
      default: return ALDER_INVALID;
    }
    o.write_map = c.write_map;
    o.map_async = c.map_async;
    o.no_readahead = c.no_readahead;
    o.verify_checksums = c.verify_checksums != 0;
    o.read_only = c.read_only;
    o.create = c.create;
    o.file_mode = c.file_mode;
    o.autosync_bytes = c.autosync_bytes;
    o.shrink_threshold = c.shrink_threshold;
    o.spill_bytes = c.spill_bytes;
    *env = new alder_env{alder::Env::open(path, o)};
    return ALDER_SUCCESS;
  });
}

void alder_env_close(alder_env* env) {
  if (!env) return;
  try {
    env->env.close();
  } catch (...) {
  }
  delete env;
}

int alder_env_sync(alder_env* env) {
  return guard([&] {
    if (!env) return ALDER_INVALID;
    env->env.sync();
    return ALDER_SUCCESS;
  });
}

int alder_env_compact(alder_env* env, uint64_t* file_size) {
  return guard([&] {
    if (!env) return ALDER_INVALID;
    const uint64_t size = env->env.compact();
    if (file_size) *file_size = size;
    return ALDER_SUCCESS;
  });
}

int alder_env_wait_durable(alder_env* env, uint64_t txnid) {
  return guard([&] {
    if (!env) return ALDER_INVALID;
    env->env.wait_durable(txnid);
    return ALDER_SUCCESS;
  });
}

static alder_reader_info to_c(const alder::ReaderInfo& r) {
  return {r.pid, r.thread, r.txnid, r.age_seconds, r.pages_held};
}

int alder_env_readers(alder_env* env, alder_reader_info* out, size_t cap, size_t* count) {
  return guard([&] {
    if (!env || !count || (cap > 0 && !out)) return ALDER_INVALID;
    const std::vector<alder::ReaderInfo> rs = env->env.readers();
    for (size_t i = 0; i < rs.size() && i < cap; i++) out[i] = to_c(rs[i]);
    *count = rs.size();
    return ALDER_SUCCESS;
  });
}

int alder_env_set_slow_reader(alder_env* env, uint64_t pages, uint32_t check_every_ms,
                              alder_slow_reader_fn fn, void* ctx) {
  return guard([&] {
    if (!env) return ALDER_INVALID;
    std::function<void(const alder::ReaderInfo&)> f;
    if (fn)
      f = [fn, ctx](const alder::ReaderInfo& r) {
        const alder_reader_info c = to_c(r);
        fn(&c, ctx);
      };
    env->env.set_slow_reader(pages, std::move(f), check_every_ms);
    return ALDER_SUCCESS;
  });
}

int alder_env_stat(alder_env* env, alder_stat* st) {
  return guard([&] {
    if (!env || !st) return ALDER_INVALID;
    alder::EnvStat s = env->env.stat();
    st->page_size = s.page_size;
    st->depth = s.main.depth;
    st->branch_pages = s.main.branch_pages;
    st->leaf_pages = s.main.leaf_pages;
    st->overflow_pages = s.main.overflow_pages;
    st->entries = s.main.entries;
    st->file_size = s.file_size;
    st->used_pages = s.used_pages;
    st->free_pages = s.free_pages;
    st->last_txn_id = s.last_txn_id;
    return ALDER_SUCCESS;
  });
}

int alder_env_verify(alder_env* env, uint64_t* bad_page) {
  return guard([&] {
    if (!env) return ALDER_INVALID;
    alder::VerifyResult r = env->env.verify();
    if (bad_page) *bad_page = r.bad_page;
    return r.ok() ? ALDER_SUCCESS : ALDER_CORRUPTED;
  });
}

size_t alder_env_max_key_size(alder_env* env) {
  try {
    return env ? env->env.max_key_size() : 0;
  } catch (...) {
    return 0;
  }
}

int alder_txn_begin(alder_env* env, unsigned flags, alder_txn** txn) {
  return guard([&] {
    if (!env || !txn) return ALDER_INVALID;
    *txn = nullptr;
    if (flags & ALDER_RDONLY)
      *txn = new alder_txn{env->env.begin_read()};
    else
      *txn = new alder_txn{env->env.begin_write()};
    return ALDER_SUCCESS;
  });
}

int alder_txn_commit(alder_txn* txn) {
  int rc = guard([&] {
    if (!txn) return ALDER_INVALID;
    txn->txn.commit();
    return ALDER_SUCCESS;
  });
  delete txn;
  return rc;
}

int alder_txn_commit_nowait(alder_txn* txn, uint64_t* txnid) {
  int rc = guard([&] {
    if (!txn) return ALDER_INVALID;
    uint64_t id = txn->txn.commit(alder::CommitFlags::no_wait);
    if (txnid) *txnid = id;
    return ALDER_SUCCESS;
  });
  delete txn;
  return rc;
}

void alder_txn_abort(alder_txn* txn) { delete txn; }

int alder_dbi_open(alder_txn* txn, const char* name, unsigned flags, alder_dbi* dbi) {
  return guard([&] {
    if (!txn || !dbi) return ALDER_INVALID;
    const alder::DbFlags f = (flags & ALDER_CREATE) ? alder::DbFlags::create : alder::DbFlags::none;
    const unsigned codec = flags & (ALDER_LZ4 | ALDER_ZSTD);
    if (codec == (ALDER_LZ4 | ALDER_ZSTD)) return ALDER_INVALID;
    if (!codec) {
      *dbi = txn->txn.open_db(name ? name : "", f);
    } else {
      alder::DbOptions o;
      o.compression = codec == ALDER_LZ4 ? alder::Compression::lz4 : alder::Compression::zstd;
      *dbi = txn->txn.open_db(name ? name : "", f, o);
    }
    return ALDER_SUCCESS;
  });
}

int alder_drop(alder_txn* txn, alder_dbi dbi, int del) {
  return guard([&] {
    if (!txn) return ALDER_INVALID;
    if (del)
      txn->txn.drop_db(dbi);
    else
      txn->txn.clear_db(dbi);
    return ALDER_SUCCESS;
  });
}

int alder_get(alder_txn* txn, alder_dbi dbi, const alder_val* key, alder_val* val) {
  return guard([&] {
    if (!txn || !val) return ALDER_INVALID;
    auto v = txn->txn.get(dbi, view(key));
    if (!v) return ALDER_NOTFOUND;
    set(val, *v);
    return ALDER_SUCCESS;
  });
}

int alder_put(alder_txn* txn, alder_dbi dbi, const alder_val* key, const alder_val* val,
              unsigned flags) {
  return guard([&] {
    if (!txn) return ALDER_INVALID;
    return txn->txn.put(dbi, view(key), view(val), put_flags(flags)) ? ALDER_SUCCESS
                                                                     : ALDER_KEYEXIST;
  });
}

int alder_del(alder_txn* txn, alder_dbi dbi, const alder_val* key) {
  return guard([&] {
    if (!txn) return ALDER_INVALID;
    return txn->txn.del(dbi, view(key)) ? ALDER_SUCCESS : ALDER_NOTFOUND;
  });
}

int alder_cursor_open(alder_txn* txn, alder_dbi dbi, alder_cursor** cursor) {
  return guard([&] {
    if (!txn || !cursor) return ALDER_INVALID;
    *cursor = nullptr;
    *cursor = new alder_cursor{txn->txn.cursor(dbi)};
    return ALDER_SUCCESS;
  });
}

void alder_cursor_close(alder_cursor* cursor) { delete cursor; }

int alder_cursor_get(alder_cursor* cursor, alder_val* key, alder_val* val, alder_cursor_op op) {
  return guard([&] {
    if (!cursor) return ALDER_INVALID;
    alder::Cursor& c = cursor->cursor;
    bool ok;
    switch (op) {
      case ALDER_FIRST: ok = c.first(); break;
      case ALDER_LAST: ok = c.last(); break;
      case ALDER_NEXT: ok = c.valid() ? c.next() : c.first(); break;
      case ALDER_PREV: ok = c.valid() ? c.prev() : c.last(); break;
      case ALDER_SET_RANGE: ok = c.seek(view(key)); break;
      case ALDER_SET_KEY: ok = c.find(view(key)); break;
      case ALDER_GET_CURRENT: ok = c.valid(); break;
      default: return ALDER_INVALID;
    }
    if (!ok) return ALDER_NOTFOUND;
    set(key, c.key());
    set(val, c.value());
    return ALDER_SUCCESS;
  });
}

int alder_cursor_put(alder_cursor* cursor, const alder_val* key, const alder_val* val,
                     unsigned flags) {
  return guard([&] {
    if (!cursor) return ALDER_INVALID;
    return cursor->cursor.put(view(key), view(val), put_flags(flags)) ? ALDER_SUCCESS
                                                                      : ALDER_KEYEXIST;
  });
}

int alder_cursor_del(alder_cursor* cursor) {
  return guard([&] {
    if (!cursor) return ALDER_INVALID;
    cursor->cursor.del();
    return ALDER_SUCCESS;
  });
}

}  // extern "C"
