%% @doc The engine API (module alder): open/close/sync/stat, get/put/del,
%% put_batch, get_many, prefix and range listing, transactions, flags.
-module(alder_kv_tests).

-include_lib("eunit/include/eunit.hrl").

open(Name) -> open(Name, [no_sync]).
open(Name, Flags) ->
    {ok, Env} = alder:open(alder_test_lib:kv_file(Name), Flags),
    Env.

get_put_del_test() ->
    Env = open("kv-basic"),
    ?assertEqual(not_found, alder:get(Env, <<"k">>)),
    ?assertEqual(ok, alder:put(Env, <<"k">>, <<"v">>)),
    ?assertEqual({ok, <<"v">>}, alder:get(Env, <<"k">>)),
    ?assertEqual(ok, alder:put(Env, [<<"io">>, "list"], [<<"va">>, $l])),
    ?assertEqual({ok, <<"val">>}, alder:get(Env, <<"iolist">>)),
    ?assertEqual(ok, alder:del(Env, <<"k">>)),
    ?assertEqual(not_found, alder:del(Env, <<"k">>)),
    ?assertEqual(not_found, alder:get(Env, <<"k">>)),
    Big = binary:copy(<<"0123456789">>, 100000),
    ?assertEqual(ok, alder:put(Env, <<"big">>, Big)),
    ?assertEqual({ok, Big}, alder:get(Env, <<"big">>)),
    ok = alder:close(Env).

