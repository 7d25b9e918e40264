// The path store, one operation per call (alder::PathStore, each in its
// own transaction): writes, read_many, match, reset. The single-path reads
// (read, get, type, list, resolve) are in nif_store_read.cc. Paths are binaries here: the Erlang side joins segment
// lists with "/" (alder_store:path/2). Writes pass the writer gate.
// An env opened without the path_store flag answers {error, no_path_store}.
//
// store_write starts on a normal scheduler and writes and commits there
// when that cannot wait: the env's writer is free
// (PathStore::try_begin_batch), the value is at most kNormalMaxWriteBytes
// and the txn has room for it without file I/O (Batch::write_fits), and
// the commit makes no fdatasync (Batch::commit_needs_sync: a no_sync
// store's commit below its autosync bound; a sync store's commit with
// CommitFlags::no_wait, whose durability the caller learns later). Its
// page and meta writes then go to the page cache. Otherwise it is handed
// to a dirty I/O scheduler with enif_schedule_nif, where the same write
// may wait (and first grows the file for the writes after it:
// make_room_for in nif_store_util.h). Why: a dirty call costs two
// scheduler hand-offs, about 14 us of a 25 us single write
// (docs/DECISIONS.md, "Single store writes on normal schedulers"). The
// other writes always run on dirty I/O.
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nif_funcs.h"
#include "nif_res.h"
#include "nif_util.h"
#include "nif_store_util.h"

namespace alder_nif {

namespace {

/// Runs f(store) under e.mu (shared) when the env is open and has a store.
template <class F>
ERL_NIF_TERM with_store(ErlNifEnv* env, EnvRes& e, F&& f) {
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e.mu);
    if (!e.env) return error_for(env, alder::ErrorCode::env_closed);
    if (!e.store) return make_error(env, atoms.no_path_store);
    return f(*e.store);
  });
}

/// As with_store, for a write: also passes the writer gate.
template <class F>
ERL_NIF_TERM with_store_writer(ErlNifEnv* env, EnvRes& e, F&& f) {
  return with_store(env, e, [&](alder::PathStore& s) {
    ShortWriter w(env, e);
    if (!w.entered()) return w.refusal();
    return f(s);
  });
}

}  // namespace

namespace {

// The dirty-scheduler half of store_write: may wait for the writer and
// for the disk.
ERL_NIF_TERM store_write_dirty(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::string_view path, value;
  if (!e || !get_bytes(env, argv[1], &path) || !get_bytes(env, argv[2], &value)) {
    return enif_make_badarg(env);
  }
  return with_store_writer(env, *e, [&](alder::PathStore& s) {
    alder::PathStore::Batch b = s.begin_batch();
    make_room_for(b, value.size());
    b.write(path, value);
    if (!e->notifier) {
      b.commit();
      return atoms.ok;
    }
    return durable_wait(env, *e, b.commit(alder::CommitFlags::no_wait));
  });
}

}  // namespace

// store_write(Env, Path, Value) -> ok | wait | {durable_wait, Ref} |
// {error, Reason}. {durable_wait, Ref}: committed, and the caller gets
// {alder_durable, Ref, ok | {error, Reason}} once it is durable
// (nif_durable.h; Durability::sync envs). Normal scheduler unless it could
// wait (see the top of this file).
ERL_NIF_TERM nif_store_write(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::string_view path, value;
  if (!e || !get_bytes(env, argv[1], &path) || !get_bytes(env, argv[2], &value)) {
    return enif_make_badarg(env);
  }
  bool reschedule = value.size() > kNormalMaxWriteBytes;
  ERL_NIF_TERM out = atoms.ok;
  if (!reschedule) {
    out = guarded(env, [&]() -> ERL_NIF_TERM {
      std::shared_lock<std::shared_mutex> lk(e->mu, std::try_to_lock);
      if (!lk.owns_lock()) {  // being closed or reset
        reschedule = true;
        return atoms.ok;
      }
      if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
      if (!e->store) return make_error(env, atoms.no_path_store);
      ShortWriter w(env, *e);
      if (!w.entered()) return w.refusal();
      // A batch given up below is aborted by its destructor: nothing
      // written, and the dirty half starts afresh.
      std::optional<alder::PathStore::Batch> b = e->store->try_begin_batch();
      if (!b || !b->write_fits(value.size())) {
        reschedule = true;
        return atoms.ok;
      }
      b->write(path, value);
      if (e->notifier) return durable_wait(env, *e, b->commit(alder::CommitFlags::no_wait));
      if (b->commit_needs_sync()) {
        reschedule = true;
        return atoms.ok;
      }
      b->commit();
      return atoms.ok;
    });
  }
  if (reschedule) {
    return enif_schedule_nif(env, "store_write", ERL_NIF_DIRTY_JOB_IO_BOUND, store_write_dirty,
                             argc, argv);
  }
  return out;
}

