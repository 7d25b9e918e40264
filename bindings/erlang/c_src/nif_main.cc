// The NIF library: load callback and function table of the Erlang module
// alder_nif. Every function that touches an Env, a transaction or the store
// runs on a dirty I/O scheduler, except the single-path store reads
// (store_read/get/type/list/resolve), store_write and batch_write: they
// start on a normal scheduler with bounded work and reschedule themselves
// as dirty I/O when it would be more (nif_store_read.cc) or could wait for
// the writer or the disk (nif_store.cc, nif_batch.cc). thread_counts/0
// and dirty_flags/0 touch no data.
#include <erl_nif.h>

#include "nif_funcs.h"
#include "nif_res.h"
#include "nif_util.h"

namespace alder_nif {
namespace {

// thread_counts() -> #{normal, dirty_cpu, dirty_io, other}: NIF calls
// counted by the kind of scheduler thread they ran on (for tests).
ERL_NIF_TERM nif_thread_counts(ErlNifEnv* env, int, const ERL_NIF_TERM[]) {
  return thread_counts(env);
}

ERL_NIF_TERM nif_dirty_flags(ErlNifEnv* env, int, const ERL_NIF_TERM[]);

constexpr int kIo = ERL_NIF_DIRTY_JOB_IO_BOUND;
// Single-path store reads: normal scheduler, bounded; larger work moves to
// a dirty I/O scheduler by itself (nif_store_read.cc).
constexpr int kNormal = 0;

ErlNifFunc g_funcs[] = {
    {"env_open", 2, nif_env_open, kIo},
    {"env_close", 1, nif_env_close, kIo},
    {"env_sync", 1, nif_env_sync, kIo},
    {"env_stat", 1, nif_env_stat, kIo},
    {"get", 2, nif_get, kIo},
    {"get_many", 2, nif_get_many, kIo},
    {"put", 3, nif_put, kIo},
    {"put_batch", 2, nif_put_batch, kIo},
    {"del", 2, nif_del, kIo},
    {"prefix", 3, nif_prefix, kIo},
    {"range", 4, nif_range, kIo},
    {"txn_begin", 2, nif_txn_begin, kIo},
    {"txn_get", 2, nif_txn_get, kIo},
    {"txn_put", 3, nif_txn_put, kIo},
    {"txn_del", 2, nif_txn_del, kIo},
    {"txn_prefix", 3, nif_txn_prefix, kIo},
    {"txn_commit", 1, nif_txn_commit, kIo},
    {"txn_abort", 1, nif_txn_abort, kIo},
    {"store_write", 3, nif_store_write, kNormal},
    {"store_write_many", 2, nif_store_write_many, kIo},
    {"store_read", 2, nif_store_read, kNormal},
    {"store_read_many", 2, nif_store_read_many, kIo},
    {"store_get", 2, nif_store_get, kNormal},
    {"store_type", 2, nif_store_type, kNormal},
    {"store_list", 2, nif_store_list, kNormal},
    {"store_resolve", 2, nif_store_resolve, kNormal},
    {"store_make_group", 2, nif_store_make_group, kIo},
    {"store_make_link", 3, nif_store_make_link, kIo},
    {"store_match", 2, nif_store_match, kIo},
    {"store_reset", 1, nif_store_reset, kIo},
    {"store_apply", 2, nif_store_apply, kIo},
    {"batch_begin", 1, nif_batch_begin, kIo},
    {"batch_write", 3, nif_batch_write, kNormal},  // bounded: nif_batch.cc
    {"batch_write_many", 2, nif_batch_write_many, kIo},
    {"batch_make_group", 2, nif_batch_make_group, kIo},
    {"batch_make_link", 3, nif_batch_make_link, kIo},
    {"batch_read", 2, nif_batch_read, kIo},
    {"batch_type", 2, nif_batch_type, kIo},
    {"batch_list", 2, nif_batch_list, kIo},
    {"batch_resolve", 2, nif_batch_resolve, kIo},
    {"batch_commit", 1, nif_batch_commit, kIo},
    {"batch_abort", 1, nif_batch_abort, kIo},
    {"thread_counts", 0, nif_thread_counts, 0},
    {"dirty_flags", 0, nif_dirty_flags, 0},
};

// dirty_flags() -> [{Name, Arity, normal | dirty_io | dirty_cpu}]: the
// scheduler each function is registered on (for tests).
ERL_NIF_TERM nif_dirty_flags(ErlNifEnv* env, int, const ERL_NIF_TERM[]) {
  ERL_NIF_TERM list = enif_make_list(env, 0);
  for (const ErlNifFunc& f : g_funcs) {
    const char* kind = f.flags == ERL_NIF_DIRTY_JOB_IO_BOUND    ? "dirty_io"
                       : f.flags == ERL_NIF_DIRTY_JOB_CPU_BOUND ? "dirty_cpu"
                                                                : "normal";
    ERL_NIF_TERM t = enif_make_tuple3(env, enif_make_atom(env, f.name), enif_make_uint(env, f.arity),
                                      enif_make_atom(env, kind));
    list = enif_make_list_cell(env, t, list);
  }
  return list;
}

int load(ErlNifEnv* env, void**, ERL_NIF_TERM) {
  init_atoms(env);
  return open_resource_types(env) ? 0 : 1;
}

int upgrade(ErlNifEnv* env, void**, void**, ERL_NIF_TERM) {
  init_atoms(env);
  return open_resource_types(env) ? 0 : 1;
}

}  // namespace
}  // namespace alder_nif

ERL_NIF_INIT(alder_nif, alder_nif::g_funcs, alder_nif::load, nullptr, alder_nif::upgrade, nullptr)

