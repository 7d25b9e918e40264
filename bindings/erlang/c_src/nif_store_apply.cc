// store_apply: several path-store writes (values, groups, links) in one
// write transaction, all or nothing. The device-style callbacks
// (alder_store_device: write/3, group/3, link/3) take a map of writes; this
// applies the whole map atomically, so a refused entry (bad path, key too
// large, a parent that is a link cycle) leaves the store unchanged.
#include <string_view>
#include <vector>

#include "nif_funcs.h"
#include "nif_res.h"
#include "nif_store_util.h"
#include "nif_util.h"

namespace alder_nif {

namespace {

enum class OpKind { write, group, link };

/// One write: write(a, b) = value b at path a; group(a); link(a, b) = path b
/// becomes a link to path a (existing first, as PathStore::make_link).
struct Op {
  OpKind kind;
  std::string_view a, b;
};

/// Parses [{write, Path, Value} | {group, Path} | {link, Existing, New}].
bool get_ops(ErlNifEnv* env, ERL_NIF_TERM list, std::vector<Op>* out) {
  unsigned len;
  if (!enif_get_list_length(env, list, &len)) return false;
  out->reserve(len);
  ERL_NIF_TERM head;
  while (enif_get_list_cell(env, list, &head, &list)) {
    int arity;
    const ERL_NIF_TERM* t;
    char name[8];
    if (!enif_get_tuple(env, head, &arity, &t) || arity < 2 ||
        enif_get_atom(env, t[0], name, sizeof name, ERL_NIF_LATIN1) <= 0) {
      return false;
    }
    Op op{};
    std::string_view n(name);
    if (n == "write" && arity == 3) op.kind = OpKind::write;
    else if (n == "group" && arity == 2) op.kind = OpKind::group;
    else if (n == "link" && arity == 3) op.kind = OpKind::link;
    else return false;
    if (!get_bytes(env, t[1], &op.a) || (arity == 3 && !get_bytes(env, t[2], &op.b))) return false;
    out->push_back(op);
  }
  return true;
}

}  // namespace

// store_apply(Env, [Op]) -> ok | wait | {error, Reason}: every Op in one
// write txn (a PathStore batch committed before the call returns).
ERL_NIF_TERM nif_store_apply(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::vector<Op> ops;
  if (!e || !get_ops(env, argv[1], &ops)) return enif_make_badarg(env);
  return guarded(env, [&] {
    std::shared_lock<std::shared_mutex> lk(e->mu);
    if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
    if (!e->store) return make_error(env, atoms.no_path_store);
    ShortWriter w(env, *e);
    if (!w.entered()) return w.refusal();
    alder::PathStore::Batch b = e->store->begin_batch();
    for (const Op& op : ops) {
      switch (op.kind) {
        case OpKind::write: b.write(op.a, op.b); break;
        case OpKind::group: b.make_group(op.a); break;
        case OpKind::link: b.make_link(op.a, op.b); break;
      }
    }
    if (!e->notifier) {
      b.commit();
      return atoms.ok;
    }
    return durable_wait(env, *e, b.commit(alder::CommitFlags::no_wait));
  });
}

}  // namespace alder_nif
