%% @doc Bad arguments to every NIF function: each must raise badarg or
%% return {error, Reason}, never crash the VM. Also: huge keys, a closed
%% env, a finished transaction, resources of the wrong kind.
-module(alder_badarg_tests).

-include_lib("eunit/include/eunit.hrl").

%% Argument kinds of every NIF function, in order.
signatures() ->
    [{env_open, [bytes, flags]}, {env_close, [env]}, {env_sync, [env]}, {env_stat, [env]},
     {get, [env, bytes]}, {get_many, [env, bytes_list]}, {put, [env, bytes, bytes]},
     {put_batch, [env, kv_list]}, {del, [env, bytes]}, {prefix, [env, bytes, limit]},
     {range, [env, bytes, hi, limit]}, {txn_begin, [env, kind]}, {txn_get, [txn, bytes]},
     {txn_put, [txn, bytes, bytes]}, {txn_del, [txn, bytes]}, {txn_prefix, [txn, bytes, limit]},
     {txn_commit, [txn]}, {txn_abort, [txn]},
     {store_write, [senv, bytes, bytes]}, {store_write_many, [senv, kv_list]},
     {store_read, [senv, bytes]},
     {store_read_many, [senv, bytes_list]}, {store_type, [senv, bytes]},
     {store_list, [senv, bytes]}, {store_resolve, [senv, bytes]},
     {store_make_group, [senv, bytes]}, {store_make_link, [senv, bytes, bytes]},
     {store_match, [senv, kv_list]}, {store_reset, [senv]}, {store_apply, [senv, op_list]},
     {store_get, [senv, bytes]},
     {batch_begin, [senv]}, {batch_write, [batch, bytes, bytes]},
     {batch_write_many, [batch, kv_list]},
     {batch_make_group, [batch, bytes]}, {batch_make_link, [batch, bytes, bytes]},
     {batch_read, [batch, bytes]}, {batch_type, [batch, bytes]}, {batch_list, [batch, bytes]},
     {batch_resolve, [batch, bytes]}, {batch_commit, [batch]}, {batch_abort, [batch]}].

