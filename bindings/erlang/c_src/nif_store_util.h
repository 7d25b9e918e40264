// Term builders for path-store results, shared by nif_store.cc and
// nif_batch.cc. Each copies its input into new binaries (the store returns
// owned strings). Throw std::bad_alloc when the VM cannot allocate.
#pragma once

#include <erl_nif.h>

#include <alder/path_store.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nif_res.h"
#include "nif_util.h"

namespace alder_nif {

/// Largest value a write copies on a normal scheduler (store_write,
/// batch_write; the same bound as a read's copy, nif_store_read.cc).
constexpr std::size_t kNormalMaxWriteBytes = 64 * 1024;

/// On a dirty scheduler, before a write that a normal scheduler refused:
/// grows the file so that this write and the next ones fit again
/// (PathStore::Batch::make_room). Without it every write after the first
/// refused one went dirty until the file next grew: 17% of the single
/// writes filling a fresh store. Best effort: a failed growth is left to
/// the write, which grows the file as far as it needs and reports it.
inline void make_room_for(alder::PathStore::Batch& b, std::size_t value_bytes) {
  try {
    (void)b.make_room(value_bytes);
  } catch (const alder::Error&) {
  }
}

/// After a durable store write committed with CommitFlags::no_wait: hands
/// the wait for its sync to e's DurableNotifier and answers
/// {durable_wait, Ref}; the calling process then gets {alder_durable, Ref,
/// ok | {error, Reason}} (nif_durable.h). Throws std::bad_alloc.
inline ERL_NIF_TERM durable_wait(ErlNifEnv* env, EnvRes& e, std::uint64_t txnid) {
  ErlNifPid self;
  if (!enif_self(env, &self)) throw std::bad_alloc();  // never: NIFs run in a process
  ERL_NIF_TERM ref = enif_make_ref(env);
  e.notifier->add(self, ref, txnid);
  return enif_make_tuple2(env, enif_make_atom(env, "durable_wait"), ref);
}

/// {ok, Binary} | not_found.
inline ERL_NIF_TERM read_term(ErlNifEnv* env, const std::optional<std::string>& v) {
  return v ? make_ok(env, make_binary(env, *v)) : atoms.not_found;
}

/// simple | composite | not_found.
inline ERL_NIF_TERM type_term(alder::PathType t) {
  switch (t) {
    case alder::PathType::simple: return atoms.simple;
    case alder::PathType::composite: return atoms.composite;
    default: return atoms.not_found;
  }
}

/// {ok, [Binary]} | not_found.
inline ERL_NIF_TERM names_term(ErlNifEnv* env, const std::optional<std::vector<std::string>>& names) {
  if (!names) return atoms.not_found;
  std::vector<ERL_NIF_TERM> out;
  out.reserve(names->size());
  for (const std::string& n : *names) out.push_back(make_binary(env, n));
  return make_ok(env, enif_make_list_from_array(env, out.data(), static_cast<unsigned>(out.size())));
}

/// The device-style read in one snapshot: {ok, Value} (one copy, from the
/// map into the binary) | {composite, [Name]} | not_found.
inline ERL_NIF_TERM get_term(ErlNifEnv* env, alder::PathStore::Snapshot& snap, std::string_view path) {
  ERL_NIF_TERM out = atoms.not_found;
  if (snap.read_with(path, [&](std::string_view v) { out = make_ok(env, make_binary(env, v)); })) {
    return out;
  }
  if (snap.type(path) != alder::PathType::composite) return atoms.not_found;
  ERL_NIF_TERM names = names_term(env, snap.list(path));
  int arity;
  const ERL_NIF_TERM* t;
  if (!enif_get_tuple(env, names, &arity, &t) || arity != 2) return atoms.not_found;
  return enif_make_tuple2(env, atoms.composite, t[1]);
}

/// Reads [{Path, Value}] (iodata each) into views valid until the NIF call
/// returns. False when the term is not such a list.
inline bool get_pairs(ErlNifEnv* env, ERL_NIF_TERM list,
                      std::vector<std::pair<std::string_view, std::string_view>>* out) {
  unsigned len;
  if (!enif_get_list_length(env, list, &len)) return false;
  out->reserve(len);
  ERL_NIF_TERM head;
  while (enif_get_list_cell(env, list, &head, &list)) {
    int arity;
    const ERL_NIF_TERM* t;
    std::string_view k, v;
    if (!enif_get_tuple(env, head, &arity, &t) || arity != 2 || !get_bytes(env, t[0], &k) ||
        !get_bytes(env, t[1], &v)) {
      return false;
    }
    out->emplace_back(k, v);
  }
  return true;
}

}  // namespace alder_nif
