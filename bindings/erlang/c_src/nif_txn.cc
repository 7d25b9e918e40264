// Explicit transactions on the main db: txn_begin(read | write) gives a
// TxnRes; get/put/del/prefix run in it; commit/abort end it. A write txn
// holds the writer gate (nif_res.h) until it ends. A finished txn, or one
// of a closed env, answers {error, txn_finished}.
#include <optional>
#include <string_view>

#include "nif_funcs.h"
#include "nif_res.h"
#include "nif_util.h"

namespace alder_nif {

namespace {

/// Runs f(txn) on t's live engine txn under t.mu, or answers
/// {error, txn_finished} (also for a batch, which has no engine txn).
template <class F>
ERL_NIF_TERM with_txn(ErlNifEnv* env, TxnRes& t, F&& f) {
  return guarded(env, [&] {
    std::lock_guard<std::mutex> lk(t.mu);
    if (!t.txn) return error_for(env, alder::ErrorCode::txn_finished);
    return f(*t.txn);
  });
}

}  // namespace

// txn_begin(Env, read | write) -> {ok, Txn} | wait | {error, Reason}
ERL_NIF_TERM nif_txn_begin(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  bool write = enif_is_identical(argv[1], atoms.write);
  if (!e || (!write && !enif_is_identical(argv[1], atoms.read))) return enif_make_badarg(env);
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    TxnRes* t = new_txn_res(*e);
    if (write) {
      Gate g = enter_long(env, *e);
      if (g != Gate::entered) {
        enif_release_resource(t);
        return gate_refusal(env, g);
      }
      t->holds_long_writer = true;  // released by finish_txn, even on failure below
    }
    try {
      t->txn.emplace(write ? e->env->begin_write() : e->env->begin_read());
    } catch (...) {
      enif_release_resource(t);
      throw;
    }
    return make_ok(env, register_txn(env, *e, t));
  });
}

// txn_get(Txn, Key) -> {ok, Value} | not_found | {error, Reason}
ERL_NIF_TERM nif_txn_get(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  TxnRes* t = get_txn_res(env, argv[0]);
  std::string_view key;
  if (!t || !get_bytes(env, argv[1], &key)) return enif_make_badarg(env);
  return with_txn(env, *t, [&](alder::Txn& txn) {
    std::optional<std::string_view> v = txn.get(key);
    return v ? make_ok(env, make_binary(env, *v)) : atoms.not_found;
  });
}

// txn_put(Txn, Key, Value) -> ok | {error, Reason} (read_only in a read txn)
ERL_NIF_TERM nif_txn_put(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  TxnRes* t = get_txn_res(env, argv[0]);
  std::string_view key, value;
  if (!t || !get_bytes(env, argv[1], &key) || !get_bytes(env, argv[2], &value)) {
    return enif_make_badarg(env);
  }
  return with_txn(env, *t, [&](alder::Txn& txn) {
    txn.put(key, value);
    return atoms.ok;
  });
}

// txn_del(Txn, Key) -> ok | not_found | {error, Reason}
ERL_NIF_TERM nif_txn_del(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  TxnRes* t = get_txn_res(env, argv[0]);
  std::string_view key;
  if (!t || !get_bytes(env, argv[1], &key)) return enif_make_badarg(env);
  return with_txn(env, *t, [&](alder::Txn& txn) { return txn.del(key) ? atoms.ok : atoms.not_found; });
}

// txn_prefix(Txn, Prefix, Limit) -> {ok, [{K, V}]} (as prefix/3, in the txn)
ERL_NIF_TERM nif_txn_prefix(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  TxnRes* t = get_txn_res(env, argv[0]);
  std::string_view prefix;
  std::uint64_t limit;
  if (!t || !get_bytes(env, argv[1], &prefix) || !get_limit(env, argv[2], &limit)) {
    return enif_make_badarg(env);
  }
  return with_txn(env, *t, [&](alder::Txn& txn) { return prefix_entries(env, txn, prefix, limit); });
}

// txn_commit(Txn) -> ok | {error, Reason}; the txn is finished either way.
ERL_NIF_TERM nif_txn_commit(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  TxnRes* t = get_txn_res(env, argv[0]);
  if (!t) return enif_make_badarg(env);
  return guarded(env, [&] {
    std::lock_guard<std::mutex> lk(t->mu);
    if (!t->txn) return error_for(env, alder::ErrorCode::txn_finished);
    try {
      t->txn->commit();
    } catch (...) {
      finish_txn(env, *t);
      throw;
    }
    finish_txn(env, *t);
    return atoms.ok;
  });
}

// txn_abort(Txn) -> ok | {error, txn_finished}
ERL_NIF_TERM nif_txn_abort(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  TxnRes* t = get_txn_res(env, argv[0]);
  if (!t) return enif_make_badarg(env);
  return guarded(env, [&] {
    std::lock_guard<std::mutex> lk(t->mu);
    if (!t->txn) return error_for(env, alder::ErrorCode::txn_finished);
    finish_txn(env, *t);
    return atoms.ok;
  });
}

}  // namespace alder_nif