// store_write_many(Env, [{Path, Value}]) -> ok | wait | {error, Reason}:
// every write in one write txn (a PathStore batch committed before the call
// returns): all or nothing. Amortises the per-call cost of write/3.
ERL_NIF_TERM nif_store_write_many(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  if (!e || !get_pairs(env, argv[1], &pairs)) return enif_make_badarg(env);
  return with_store_writer(env, *e, [&](alder::PathStore& s) {
    alder::PathStore::Batch b = s.begin_batch();
    for (auto& [p, v] : pairs) b.write(p, v);
    b.commit();
    return atoms.ok;
  });
}

// store_make_group(Env, Path) -> ok | wait | {error, Reason}
ERL_NIF_TERM nif_store_make_group(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::string_view path;
  if (!e || !get_bytes(env, argv[1], &path)) return enif_make_badarg(env);
  return with_store_writer(env, *e, [&](alder::PathStore& s) {
    s.make_group(path);
    return atoms.ok;
  });
}

// store_make_link(Env, Existing, New) -> ok | wait | {error, Reason}
ERL_NIF_TERM nif_store_make_link(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::string_view existing, new_path;
  if (!e || !get_bytes(env, argv[1], &existing) || !get_bytes(env, argv[2], &new_path)) {
    return enif_make_badarg(env);
  }
  return with_store_writer(env, *e, [&](alder::PathStore& s) {
    s.make_link(existing, new_path);
    return atoms.ok;
  });
}

// store_read_many(Env, [Path]) -> {ok, [{ok, Value} | not_found]}, one snapshot.
ERL_NIF_TERM nif_store_read_many(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  unsigned len;
  if (!e || !enif_get_list_length(env, argv[1], &len)) return enif_make_badarg(env);
  std::vector<std::string_view> paths;
  paths.reserve(len);
  ERL_NIF_TERM list = argv[1], head;
  while (enif_get_list_cell(env, list, &head, &list)) {
    std::string_view p;
    if (!get_bytes(env, head, &p)) return enif_make_badarg(env);
    paths.push_back(p);
  }
  return with_store(env, *e, [&](alder::PathStore& s) {
    std::vector<std::optional<std::string>> vals = s.read_many(std::span<const std::string_view>(paths));
    std::vector<ERL_NIF_TERM> out;
    out.reserve(vals.size());
    for (auto& v : vals) out.push_back(read_term(env, v));
    return make_ok(env, enif_make_list_from_array(env, out.data(), static_cast<unsigned>(out.size())));
  });
}

// store_match(Env, [{Key, Target}]) -> {ok, [Id]} | {error, Reason}
ERL_NIF_TERM nif_store_match(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  unsigned len;
  if (!e || !enif_get_list_length(env, argv[1], &len)) return enif_make_badarg(env);
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(len);
  ERL_NIF_TERM list = argv[1], head;
  while (enif_get_list_cell(env, list, &head, &list)) {
    int arity;
    const ERL_NIF_TERM* t;
    std::string_view k, v;
    if (!enif_get_tuple(env, head, &arity, &t) || arity != 2 || !get_bytes(env, t[0], &k) ||
        !get_bytes(env, t[1], &v)) {
      return enif_make_badarg(env);
    }
    pairs.emplace_back(std::string(k), std::string(v));
  }
  return with_store(env, *e, [&](alder::PathStore& s) {
    std::vector<std::string> ids = s.match(pairs);
    return names_term(env, std::optional<std::vector<std::string>>(std::move(ids)));
  });
}

// store_reset(Env) -> ok | {error, Reason}: finishes the env's live
// transactions, drops every named db, empties the main db and recreates an
// empty path store; the env stays open and usable.
ERL_NIF_TERM nif_store_reset(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  if (!e) return enif_make_badarg(env);
  return guarded(env, [&] {
    std::unique_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    if (!e->store) return make_error(env, atoms.no_path_store);
    finish_all_txns(env, *e);
    e->snaps.clear();
    e->store.reset();  // its cache must not outlive the data it describes
    {
      alder::Txn txn = e->env->begin_write();
      for (const std::string& name : txn.list_dbs()) txn.drop_db(txn.open_db(name));
      txn.clear_db(alder::kMainDbi);
      txn.commit();
    }
    e->store = std::make_unique<alder::PathStore>(*e->env);
    e->commits.fetch_add(1, std::memory_order_acq_rel);
    return atoms.ok;
  });
}

}  // namespace alder_nif