batch_and_get_many_test() ->
    Env = open("kv-batch"),
    KVs = [{<<"key-", (integer_to_binary(I))/binary>>, integer_to_binary(I * I)} || I <- lists:seq(1, 500)],
    ?assertEqual(ok, alder:put_batch(Env, KVs)),
    ?assertEqual({ok, [{ok, <<"4">>}, not_found, {ok, <<"250000">>}]},
                 alder:get_many(Env, [<<"key-2">>, <<"nope">>, <<"key-500">>])),
    %% all or nothing: an empty key in the batch rejects the whole batch
    ?assertEqual({error, empty_key}, alder:put_batch(Env, [{<<"new">>, <<"x">>}, {<<>>, <<"y">>}])),
    ?assertEqual(not_found, alder:get(Env, <<"new">>)),
    {ok, #{entries := 500, page_size := 4096}} = alder:stat(Env),
    ok = alder:close(Env).

prefix_and_range_test() ->
    Env = open("kv-range"),
    ok = alder:put_batch(Env, [{K, K} || K <- [<<"a">>, <<"b1">>, <<"b2">>, <<"b3">>, <<"c">>]]),
    ?assertEqual({ok, [{<<"b1">>, <<"b1">>}, {<<"b2">>, <<"b2">>}, {<<"b3">>, <<"b3">>}]},
                 alder:prefix(Env, <<"b">>)),
    ?assertEqual({ok, [{<<"b1">>, <<"b1">>}]}, alder:prefix(Env, <<"b">>, 1)),
    ?assertEqual({ok, []}, alder:prefix(Env, <<"z">>)),
    ?assertEqual({ok, [{<<"b2">>, <<"b2">>}, {<<"b3">>, <<"b3">>}]}, alder:range(Env, <<"b2">>, <<"c">>)),
    ?assertEqual({ok, [{<<"b3">>, <<"b3">>}, {<<"c">>, <<"c">>}]}, alder:range(Env, <<"b3">>, undefined)),
    ?assertEqual({ok, []}, alder:range(Env, <<"a">>, <<"z">>, 0)),
    ok = alder:close(Env).

transaction_test() ->
    Env = open("kv-txn"),
    ok = alder:put(Env, <<"k">>, <<"old">>),
    {ok, R} = alder:begin_txn(Env, read),
    {ok, W} = alder:begin_txn(Env, write),
    ok = alder:txn_put(W, <<"k">>, <<"new">>),
    ok = alder:txn_put(W, <<"k2">>, <<"x">>),
    ?assertEqual({ok, <<"new">>}, alder:txn_get(W, <<"k">>)),
    ?assertEqual({ok, [{<<"k">>, <<"new">>}, {<<"k2">>, <<"x">>}]}, alder:txn_prefix(W, <<"k">>, infinity)),
    ok = alder:commit(W),
    %% the read txn keeps its snapshot
    ?assertEqual({ok, <<"old">>}, alder:txn_get(R, <<"k">>)),
    ?assertEqual(not_found, alder:txn_get(R, <<"k2">>)),
    ?assertEqual({error, read_only}, alder:txn_put(R, <<"k">>, <<"x">>)),
    ok = alder:commit(R),
    ?assertEqual({ok, <<"new">>}, alder:get(Env, <<"k">>)),
    %% finished transactions are errors
    ?assertEqual({error, txn_finished}, alder:txn_get(W, <<"k">>)),
    ?assertEqual({error, txn_finished}, alder:commit(W)),
    ?assertEqual({error, txn_finished}, alder:abort(R)),
    %% abort discards; transaction/2 commits or aborts
    {ok, A} = alder:begin_txn(Env, write),
    ok = alder:txn_del(A, <<"k">>),
    ok = alder:abort(A),
    ?assertEqual({ok, <<"new">>}, alder:get(Env, <<"k">>)),
    ?assertEqual({ok, done}, alder:transaction(Env, fun(T) -> ok = alder:txn_put(T, <<"t">>, <<"1">>), done end)),
    ?assertError(boom, alder:transaction(Env, fun(T) -> ok = alder:txn_put(T, <<"t">>, <<"2">>), error(boom) end)),
    ?assertEqual({ok, <<"1">>}, alder:get(Env, <<"t">>)),
    ok = alder:close(Env).

close_finishes_transactions_test() ->
    Env = open("kv-close"),
    ok = alder:put(Env, <<"k">>, <<"v">>),
    {ok, R} = alder:begin_txn(Env, read),
    {ok, W} = alder:begin_txn(Env, write),
    ok = alder:txn_put(W, <<"k">>, <<"lost">>),
    ?assertEqual(ok, alder:close(Env)),
    ?assertEqual(ok, alder:close(Env)),
    ?assertEqual({error, txn_finished}, alder:txn_get(R, <<"k">>)),
    ?assertEqual({error, txn_finished}, alder:commit(W)),
    [?assertEqual({error, env_closed}, F()) || F <- [
        fun() -> alder:get(Env, <<"k">>) end,
        fun() -> alder:put(Env, <<"k">>, <<"v">>) end,
        fun() -> alder:sync(Env) end,
        fun() -> alder:stat(Env) end,
        fun() -> alder:begin_txn(Env, read) end,
        fun() -> alder:prefix(Env, <<>>) end]],
    Env2 = reopen("kv-close"),
    ?assertEqual({ok, <<"v">>}, alder:get(Env2, <<"k">>)),
    ok = alder:close(Env2).

reopen(Name) ->
    {ok, Env} = alder:open(filename:join(alder_test_lib:tmp_dir(), Name ++ ".alder"), [no_sync]),
    Env.

writer_gate_test() ->
    Env = open("kv-gate"),
    {ok, W} = alder:begin_txn(Env, write),
    %% the holder may not write around its own transaction
    ?assertEqual({error, busy}, alder:put(Env, <<"x">>, <<"1">>)),
    ?assertEqual({error, busy}, alder:begin_txn(Env, write)),
    Self = self(),
    Pids = [spawn(fun() -> Self ! {done, self(), alder:put(Env, <<"p", I>>, <<I>>)} end)
            || I <- lists:seq($a, $h)],
    alder_test_lib:wait_until(fun() ->
        lists:all(fun(P) -> process_info(P, current_function) =:=
                                {current_function, {alder, with_writer, 1}} end, Pids)
    end),
    ok = alder:txn_put(W, <<"w">>, <<"w">>),
    ok = alder:commit(W),
    [receive {done, P, R} -> ?assertEqual(ok, R) end || P <- Pids],
    {ok, All} = alder:prefix(Env, <<"p">>),
    ?assertEqual(8, length(All)),
    ok = alder:close(Env).

flags_test_() ->
    [{lists:flatten(io_lib:format("~p", [Flags])), fun() ->
          Name = "kv-flags-" ++ integer_to_list(erlang:phash2(Flags)),
          Env = open(Name, Flags),
          ok = alder:put(Env, <<"k">>, <<"v">>),
          ok = alder:sync(Env),
          ?assertEqual({ok, <<"v">>}, alder:get(Env, <<"k">>)),
          ok = alder:close(Env)
      end} || Flags <- [[no_sync], [no_meta_sync], [map_async], [write_map], [no_readahead],
                        [no_sync, write_map, no_readahead], [{page_size, 8192}, {max_size, 1 bsl 30}]]].

read_only_and_lock_test() ->
    File = alder_test_lib:kv_file("kv-ro"),
    {ok, Env} = alder:open(File, [no_sync]),
    ok = alder:put(Env, <<"k">>, <<"v">>),
    ?assertMatch({error, _}, alder:open(File, [])),  % the file is locked
    ok = alder:close(Env),
    {ok, Ro} = alder:open(File, [read_only]),
    ?assertEqual({ok, <<"v">>}, alder:get(Ro, <<"k">>)),
    ?assertEqual({error, read_only}, alder:put(Ro, <<"k">>, <<"x">>)),
    ok = alder:close(Ro),
    ?assertMatch({error, _}, alder:open(File ++ ".missing", [no_create])).