%% Terms that are not valid for any argument kind.
bad_values() ->
    [an_atom, 3.14, -1, {t}, #{}, self(), make_ref(), [1 | 2], [<<"a">> | b], fun() -> ok end].

every_function_is_covered_test() ->
    Exported = [{F, A} || {F, A} <- alder_nif:module_info(exports),
                          F =/= module_info, F =/= init, F =/= thread_counts, F =/= dirty_flags],
    Covered = [{F, length(Kinds)} || {F, Kinds} <- signatures()],
    ?assertEqual(lists:sort(Exported), lists:sort(Covered)).

%% One argument at a time replaced by each bad value (the others valid).
one_bad_argument_test_() ->
    {timeout, 120, fun() ->
        Ctx = context("badarg-each"),
        [begin
             Args = valid_args(Ctx, Kinds),
             check_bad(F, Args, Pos),
             finish(Kinds, Args)
         end || {F, Kinds} <- signatures(), Pos <- lists:seq(1, length(Kinds))],
        cleanup(Ctx)
    end}.

check_bad(F, Args, Pos) ->
    [begin
         Call = setelement(Pos, list_to_tuple(Args), Bad),
         Result = try apply(alder_nif, F, tuple_to_list(Call)) of
                      R -> R
                  catch error:badarg -> badarg
                  end,
         ?assert(is_error(Result), {F, Pos, Bad, Result})
     end || Bad <- bad_values() ++ wrong_resources(lists:nth(Pos, kinds_of(F)))].

%% Ends the transaction or batch a valid argument list opened.
finish([txn | _], [T | _]) -> _ = alder_nif:txn_abort(T), ok;
finish([batch | _], [B | _]) -> _ = alder_nif:batch_abort(B), ok;
finish(_, _) -> ok.

is_error(badarg) -> true;
is_error({error, _}) -> true;
is_error(_) -> false.

kinds_of(F) -> proplists:get_value(F, signatures()).

%% Resources of the other kind in a resource position.
wrong_resources(Kind) when Kind =:= env; Kind =:= senv ->
    {ok, T} = alder_nif:txn_begin(get(ctx_env), read),
    [T];
wrong_resources(Kind) when Kind =:= txn; Kind =:= batch -> [get(ctx_env)];
wrong_resources(_) -> [].

valid_args(Ctx, Kinds) -> [valid(Ctx, K) || K <- Kinds].

valid(#{env := E}, env) -> E;
valid(#{store := S}, senv) -> S;
valid(#{env := E}, txn) -> {ok, T} = alder_nif:txn_begin(E, read), T;
valid(#{store := S}, batch) -> {ok, B} = alder:await_writer(fun() -> alder_nif:batch_begin(S) end), B;
valid(_, bytes) -> <<"k">>;
valid(_, bytes_list) -> [<<"k">>];
valid(_, kv_list) -> [{<<"k">>, <<"v">>}];
valid(_, op_list) -> [{write, <<"k">>, <<"v">>}, {group, <<"g">>}, {link, <<"k">>, <<"l">>}];
valid(_, limit) -> 10;
valid(_, hi) -> undefined;
valid(_, kind) -> read;
valid(_, flags) -> [no_sync].

context(Name) ->
    {ok, E} = alder:open(alder_test_lib:kv_file(Name), [no_sync]),
    {ok, S} = alder:open(alder_test_lib:kv_file(Name ++ "-store"), [no_sync, path_store]),
    put(ctx_env, E),
    #{env => E, store => S}.

cleanup(#{env := E, store := S}) ->
    ok = alder:close(E),
    ok = alder:close(S).

huge_and_empty_keys_test() ->
    #{env := E, store := S} = Ctx = context("badarg-huge"),
    Huge = binary:copy(<<"k">>, 1 bsl 20),
    ?assertEqual({error, key_too_large}, alder:put(E, Huge, <<"v">>)),
    ?assertEqual({error, empty_key}, alder:put(E, <<>>, <<"v">>)),
    ?assertMatch({error, _}, alder:put_batch(E, [{Huge, <<"v">>}])),
    ?assert(lists:member(alder:get(E, Huge), [not_found, {error, key_too_large}])),
    ?assert(lists:member(alder:del(E, Huge), [not_found, {error, key_too_large}])),
    ?assertMatch({error, _}, alder_nif:store_write(S, Huge, <<"v">>)),
    ?assertMatch({error, _}, alder_nif:store_make_link(S, <<"a">>, Huge)),
    ?assertMatch({error, _}, alder_nif:store_read(S, Huge)),
    ?assertMatch({error, _}, alder_nif:store_match(S, [])),
    ?assertMatch({error, _}, alder_nif:store_match(S, [{<<>>, <<"t">>}])),
    %% a store operation on an env opened without path_store
    ?assertEqual({error, no_path_store}, alder_nif:store_read(E, <<"a">>)),
    ?assertEqual({error, no_path_store}, alder_nif:batch_begin(E)),
    %% bad open arguments
    ?assertError(badarg, alder_nif:env_open(<<>>, [])),
    ?assertError(badarg, alder_nif:env_open(<<"/tmp/x">>, [no_such_flag])),
    ?assertError(badarg, alder_nif:env_open(<<"/tmp/x">>, [{page_size, -1}])),
    ?assertMatch({error, _}, alder_nif:env_open(<<"/nonexistent-dir/x/y">>, [])),
    ?assertMatch({error, _}, alder_nif:env_open(<<"/tmp/alder-bad-page">>, [{page_size, 1000}])),
    cleanup(Ctx).

closed_env_and_finished_txn_test() ->
    #{env := E, store := S} = context("badarg-closed"),
    {ok, T} = alder_nif:txn_begin(E, read),
    {ok, B} = alder_nif:batch_begin(S),
    ok = alder:close(E),
    ok = alder:close(S),
    [begin
         Args = [closed_arg(K, E, S, T, B) || K <- Kinds],
         Result = apply(alder_nif, F, Args),
         Expected = if F =:= env_close -> ok;
                       F =:= env_open -> any;
                       hd(Kinds) =:= txn; hd(Kinds) =:= batch -> {error, txn_finished};
                       true -> {error, env_closed}
                    end,
         Expected =:= any orelse ?assertEqual({F, Expected}, {F, Result})
     end || {F, Kinds} <- signatures()],
    ok.

closed_arg(env, E, _, _, _) -> E;
closed_arg(senv, _, S, _, _) -> S;
closed_arg(txn, _, _, T, _) -> T;
closed_arg(batch, _, _, _, B) -> B;
closed_arg(flags, _, _, _, _) -> [no_sync];
closed_arg(bytes, _, _, _, _) -> alder_test_lib:kv_file("badarg-reopen");
closed_arg(K, _, _, _, _) -> valid(#{}, K).
