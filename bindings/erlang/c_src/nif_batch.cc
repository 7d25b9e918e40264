// Path-store batches: batch_begin opens a PathStore::Batch (one write txn,
// holding the writer gate) in a TxnRes; batch_* run in it and see its
// writes; batch_commit applies them at once, batch_abort (or the resource
// being garbage collected, or env close/reset) discards them. A finished
// batch answers {error, txn_finished}.
//
// batch_write starts on a normal scheduler: a write into the batch's txn
// changes pages in memory and does no file I/O while the txn has room for
// it (PathStore::Batch::write_fits(): no early write of dirty pages, no
// growth of the file). A value over kNormalMaxWriteBytes, a batch without
// that room, or a batch whose lock another call holds is handed to a dirty
// I/O scheduler with enif_schedule_nif, where the same write may wait
// (and first grows the file for the writes after it: make_room_for in
// nif_store_util.h). Why: a dirty NIF call costs two scheduler hand-offs,
// measured from 2 to more than 100 us a call depending on whether the
// schedulers' threads were spinning (docs/DECISIONS.md, "Batch writes on
// normal schedulers").
#include <cstdint>
#include <mutex>
#include <string_view>

#include "nif_funcs.h"
#include "nif_res.h"
#include "nif_store_util.h"
#include "nif_util.h"

namespace alder_nif {

namespace {

/// Runs f(batch) under t.mu when t holds an open batch.
template <class F>
ERL_NIF_TERM with_batch(ErlNifEnv* env, TxnRes& t, F&& f) {
  return guarded(env, [&] {
    std::lock_guard<std::mutex> lk(t.mu);
    if (!t.batch || !t.batch->open()) return error_for(env, alder::ErrorCode::txn_finished);
    return f(*t.batch);
  });
}

/// The batch and one path argument, or null (badarg).
TxnRes* batch_and_path(ErlNifEnv* env, const ERL_NIF_TERM argv[], std::string_view* path) {
  TxnRes* t = get_txn_res(env, argv[0]);
  return t && get_bytes(env, argv[1], path) ? t : nullptr;
}

}  // namespace

// batch_begin(Env) -> {ok, Batch} | wait | {error, Reason}
ERL_NIF_TERM nif_batch_begin(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  if (!e) return enif_make_badarg(env);
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    if (!e->store) return make_error(env, atoms.no_path_store);
    TxnRes* t = new_txn_res(*e);
    Gate g = enter_long(env, *e);
    if (g != Gate::entered) {
      enif_release_resource(t);
      return gate_refusal(env, g);
    }
    t->holds_long_writer = true;
    try {
      t->batch.emplace(e->store->begin_batch());
    } catch (...) {
      enif_release_resource(t);
      throw;
    }
    return make_ok(env, register_txn(env, *e, t));
  });
}

namespace {

// The dirty-scheduler half of batch_write: may wait for the batch's lock
// and do file I/O.
ERL_NIF_TERM batch_write_dirty(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  std::string_view path, value;
  TxnRes* t = batch_and_path(env, argv, &path);
  if (!t || !get_bytes(env, argv[2], &value)) return enif_make_badarg(env);
  return with_batch(env, *t, [&](alder::PathStore::Batch& b) {
    make_room_for(b, value.size());
    b.write(path, value);
    return atoms.ok;
  });
}

}  // namespace

// batch_write(Batch, Path, Value) -> ok | {error, Reason}
ERL_NIF_TERM nif_batch_write(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  std::string_view path, value;
  TxnRes* t = batch_and_path(env, argv, &path);
  if (!t || !get_bytes(env, argv[2], &value)) return enif_make_badarg(env);
  bool reschedule = value.size() > kNormalMaxWriteBytes;
  ERL_NIF_TERM out = atoms.ok;
  if (!reschedule) {
    out = guarded(env, [&]() -> ERL_NIF_TERM {
      std::unique_lock<std::mutex> lk(t->mu, std::try_to_lock);
      if (!lk.owns_lock()) {
        reschedule = true;
        return atoms.ok;
      }
      if (!t->batch || !t->batch->open()) return error_for(env, alder::ErrorCode::txn_finished);
      if (!t->batch->write_fits(value.size())) {
        reschedule = true;
        return atoms.ok;
      }
      t->batch->write(path, value);
      return atoms.ok;
    });
  }
  if (reschedule)
    return enif_schedule_nif(env, "batch_write", ERL_NIF_DIRTY_JOB_IO_BOUND, batch_write_dirty,
                             argc, argv);
  return out;
}

