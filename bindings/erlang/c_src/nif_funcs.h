// Every NIF entry point, grouped by file. Each has the erl_nif signature
// (env, argc, argv) and the conventions of nif_util.h; the Erlang-side
// shapes are documented at each definition and in src/alder_nif.erl.
// All are registered on dirty I/O schedulers (nif_main.cc).
#pragma once

#include <erl_nif.h>

namespace alder_nif {

#define ALDER_NIF(name) ERL_NIF_TERM name(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[])

// nif_env.cc
ALDER_NIF(nif_env_open);
ALDER_NIF(nif_env_close);
ALDER_NIF(nif_env_sync);
ALDER_NIF(nif_env_stat);
// nif_kv.cc (one-shot operations on the main db)
ALDER_NIF(nif_get);
ALDER_NIF(nif_get_many);
ALDER_NIF(nif_put);
ALDER_NIF(nif_put_batch);
ALDER_NIF(nif_del);
ALDER_NIF(nif_prefix);
ALDER_NIF(nif_range);
// nif_txn.cc (explicit transactions on the main db)
ALDER_NIF(nif_txn_begin);
ALDER_NIF(nif_txn_get);
ALDER_NIF(nif_txn_put);
ALDER_NIF(nif_txn_del);
ALDER_NIF(nif_txn_prefix);
ALDER_NIF(nif_txn_commit);
ALDER_NIF(nif_txn_abort);
// nif_store.cc (path store, one operation per call)
ALDER_NIF(nif_store_write);
ALDER_NIF(nif_store_write_many);
ALDER_NIF(nif_store_read);
ALDER_NIF(nif_store_read_many);
ALDER_NIF(nif_store_get);
ALDER_NIF(nif_store_type);
ALDER_NIF(nif_store_list);
ALDER_NIF(nif_store_resolve);
ALDER_NIF(nif_store_make_group);
ALDER_NIF(nif_store_make_link);
ALDER_NIF(nif_store_match);
ALDER_NIF(nif_store_reset);
// nif_store_apply.cc (several path-store writes in one txn)
ALDER_NIF(nif_store_apply);
// nif_batch.cc (path store batches)
ALDER_NIF(nif_batch_begin);
ALDER_NIF(nif_batch_write);
ALDER_NIF(nif_batch_write_many);
ALDER_NIF(nif_batch_make_group);
ALDER_NIF(nif_batch_make_link);
ALDER_NIF(nif_batch_read);
ALDER_NIF(nif_batch_type);
ALDER_NIF(nif_batch_list);
ALDER_NIF(nif_batch_resolve);
ALDER_NIF(nif_batch_commit);
ALDER_NIF(nif_batch_abort);

#undef ALDER_NIF

}  // namespace alder_nif
