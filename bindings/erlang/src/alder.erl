%% @doc The alder engine from Erlang: an env (one database file), one-shot
%% reads and writes on its main db, prefix and range listing, and explicit
%% transactions. Keys and values are iodata (binaries or iolists); results
%% are binaries (one copy out of the memory map). Every call runs on a dirty
%% I/O scheduler.
%%
%% Errors: a term of the wrong type raises badarg; an engine failure is
%% {error, Reason}, Reason one of alder's error codes as an atom
%% (key_too_large, empty_key, env_closed, txn_finished, read_only, busy,
%% io_error, ...). A closed env or a finished transaction is such an error.
%%
%% Writers: the engine has one writer. One-shot writes (put, del,
%% put_batch, sync) wait while an explicit write transaction of another
%% process is open; the waiting happens here, in the calling process (a
%% receive), never on a scheduler. A process that holds a write transaction
%% and calls a one-shot write gets {error, busy}.
-module(alder).

-export([open/1, open/2, close/1, sync/1, stat/1]).
-export([get/2, get_many/2, put/3, put_batch/2, del/2]).
-export([prefix/2, prefix/3, range/3, range/4]).
-export([begin_txn/2, txn_get/2, txn_put/3, txn_del/2, txn_prefix/3,
         commit/1, abort/1, transaction/2]).
-export([await_writer/1]).

-type env() :: reference().
-type txn() :: reference().
-type key() :: iodata().
-type flag() :: no_sync | no_meta_sync | sync | write_map | map_async
              | no_readahead | read_only | no_create | path_store
              | {max_size, non_neg_integer()} | {page_size, pos_integer()}
              | {autosync_bytes, non_neg_integer()} | {max_dbs, non_neg_integer()}
              | {resolve_cache_entries, non_neg_integer()}
              | {max_link_hops, pos_integer()}.
-type limit() :: non_neg_integer() | infinity.
-export_type([env/0, txn/0, flag/0]).

%% @doc Opens (creating it) the database file at Path with default flags
%% (durable commits).
-spec open(file:filename_all()) -> {ok, env()} | {error, term()}.
open(Path) -> open(Path, []).

%% @doc Opens the file at Path. Flags: no_sync | no_meta_sync | sync
%% (durability, default sync), write_map, map_async (implies write_map),
%% no_readahead, read_only, no_create, path_store (also open the path
%% store, for alder_store), {max_size, Bytes}, {page_size, Bytes},
%% {autosync_bytes, Bytes}, {max_dbs, N}, {resolve_cache_entries, N},
%% {max_link_hops, N}. The file is locked: a second open of the same file
%% (in this or another OS process) gives {error, locked}.
-spec open(file:filename_all(), [flag()]) -> {ok, env()} | {error, term()}.
open(Path, Flags) when is_list(Path) ->
    open(unicode:characters_to_binary(Path), Flags);
open(Path, Flags) ->
    alder_nif:env_open(Path, Flags).

%% @doc Closes the env: aborts its open transactions, syncs, closes.
%% Idempotent; every later call on it gives {error, env_closed}.
-spec close(env()) -> ok | {error, term()}.
close(Env) -> alder_nif:env_close(Env).

%% @doc Makes every commit durable (needed with no_sync, no_meta_sync,
%% map_async).
-spec sync(env()) -> ok | {error, term()}.
sync(Env) -> with_writer(fun() -> alder_nif:env_sync(Env) end).

%% @doc Figures of the env as a map (page_size, file_size, used_pages,
%% free_pages, last_txn_id, named_dbs, readers, entries, depth,
%% max_key_size).
-spec stat(env()) -> {ok, map()} | {error, term()}.
stat(Env) -> alder_nif:env_stat(Env).

-spec get(env(), key()) -> {ok, binary()} | not_found | {error, term()}.
get(Env, Key) -> alder_nif:get(Env, Key).

%% @doc Values of many keys under one snapshot, in the order asked.
-spec get_many(env(), [key()]) -> {ok, [{ok, binary()} | not_found]} | {error, term()}.
get_many(Env, Keys) -> alder_nif:get_many(Env, Keys).

%% @doc Stores Key = Value in its own committed write transaction.
-spec put(env(), key(), iodata()) -> ok | {error, term()}.
put(Env, Key, Value) -> with_writer(fun() -> alder_nif:put(Env, Key, Value) end).