// batch_write_many(Batch, [{Path, Value}]) -> ok | {error, Reason}
ERL_NIF_TERM nif_batch_write_many(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  TxnRes* t = get_txn_res(env, argv[0]);
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  if (!t || !get_pairs(env, argv[1], &pairs)) return enif_make_badarg(env);
  return with_batch(env, *t, [&](alder::PathStore::Batch& b) {
    for (auto& [p, v] : pairs) b.write(p, v);
    return atoms.ok;
  });
}

// batch_make_group(Batch, Path) -> ok | {error, Reason}
ERL_NIF_TERM nif_batch_make_group(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  std::string_view path;
  TxnRes* t = batch_and_path(env, argv, &path);
  if (!t) return enif_make_badarg(env);
  return with_batch(env, *t, [&](alder::PathStore::Batch& b) {
    b.make_group(path);
    return atoms.ok;
  });
}

// batch_make_link(Batch, Existing, New) -> ok | {error, Reason}
ERL_NIF_TERM nif_batch_make_link(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  std::string_view existing, new_path;
  TxnRes* t = batch_and_path(env, argv, &existing);
  if (!t || !get_bytes(env, argv[2], &new_path)) return enif_make_badarg(env);
  return with_batch(env, *t, [&](alder::PathStore::Batch& b) {
    b.make_link(existing, new_path);
    return atoms.ok;
  });
}

// batch_read(Batch, Path) -> {ok, Value} | not_found | {error, Reason}
ERL_NIF_TERM nif_batch_read(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  std::string_view path;
  TxnRes* t = batch_and_path(env, argv, &path);
  if (!t) return enif_make_badarg(env);
  return with_batch(env, *t, [&](alder::PathStore::Batch& b) { return read_term(env, b.read(path)); });
}

// batch_type(Batch, Path) -> simple | composite | not_found | {error, Reason}
ERL_NIF_TERM nif_batch_type(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  std::string_view path;
  TxnRes* t = batch_and_path(env, argv, &path);
  if (!t) return enif_make_badarg(env);
  return with_batch(env, *t, [&](alder::PathStore::Batch& b) { return type_term(b.type(path)); });
}

// batch_list(Batch, Path) -> {ok, [Name]} | not_found | {error, Reason}
ERL_NIF_TERM nif_batch_list(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  std::string_view path;
  TxnRes* t = batch_and_path(env, argv, &path);
  if (!t) return enif_make_badarg(env);
  return with_batch(env, *t, [&](alder::PathStore::Batch& b) { return names_term(env, b.list(path)); });
}

// batch_resolve(Batch, Path) -> {ok, ResolvedPath} | not_found | {error, Reason}
ERL_NIF_TERM nif_batch_resolve(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  std::string_view path;
  TxnRes* t = batch_and_path(env, argv, &path);
  if (!t) return enif_make_badarg(env);
  return with_batch(env, *t, [&](alder::PathStore::Batch& b) { return read_term(env, b.resolve(path)); });
}

// batch_commit(Batch) -> ok | {error, Reason}; finished either way.
ERL_NIF_TERM nif_batch_commit(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  TxnRes* t = get_txn_res(env, argv[0]);
  if (!t) return enif_make_badarg(env);
  return with_batch(env, *t, [&](alder::PathStore::Batch& b) {
    try {
      b.commit();
    } catch (...) {
      finish_txn(env, *t);
      throw;
    }
    finish_txn(env, *t);
    return atoms.ok;
  });
}

// batch_abort(Batch) -> ok | {error, txn_finished}
ERL_NIF_TERM nif_batch_abort(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  TxnRes* t = get_txn_res(env, argv[0]);
  if (!t) return enif_make_badarg(env);
  return with_batch(env, *t, [&](alder::PathStore::Batch&) {
    finish_txn(env, *t);
    return atoms.ok;
  });
}

}  // namespace alder_nif
