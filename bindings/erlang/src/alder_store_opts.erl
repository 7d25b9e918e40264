%% @doc The store options of a HyperBEAM node (a store message) as alder
%% engine flags (alder:open/2). Shared by alder_store (2025 callbacks) and
%% alder_store_device (2026 device-style callbacks): both open the same env
%% for the same <<"name">>.
%%
%% Keys read (the names hb_store_lmdb reads, plus two of alder's own):
%%   <<"capacity">>     map size in bytes (integer or decimal binary) ->
%%                      {max_size, Bytes}; default the engine's (1 TiB)
%%   <<"read-only">>    true -> read_only (opens an existing store only)
%%   <<"read-ahead">>   false -> no_readahead
%%   <<"max-readers">>  a positive integer, checked and ignored: alder's
%%                      readers are lock-free and unbounded
%%   <<"durability">>   <<"sync">> | <<"no_sync">>; default <<"no_sync">>
%%                      (hb_store_lmdb opens with MDB_NOSYNC; README)
%%   <<"alder-flags">>  a list of alder:flag(), appended last (wins)
%% Other keys (store-module, batch-size, lock, prefix, ...) are ignored.
-module(alder_store_opts).

-export([flags/1]).

%% @doc {ok, Flags} for alder:open/2 (path_store first), or
%% {error, {badarg, Key}} naming the first option of a wrong type.
-spec flags(map()) -> {ok, [alder:flag()]} | {error, {badarg, binary()}}.
flags(Opts) when is_map(Opts) ->
    try
        {ok, [path_store]
             ++ durability(maps:get(<<"durability">>, Opts, <<"no_sync">>))
             ++ capacity(maps:get(<<"capacity">>, Opts, undefined))
             ++ bool_flag(<<"read-only">>, maps:get(<<"read-only">>, Opts, false), true, read_only)
             ++ bool_flag(<<"read-ahead">>, maps:get(<<"read-ahead">>, Opts, true), false, no_readahead)
             ++ max_readers(maps:get(<<"max-readers">>, Opts, undefined))
             ++ alder_flags(maps:get(<<"alder-flags">>, Opts, []))}
    catch
        throw:{badarg, Key} -> {error, {badarg, Key}}
    end.

durability(<<"no_sync">>) -> [no_sync];
durability(<<"sync">>) -> [sync];
durability(_) -> throw({badarg, <<"durability">>}).

capacity(undefined) -> [];
capacity(N) when is_integer(N), N > 0 -> [{max_size, N}];
capacity(B) when is_binary(B) ->
    try binary_to_integer(B) of
        N when N > 0 -> [{max_size, N}];
        _ -> throw({badarg, <<"capacity">>})
    catch error:badarg -> throw({badarg, <<"capacity">>})
    end;
capacity(_) -> throw({badarg, <<"capacity">>}).

bool_flag(_Key, On, On, Flag) -> [Flag];
bool_flag(_Key, Off, _On, _Flag) when is_boolean(Off) -> [];
bool_flag(Key, _, _, _) -> throw({badarg, Key}).

max_readers(undefined) -> [];
max_readers(false) -> [];
max_readers(N) when is_integer(N), N > 0 -> [];
max_readers(B) when is_binary(B) ->
    try binary_to_integer(B) of
        N when N > 0 -> [];
        _ -> throw({badarg, <<"max-readers">>})
    catch error:badarg -> throw({badarg, <<"max-readers">>})
    end;
max_readers(_) -> throw({badarg, <<"max-readers">>}).

alder_flags(L) when is_list(L) -> L;
alder_flags(_) -> throw({badarg, <<"alder-flags">>}).