%% @doc Stores every pair in one write transaction (all or nothing).
-spec put_batch(env(), [{key(), iodata()}]) -> ok | {error, term()}.
put_batch(Env, KVs) -> with_writer(fun() -> alder_nif:put_batch(Env, KVs) end).

-spec del(env(), key()) -> ok | not_found | {error, term()}.
del(Env, Key) -> with_writer(fun() -> alder_nif:del(Env, Key) end).

%% @doc Entries whose key starts with Prefix, in key order.
-spec prefix(env(), key()) -> {ok, [{binary(), binary()}]} | {error, term()}.
prefix(Env, Prefix) -> prefix(Env, Prefix, infinity).
-spec prefix(env(), key(), limit()) -> {ok, [{binary(), binary()}]} | {error, term()}.
prefix(Env, Prefix, Limit) -> alder_nif:prefix(Env, Prefix, Limit).

%% @doc Entries with Lo =< Key < Hi (Hi = undefined: no bound), in order.
-spec range(env(), key(), key() | undefined) -> {ok, [{binary(), binary()}]} | {error, term()}.
range(Env, Lo, Hi) -> range(Env, Lo, Hi, infinity).
-spec range(env(), key(), key() | undefined, limit()) ->
          {ok, [{binary(), binary()}]} | {error, term()}.
range(Env, Lo, Hi, Limit) -> alder_nif:range(Env, Lo, Hi, Limit).

%% @doc Begins a read (snapshot) or write transaction. A write transaction
%% waits (in this process) while another writer is active. End it with
%% commit/1 or abort/1; if the process forgets, it is aborted when the
%% handle is garbage collected, and close/1 aborts it too.
-spec begin_txn(env(), read | write) -> {ok, txn()} | {error, term()}.
begin_txn(Env, write) -> with_writer(fun() -> alder_nif:txn_begin(Env, write) end);
begin_txn(Env, Kind) -> alder_nif:txn_begin(Env, Kind).

-spec txn_get(txn(), key()) -> {ok, binary()} | not_found | {error, term()}.
txn_get(Txn, Key) -> alder_nif:txn_get(Txn, Key).
-spec txn_put(txn(), key(), iodata()) -> ok | {error, term()}.
txn_put(Txn, Key, Value) -> alder_nif:txn_put(Txn, Key, Value).
-spec txn_del(txn(), key()) -> ok | not_found | {error, term()}.
txn_del(Txn, Key) -> alder_nif:txn_del(Txn, Key).
-spec txn_prefix(txn(), key(), limit()) -> {ok, [{binary(), binary()}]} | {error, term()}.
txn_prefix(Txn, Prefix, Limit) -> alder_nif:txn_prefix(Txn, Prefix, Limit).

%% @doc Commits (a read transaction: just ends it). Finished either way.
-spec commit(txn()) -> ok | {error, term()}.
commit(Txn) -> alder_nif:txn_commit(Txn).
-spec abort(txn()) -> ok | {error, term()}.
abort(Txn) -> alder_nif:txn_abort(Txn).

%% @doc Runs Fun(Txn) in a write transaction: commits when Fun returns,
%% aborts and re-raises when it raises. Returns {ok, FunResult} or the
%% commit's {error, Reason}.
-spec transaction(env(), fun((txn()) -> term())) -> {ok, term()} | {error, term()}.
transaction(Env, Fun) ->
    case begin_txn(Env, write) of
        {ok, Txn} ->
            try Fun(Txn) of
                Result ->
                    case commit(Txn) of
                        ok -> {ok, Result};
                        Error -> Error
                    end
            catch
                Class:Reason:Stack ->
                    _ = abort(Txn),
                    erlang:raise(Class, Reason, Stack)
            end;
        Error ->
            Error
    end.

%% @doc Runs a NIF call that may answer `wait' (the writer gate), waiting
%% for '$alder_writer_free' and retrying until it answers something else.
-spec await_writer(fun(() -> term())) -> term().
await_writer(Call) -> with_writer(Call).

with_writer(Call) ->
    case Call() of
        wait ->
            receive '$alder_writer_free' -> ok end,
            with_writer(Call);
        {durable_wait, Ref} ->
            %% A durable store write: committed, its sync shared with the
            %% other writers' commits (group commit); the NIF's notifier
            %% thread answers once it is durable (c_src/nif_durable.h).
            receive {alder_durable, Ref, Result} -> Result end;
        Result ->
            Result
    end.
