// One-shot operations on the main db: each runs in its own transaction
// (reads: one read txn; writes: one write txn, committed with the env's
// durability, through the writer gate of nif_res.h).
#include <optional>
#include <string_view>
#include <vector>

#include "nif_funcs.h"
#include "nif_res.h"
#include "nif_util.h"

namespace alder_nif {

namespace {

/// Collects up to limit entries of range r as [{K, V}] (copies).
ERL_NIF_TERM entries_term(ErlNifEnv* env, alder::Range r, std::uint64_t limit) {
  std::vector<ERL_NIF_TERM> out;
  for (alder::Entry en : r) {
    if (out.size() >= limit) break;
    out.push_back(enif_make_tuple2(env, make_binary(env, en.key), make_binary(env, en.value)));
  }
  return enif_make_list_from_array(env, out.data(), static_cast<unsigned>(out.size()));
}

/// Reads a list of iodata keys; false when the term is not one.
bool get_key_list(ErlNifEnv* env, ERL_NIF_TERM list, std::vector<std::string_view>* out) {
  unsigned len;
  if (!enif_get_list_length(env, list, &len)) return false;
  out->reserve(len);
  ERL_NIF_TERM head;
  while (enif_get_list_cell(env, list, &head, &list)) {
    std::string_view k;
    if (!get_bytes(env, head, &k)) return false;
    out->push_back(k);
  }
  return true;
}

}  // namespace

ERL_NIF_TERM prefix_entries(ErlNifEnv* env, alder::Txn& txn, std::string_view prefix,
                            std::uint64_t limit) {
  return make_ok(env, entries_term(env, txn.prefix(alder::kMainDbi, prefix), limit));
}

// get(Env, Key) -> {ok, Value} | not_found | {error, Reason}
ERL_NIF_TERM nif_get(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::string_view key;
  if (!e || !get_bytes(env, argv[1], &key)) return enif_make_badarg(env);
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    alder::Txn txn = e->env->begin_read();
    std::optional<std::string_view> v = txn.get(key);
    return v ? make_ok(env, make_binary(env, *v)) : atoms.not_found;
  });
}

// get_many(Env, [Key]) -> {ok, [{ok, Value} | not_found]}, one snapshot.
ERL_NIF_TERM nif_get_many(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::vector<std::string_view> keys;
  if (!e || !get_key_list(env, argv[1], &keys)) return enif_make_badarg(env);
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    alder::Txn txn = e->env->begin_read();
    std::vector<ERL_NIF_TERM> out;
    out.reserve(keys.size());
    for (std::string_view k : keys) {
      std::optional<std::string_view> v = txn.get(k);
      out.push_back(v ? make_ok(env, make_binary(env, *v)) : atoms.not_found);
    }
    return make_ok(env, enif_make_list_from_array(env, out.data(), static_cast<unsigned>(out.size())));
  });
}

// put(Env, Key, Value) -> ok | wait | {error, Reason}
ERL_NIF_TERM nif_put(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::string_view key, value;
  if (!e || !get_bytes(env, argv[1], &key) || !get_bytes(env, argv[2], &value)) {
    return enif_make_badarg(env);
  }
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    ShortWriter w(env, *e);
    if (!w.entered()) return w.refusal();
    alder::Txn txn = e->env->begin_write();
    txn.put(key, value);
    txn.commit();
    return atoms.ok;
  });
}

// put_batch(Env, [{Key, Value}]) -> ok | wait | {error, Reason}: one write
// txn; all or nothing.
ERL_NIF_TERM nif_put_batch(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  unsigned len;
  if (!e || !enif_get_list_length(env, argv[1], &len)) return enif_make_badarg(env);
  std::vector<std::pair<std::string_view, std::string_view>> kvs;
  kvs.reserve(len);
  ERL_NIF_TERM list = argv[1], head;
  while (enif_get_list_cell(env, list, &head, &list)) {
    int arity;
    const ERL_NIF_TERM* t;
    std::string_view k, v;
    if (!enif_get_tuple(env, head, &arity, &t) || arity != 2 || !get_bytes(env, t[0], &k) ||
        !get_bytes(env, t[1], &v)) {
      return enif_make_badarg(env);
    }
    kvs.emplace_back(k, v);
  }
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    ShortWriter w(env, *e);
    if (!w.entered()) return w.refusal();
    alder::Txn txn = e->env->begin_write();
    for (auto& [k, v] : kvs) txn.put(k, v);
    txn.commit();
    return atoms.ok;
  });
}

// del(Env, Key) -> ok | not_found | wait | {error, Reason}
ERL_NIF_TERM nif_del(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::string_view key;
  if (!e || !get_bytes(env, argv[1], &key)) return enif_make_badarg(env);
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    ShortWriter w(env, *e);
    if (!w.entered()) return w.refusal();
    alder::Txn txn = e->env->begin_write();
    bool existed = txn.del(key);
    txn.commit();
    return existed ? atoms.ok : atoms.not_found;
  });
}

// prefix(Env, Prefix, Limit) -> {ok, [{K, V}]}: at most Limit entries
// (a non-negative integer or infinity) whose key starts with Prefix, in
// key order.
ERL_NIF_TERM nif_prefix(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::string_view prefix;
  std::uint64_t limit;
  if (!e || !get_bytes(env, argv[1], &prefix) || !get_limit(env, argv[2], &limit)) {
    return enif_make_badarg(env);
  }
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    alder::Txn txn = e->env->begin_read();
    return prefix_entries(env, txn, prefix, limit);
  });
}

// range(Env, Lo, Hi | undefined, Limit) -> {ok, [{K, V}]}: Lo =< K < Hi
// (undefined: no upper bound), at most Limit entries, in key order.
ERL_NIF_TERM nif_range(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::string_view lo, hi;
  bool has_hi = !enif_is_identical(argv[2], atoms.undefined);
  std::uint64_t limit;
  if (!e || !get_bytes(env, argv[1], &lo) || (has_hi && !get_bytes(env, argv[2], &hi)) ||
      !get_limit(env, argv[3], &limit)) {
    return enif_make_badarg(env);
  }
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    alder::Txn txn = e->env->begin_read();
    std::optional<std::string_view> h;
    if (has_hi) h = hi;
    return make_ok(env, entries_term(env, txn.range(alder::kMainDbi, lo, h), limit));
  });
}

}  // namespace alder_nif
