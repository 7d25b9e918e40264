%% @doc The raw NIF functions of priv/alder_nif.so. Use `alder' (engine)
%% and `alder_store' (path store) instead: they add argument conversion and
%% the retry on `wait' (see c_src/nif_res.h, "the writer gate").
%%
%% Every function below runs on a dirty I/O scheduler except
%% thread_counts/0 and dirty_flags/0, and the ones that start on a normal
%% scheduler with bounded work and move to a dirty I/O one when it could
%% be more or could wait: the single-path store reads (store_read/2,
%% store_get/2, store_type/2, store_list/2, store_resolve/2), store_write/3
%% and batch_write/3 (c_src/nif_main.cc). A term of the wrong type raises
%% badarg; an engine failure returns {error, Reason}. Writes may return `wait': the caller is
%% then sent '$alder_writer_free' when it may retry.
-module(alder_nif).

-export([env_open/2, env_close/1, env_sync/1, env_stat/1,
         get/2, get_many/2, put/3, put_batch/2, del/2, prefix/3, range/4,
         txn_begin/2, txn_get/2, txn_put/3, txn_del/2, txn_prefix/3,
         txn_commit/1, txn_abort/1,
         store_write/3, store_write_many/2, store_read/2, store_read_many/2, store_type/2,
         store_list/2, store_resolve/2, store_make_group/2,
         store_make_link/3, store_match/2, store_reset/1, store_apply/2, store_get/2,
         batch_begin/1, batch_write/3, batch_write_many/2, batch_make_group/2,
         batch_make_link/3, batch_read/2, batch_type/2, batch_list/2,
         batch_resolve/2, batch_commit/1, batch_abort/1,
         thread_counts/0, dirty_flags/0]).

-on_load(init/0).

init() ->
    erlang:load_nif(filename:join(priv_dir(), "alder_nif"), 0).

priv_dir() ->
    case code:priv_dir(alder) of
        {error, bad_name} ->
            filename:join(filename:dirname(filename:dirname(code:which(?MODULE))), "priv");
        Dir ->
            Dir
    end.

-define(NIF, erlang:nif_error({nif_not_loaded, ?MODULE})).

env_open(_Path, _Flags) -> ?NIF.
env_close(_Env) -> ?NIF.
env_sync(_Env) -> ?NIF.
env_stat(_Env) -> ?NIF.
get(_Env, _Key) -> ?NIF.
get_many(_Env, _Keys) -> ?NIF.
put(_Env, _Key, _Value) -> ?NIF.
put_batch(_Env, _KVs) -> ?NIF.
del(_Env, _Key) -> ?NIF.
prefix(_Env, _Prefix, _Limit) -> ?NIF.
range(_Env, _Lo, _Hi, _Limit) -> ?NIF.
txn_begin(_Env, _Kind) -> ?NIF.
txn_get(_Txn, _Key) -> ?NIF.
txn_put(_Txn, _Key, _Value) -> ?NIF.
txn_del(_Txn, _Key) -> ?NIF.
txn_prefix(_Txn, _Prefix, _Limit) -> ?NIF.
txn_commit(_Txn) -> ?NIF.
txn_abort(_Txn) -> ?NIF.
store_write(_Env, _Path, _Value) -> ?NIF.
store_write_many(_Env, _Pairs) -> ?NIF.
store_read(_Env, _Path) -> ?NIF.
store_read_many(_Env, _Paths) -> ?NIF.
store_type(_Env, _Path) -> ?NIF.
store_list(_Env, _Path) -> ?NIF.
store_resolve(_Env, _Path) -> ?NIF.
store_make_group(_Env, _Path) -> ?NIF.
store_make_link(_Env, _Existing, _New) -> ?NIF.
store_match(_Env, _Pairs) -> ?NIF.
store_reset(_Env) -> ?NIF.
%% {ok, Value} | {composite, [Name]} | not_found, in one snapshot.
store_get(_Env, _Path) -> ?NIF.
%% [{write, Path, Value} | {group, Path} | {link, Existing, New}] in one txn.
store_apply(_Env, _Ops) -> ?NIF.
batch_begin(_Env) -> ?NIF.
batch_write(_Batch, _Path, _Value) -> ?NIF.
batch_write_many(_Batch, _Pairs) -> ?NIF.
batch_make_group(_Batch, _Path) -> ?NIF.
batch_make_link(_Batch, _Existing, _New) -> ?NIF.
batch_read(_Batch, _Path) -> ?NIF.
batch_type(_Batch, _Path) -> ?NIF.
batch_list(_Batch, _Path) -> ?NIF.
batch_resolve(_Batch, _Path) -> ?NIF.
batch_commit(_Batch) -> ?NIF.
batch_abort(_Batch) -> ?NIF.
thread_counts() -> ?NIF.
dirty_flags() -> ?NIF.
