%% @doc A HyperBEAM node store on alder's path store: the node's store
%% callbacks (start/1, stop/1, reset/1, scope/0,1, read/2, write/3, list/2,
%% type/2, make_group/2, make_link/3, resolve/2, path/2, add_path/3,
%% match/2), plus read_many/2, write_many/2, begin_batch/1, commit_batch/1,
%% abort_batch/1 and sync/1.
%%
%% The first argument of every callback is the store's option map, e.g.
%% #{<<"store-module">> => alder_store, <<"name">> => <<"cache-TEST/alder">>}.
%% <<"name">> is a directory; the database is the file "data.alder" in it.
%% The env is opened once per name (start/1, or the first call that needs
%% it) and found again from the name: a public ETS table (alder_store_envs,
%% owned by a small registered process, alder_store_envs_owner). ETS and not
%% persistent_term: a lookup copies the env handle onto the caller's heap,
%% so the handle stays referenced while a NIF call uses it even if the
%% store is stopped meanwhile. The option keys that choose how it is
%% opened (<<"durability">>, default <<"no_sync">> like the node's LMDB
%% store; <<"capacity">>, <<"read-only">>, <<"alder-flags">>, ...) are
%% alder_store_opts's.
%%
%% Keys are binaries or lists of segments (binaries, or nested lists of
%% them), joined with "/". Semantics (resolution through links, groups,
%% listing) are alder::PathStore's: docs/PATH_STORE.md. Results: {ok, V},
%% not_found, ok, simple, composite; a key of the wrong type gives
%% {error, badarg}; an engine failure {error, Reason}.
-module(alder_store).

-export([start/1, stop/1, reset/1, scope/0, scope/1]).
-export([read/2, write/3, list/2, type/2, make_group/2, make_link/3]).
-export([resolve/2, path/2, add_path/3, match/2]).
-export([read_many/2, write_many/2, begin_batch/1, commit_batch/1, abort_batch/1, sync/1]).
-export([env/1]).

-define(BATCH, <<"alder-batch">>).
-define(DATA_FILE, "data.alder").
-define(TABLE, alder_store_envs).
-define(OWNER, alder_store_envs_owner).
-define(EPOCH, alder_store_stop_epoch).
-define(LAST_ENV, '$alder_store_last_env').

%%% ------------------------------------------------------------ lifecycle

