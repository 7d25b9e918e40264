// The env functions: env_open, env_close, env_sync, env_stat.
#include <string>

#include "nif_funcs.h"
#include "nif_res.h"
#include "nif_util.h"

namespace alder_nif {

namespace {

/// Parses env_open's flag list into options. False on an unknown flag.
bool parse_flags(ErlNifEnv* env, ERL_NIF_TERM list, alder::EnvOptions* o, bool* path_store,
                 alder::PathStoreOptions* so) {
  ERL_NIF_TERM head;
  unsigned len;
  if (!enif_get_list_length(env, list, &len)) return false;
  while (enif_get_list_cell(env, list, &head, &list)) {
    char name[32];
    int arity;
    const ERL_NIF_TERM* tuple;
    if (enif_get_atom(env, head, name, sizeof name, ERL_NIF_LATIN1) > 0) {
      std::string n(name);
      if (n == "no_sync") o->durability = alder::Durability::no_sync;
      else if (n == "no_meta_sync") o->durability = alder::Durability::no_meta_sync;
      else if (n == "sync") o->durability = alder::Durability::sync;
      else if (n == "write_map") o->write_map = true;
      else if (n == "map_async") o->write_map = o->map_async = true;
      else if (n == "no_readahead") o->no_readahead = true;
      else if (n == "read_only") o->read_only = true;
      else if (n == "no_create") o->create = false;
      else if (n == "path_store") *path_store = true;
      else return false;
    } else if (enif_get_tuple(env, head, &arity, &tuple) && arity == 2 &&
               enif_get_atom(env, tuple[0], name, sizeof name, ERL_NIF_LATIN1) > 0) {
      ErlNifUInt64 v;
      if (!enif_get_uint64(env, tuple[1], &v)) return false;
      std::string n(name);
      if (n == "max_size") o->max_size = v;
      else if (n == "page_size" && v <= UINT32_MAX) o->page_size = static_cast<std::uint32_t>(v);
      else if (n == "autosync_bytes") o->autosync_bytes = v;
      else if (n == "max_dbs" && v <= UINT32_MAX) o->max_dbs = static_cast<std::uint32_t>(v);
      else if (n == "resolve_cache_entries") so->resolve_cache_entries = v;
      else if (n == "max_link_hops" && v <= UINT32_MAX) so->max_link_hops = static_cast<std::uint32_t>(v);
      else return false;
    } else {
      return false;
    }
  }
  return true;
}

ERL_NIF_TERM put_u64(ErlNifEnv* env, ERL_NIF_TERM map, const char* key, std::uint64_t v) {
  ERL_NIF_TERM out = map;
  enif_make_map_put(env, map, enif_make_atom(env, key), enif_make_uint64(env, v), &out);
  return out;
}

}  // namespace

// env_open(Path :: iodata(), Flags :: [atom() | {atom(), integer()}])
ERL_NIF_TERM nif_env_open(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  std::string_view path;
  alder::EnvOptions opts;
  alder::PathStoreOptions sopts;
  bool path_store = false;
  if (!get_bytes(env, argv[0], &path) || !parse_flags(env, argv[1], &opts, &path_store, &sopts)) {
    return enif_make_badarg(env);
  }
  if (path.empty() || path.find('\0') != std::string_view::npos) return enif_make_badarg(env);
  return guarded(env, [&] {
    void* mem = enif_alloc_resource(g_env_type, sizeof(EnvRes));
    if (!mem) throw std::bad_alloc();
    auto* e = new (mem) EnvRes();
    try {
      e->read_only = opts.read_only;
      e->max_link_hops = sopts.max_link_hops;
      e->env = std::make_unique<alder::Env>(alder::Env::open(std::string(path), opts));
      if (path_store) e->store = std::make_unique<alder::PathStore>(*e->env, sopts);
      if (path_store && !opts.read_only && !opts.map_async &&
          opts.durability == alder::Durability::sync)
        e->notifier = std::make_unique<DurableNotifier>(*e, *e->env);
    } catch (...) {
      enif_release_resource(e);  // runs env_dtor: closes what was opened
      throw;
    }
    ERL_NIF_TERM term = enif_make_resource(env, e);
    enif_release_resource(e);
    return make_ok(env, term);
  });
}

// env_close(Env): ok; finishes (aborts) the env's live transactions first.
ERL_NIF_TERM nif_env_close(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  if (!e) return enif_make_badarg(env);
  return guarded(env, [&] {
    std::unique_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return atoms.ok;  // idempotent, like Env::close
    finish_all_txns(env, *e);
    if (e->notifier) e->notifier->stop();  // answers its waiters first
    e->notifier.reset();
    e->snaps.clear();
    e->store.reset();
    std::unique_ptr<alder::Env> closing = std::move(e->env);
    closing->close();
    return atoms.ok;
  });
}

// env_sync(Env): ok | wait | {error, Reason}.
ERL_NIF_TERM nif_env_sync(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  if (!e) return enif_make_badarg(env);
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    ShortWriter w(env, *e);
    if (!w.entered()) return w.refusal();
    e->env->sync();
    return atoms.ok;
  });
}

// env_stat(Env): {ok, #{...}} with the figures of alder::EnvStat.
ERL_NIF_TERM nif_env_stat(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  if (!e) return enif_make_badarg(env);
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    alder::EnvStat s = e->env->stat();
    ERL_NIF_TERM m = enif_make_new_map(env);
    m = put_u64(env, m, "page_size", s.page_size);
    m = put_u64(env, m, "file_size", s.file_size);
    m = put_u64(env, m, "used_pages", s.used_pages);
    m = put_u64(env, m, "free_pages", s.free_pages);
    m = put_u64(env, m, "last_txn_id", s.last_txn_id);
    m = put_u64(env, m, "named_dbs", s.named_dbs);
    m = put_u64(env, m, "readers", s.readers);
    m = put_u64(env, m, "entries", s.main.entries);
    m = put_u64(env, m, "depth", s.main.depth);
    m = put_u64(env, m, "max_key_size", e->env->max_key_size());
    return make_ok(env, m);
  });
}

}  // namespace alder_nif