%% @doc Opens the store named in Opts (once per name; a second start finds
%% the open env). Returns {ok, #{<<"env">> => Env}}.
start(Opts = #{<<"name">> := _}) ->
    case guard(fun() -> open_env(Opts) end) of
        {ok, Env} -> {ok, #{<<"env">> => Env}};
        Error -> Error
    end;
start(_) ->
    {error, badarg}.

%% @doc Closes the store's env (aborting open batches) and forgets it.
stop(#{<<"name">> := Name}) ->
    guard(fun() ->
        case lookup_take(term_key(Name)) of
            undefined -> ok;
            Env ->
                _ = alder_nif:env_close(Env),
                bump_epoch(),
                ok
        end
    end);
stop(_) ->
    ok.

%% @doc Empties the store. When it is open it stays open and usable (its
%% open batches are aborted); when it is not, its data file is deleted (the
%% engine's "data.alder-lock" file beside it is left to the engine).
reset(Opts = #{<<"name">> := Name}) ->
    guard(fun() ->
        case lookup(term_key(Name)) of
            undefined ->
                case file:delete(data_file(Opts)) of
                    ok -> ok;
                    {error, enoent} -> ok;
                    Error -> Error
                end;
            Env ->
                alder_nif:store_reset(Env)
        end
    end);
reset(_) ->
    ok.

scope() -> local.
scope(_) -> local.

%%% ---------------------------------------------------------------- reads

%% @doc The value reached by resolving Key through links: {ok, Value}, or
%% not_found for a missing key, a group or a link cycle.
read(Opts, Key) when is_binary(Key), not is_map_key(?BATCH, Opts) ->
    %% The common call, without the closures of with_path/2 (about a third
    %% of a small read's time in Erlang; docs/DECISIONS.md).
    try
        alder_nif:store_read(env(Opts), Key)
    catch
        error:{alder_store, Reason} -> {error, Reason};
        error:badarg -> {error, badarg}
    end;
read(Opts, Key) ->
    with_path(Key, fun(P) ->
        case batch(Opts) of
            undefined -> alder_nif:store_read(env(Opts), P);
            B -> alder_nif:batch_read(B, P)
        end
    end).

%% @doc read/2 of many keys under one snapshot: a list of {ok, V} |
%% not_found in the order asked (in a batch: each read sees the batch).
read_many(Opts, Keys) when is_list(Keys) ->
    case catch [to_path(K) || K <- Keys] of
        Paths when is_list(Paths) -> guard(fun() -> read_many_paths(Opts, Paths) end);
        _ -> {error, badarg}
    end;
read_many(_, _) ->
    {error, badarg}.

read_many_paths(Opts, Paths) ->
            case batch(Opts) of
                undefined ->
                    case alder_nif:store_read_many(env(Opts), Paths) of
                        {ok, Results} -> Results;
                        Error -> Error
                    end;
                B ->
                    [alder_nif:batch_read(B, P) || P <- Paths]
            end.

%% @doc simple (a value), composite (a group or the root) or not_found.
type(Opts, Key) ->
    with_path(Key, fun(P) ->
        case batch(Opts) of
            undefined -> alder_nif:store_type(env(Opts), P);
            B -> alder_nif:batch_type(B, P)
        end
    end).

%% @doc {ok, Names}: the immediate children of what Key resolves to,
%% sorted; {ok, []} when there are none: an empty group, and also a key that
%% resolves to nothing with children (missing, a value, a cycle), as the
%% node's LMDB store answers (its list is a prefix scan).
list(Opts, Key) ->
    with_path(Key, fun(P) ->
        Res = case batch(Opts) of
                  undefined -> alder_nif:store_list(env(Opts), P);
                  B -> alder_nif:batch_list(B, P)
              end,
        case Res of
            not_found -> {ok, []};
            Other -> Other
        end
    end).

%% @doc The path Key resolves to, as a binary; Key itself (joined) when it
%% runs into a link cycle.
resolve(Opts, Key) ->
    with_path(Key, fun(P) ->
        Res = case batch(Opts) of
                  undefined -> alder_nif:store_resolve(env(Opts), P);
                  B -> alder_nif:batch_resolve(B, P)
              end,
        case Res of
            {ok, Resolved} -> Resolved;
            not_found -> P;
            Error -> Error
        end
    end).

%% @doc {ok, Ids}: the ids X such that X/Key is a link to Path for every
%% {Key, Path} (a list of pairs or a map); not_found when there is none.
%% Answered from committed data (an open batch's links are not seen).
match(Opts, Template) when is_map(Template) ->
    match(Opts, maps:to_list(Template));
match(Opts, Pairs) when is_list(Pairs), Pairs =/= [] ->
    case catch [{to_path(K), to_path(V)} || {K, V} <- Pairs] of
        Converted when is_list(Converted), length(Converted) =:= length(Pairs) ->
            guard(fun() ->
                case alder_nif:store_match(env(Opts), Converted) of
                    {ok, []} -> not_found;
                    Other -> Other
                end
            end);
        _ ->
            {error, badarg}
    end;
match(_, _) ->
    {error, badarg}.

%%% --------------------------------------------------------------- writes

%% @doc Stores Value at Key (replacing a value, group or link there).
write(Opts, Key, Value) when is_binary(Value) ->
    with_path(Key, fun(P) ->
        case batch(Opts) of
            undefined -> alder:await_writer(fun() -> alder_nif:store_write(env(Opts), P, Value) end);
            B -> alder_nif:batch_write(B, P, Value)
        end
    end);
write(_, _, _) ->
    {error, badarg}.

%% @doc write/3 of many {Key, Value} pairs in one call and one write
%% transaction (all or nothing); in a batch, part of the batch.
write_many(Opts, Pairs) when is_list(Pairs) ->
    case catch [{to_path(K), V} || {K, V} <- Pairs, is_binary(V)] of
        Converted when is_list(Converted), length(Converted) =:= length(Pairs) ->
            guard(fun() ->
                case batch(Opts) of
                    undefined ->
                        alder:await_writer(fun() -> alder_nif:store_write_many(env(Opts), Converted) end);
                    B ->
                        alder_nif:batch_write_many(B, Converted)
                end
            end);
        _ ->
            {error, badarg}
    end;
write_many(_, _) ->
    {error, badarg}.

%% @doc Makes Key a group (no-op when it is one).
make_group(Opts, Key) ->
    with_path(Key, fun(P) ->
        case batch(Opts) of
            undefined -> alder:await_writer(fun() -> alder_nif:store_make_group(env(Opts), P) end);
            B -> alder_nif:batch_make_group(B, P)
        end
    end).

%% @doc Makes New a link to Existing (existing path first, new path
%% second); creates New's missing parent groups.
make_link(Opts, Existing, New) ->
    with_path(Existing, fun(E) ->
        with_path(New, fun(N) ->
            case batch(Opts) of
                undefined ->
                    alder:await_writer(fun() -> alder_nif:store_make_link(env(Opts), E, N) end);
                B ->
                    alder_nif:batch_make_link(B, E, N)
            end
        end)
    end).

%% @doc Makes every commit durable (the store runs no_sync by default).
sync(Opts) -> guard(fun() -> alder:sync(env(Opts)) end).

%%% -------------------------------------------------------------- batches

%% @doc Opens a batch: {ok, BatchOpts}. Every callback given BatchOpts
%% instead of Opts runs in the batch (its reads see its writes); nothing is
%% visible to others before commit_batch/1. Other processes' writes wait
%% until the batch ends; this process must write through BatchOpts (a
%% plain write answers {error, busy}).
begin_batch(Opts) ->
    guard(fun() ->
        Env = env(Opts),
        case alder:await_writer(fun() -> alder_nif:batch_begin(Env) end) of
            {ok, B} -> {ok, Opts#{?BATCH => B}};
            Error -> Error
        end
    end).

%% @doc Commits the batch's writes at once. Returns the options without it.
commit_batch(BatchOpts = #{?BATCH := B}) ->
    case alder_nif:batch_commit(B) of
        ok -> {ok, maps:remove(?BATCH, BatchOpts)};
        Error -> Error
    end;
commit_batch(_) ->
    {error, badarg}.

%% @doc Discards the batch's writes.
abort_batch(#{?BATCH := B}) -> alder_nif:batch_abort(B);
abort_batch(_) -> {error, badarg}.

%%% ---------------------------------------------------------------- paths

%% @doc The store's form of a path: a binary, segments joined with "/".
path(_Opts, Key) -> to_path(Key).

%% @doc Path1 followed by Path2: a list when both are lists, else a binary.
add_path(_Opts, P1, P2) when is_list(P1), is_list(P2) -> P1 ++ P2;
add_path(_Opts, P1, P2) -> join([to_path(P1), to_path(P2)]).

%%% ------------------------------------------------------------- internal

%% @doc The env of the store named in Opts, opening it on first use.
%% Raises {alder_store, Reason} when it cannot be opened, badarg when Opts
%% has no name (the callbacks turn both into {error, Reason}).
env(Opts = #{<<"name">> := Name}) ->
    %% The calling process keeps the env of each name it used in its
    %% dictionary (no lock, no copy: an ETS lookup cost ~0.5 us, as much as
    %% a small read), valid while no stop/1 has happened since: stop/1
    %% bumps a VM-wide counter. The dictionary holds a reference, so the env
    %% stays alive while this process uses it, as with the ETS copy.
    %% The last name used comes first, under a fixed key: hashing an atom
    %% is cheaper than hashing {?MODULE, env, Name}, and a process mostly
    %% uses one store (env/1 160-190 ns before, measured with a loop of
    %% env/1 calls).
    case persistent_term:get(?EPOCH, undefined) of
        undefined ->
            env_lookup(Opts);
        Counter ->
            Epoch = atomics:get(Counter, 1),
            case get(?LAST_ENV) of
                {Name, Epoch, Env} ->
                    Env;
                _ ->
                    PKey = {?MODULE, env, Name},
                    Env = case get(PKey) of
                              {Epoch, E} ->
                                  E;
                              _ ->
                                  E = env_lookup(Opts),
                                  put(PKey, {Epoch, E}),
                                  E
                          end,
                    put(?LAST_ENV, {Name, Epoch, Env}),
                    Env
            end
    end;
env(_) ->
    erlang:error(badarg).

env_lookup(Opts = #{<<"name">> := Name}) ->
    case lookup(term_key(Name)) of
        undefined ->
            case open_env(Opts) of
                {ok, Env} -> Env;
                {error, Reason} -> erlang:error({alder_store, Reason})
            end;
        Env ->
            Env
    end.

open_env(Opts = #{<<"name">> := Name}) ->
    Key = term_key(Name),
    %% One opener per name at a time; the others find its env.
    global:trans({Key, self()}, fun() ->
        case lookup(Key) of
            undefined ->
                File = data_file(Opts),
                case {alder_store_opts:flags(Opts), filelib:ensure_dir(File)} of
                    {{error, _} = Error, _} ->
                        Error;
                    {{ok, Flags}, ok} ->
                        case alder:open(File, Flags) of
                            {ok, Env} ->
                                true = ets:insert(table(), {Key, Env}),
                                {ok, Env};
                            Error ->
                                Error
                        end;
                    {_, Error} ->
                        Error
                end;
            Env ->
                {ok, Env}
        end
    end, [node()]).

%% The env registered under Key, or undefined.
lookup(Key) ->
    try ets:lookup(?TABLE, Key) of
        [{_, Env}] -> Env;
        [] -> undefined
    catch error:badarg -> undefined  % no table yet
    end.

lookup_take(Key) ->
    try ets:take(?TABLE, Key) of
        [{_, Env}] -> Env;
        [] -> undefined
    catch error:badarg -> undefined
    end.

%% The registry table, created (with its owner process) on first use.
table() ->
    case ets:whereis(?TABLE) of
        undefined ->
            Self = self(),
            {Pid, Ref} = spawn_monitor(fun() -> table_owner(Self) end),
            receive
                {'DOWN', Ref, process, Pid, _} -> ok;  % another owner won the race
                {?TABLE, Pid} -> erlang:demonitor(Ref, [flush])
            end,
            wait_for_table();
        _ ->
            ?TABLE
    end.

wait_for_table() ->
    case ets:whereis(?TABLE) of
        undefined -> erlang:yield(), wait_for_table();
        _ -> ?TABLE
    end.

%% Owns the table for the VM's lifetime (exits at once if another process
%% already is the owner).
table_owner(Caller) ->
    try register(?OWNER, self()) of
        true ->
            ?TABLE = ets:new(?TABLE, [named_table, public, set, {read_concurrency, true}]),
            %% once per VM (the table owner lives as long as the VM)
            persistent_term:put(?EPOCH, atomics:new(1, [])),
            Caller ! {?TABLE, self()},
            owner_loop()
    catch
        error:badarg -> ok
    end.

owner_loop() ->
    receive _ -> owner_loop() end.

term_key(Name) -> {?MODULE, to_bin(Name)}.

%% Invalidates every process's cached envs (env/1) after a stop.
bump_epoch() ->
    case persistent_term:get(?EPOCH, undefined) of
        undefined -> ok;
        Counter -> atomics:add(Counter, 1, 1)
    end.

data_file(#{<<"name">> := Name}) ->
    filename:join(unicode:characters_to_list(to_bin(Name)), ?DATA_FILE).

batch(#{?BATCH := B}) -> B;
batch(_) -> undefined.

with_path(Key, Fun) ->
    case catch to_path(Key) of
        P when is_binary(P) -> guard(fun() -> Fun(P) end);
        _ -> {error, badarg}
    end.

%% Runs Fun, turning a store that cannot be opened (env/1) and a badarg
%% into {error, Reason}: a callback answers, it does not raise.
guard(Fun) ->
    try Fun()
    catch
        error:{alder_store, Reason} -> {error, Reason};
        error:badarg -> {error, badarg}
    end.

%% Binary as is; a list of segments (binaries, nested lists, or one flat
%% character list) joined with "/". Anything else raises badarg.
to_path(Key) when is_binary(Key) -> Key;
to_path([]) -> <<>>;
to_path(Key) when is_list(Key) ->
    case io_lib:printable_unicode_list(Key) of
        true -> unicode:characters_to_binary(Key);
        false -> join([to_path(Seg) || Seg <- Key])
    end;
to_path(_) -> erlang:error(badarg).

join(Segments) -> iolist_to_binary(lists:join(<<"/">>, Segments)).

to_bin(B) when is_binary(B) -> B;
to_bin(L) when is_list(L) -> unicode:characters_to_binary(L);
to_bin(A) when is_atom(A) -> atom_to_binary(A);
to_bin(_) -> erlang:error(badarg).
