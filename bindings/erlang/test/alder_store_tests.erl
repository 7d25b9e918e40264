%% @doc Every path-store behaviour through alder_store, called the way a
%% HyperBEAM node calls its store: option map first, keys as binaries or
%% lists of segments.
-module(alder_store_tests).

-include_lib("eunit/include/eunit.hrl").

-import(alder_test_lib, [fresh_store/1, store_opts/1]).

basic_write_read_test() ->
    S = fresh_store("basic"),
    ?assertEqual(ok, alder_store:write(S, <<"Hello">>, <<"World2">>)),
    ?assertEqual({ok, <<"World2">>}, alder_store:read(S, <<"Hello">>)),
    ?assertEqual(not_found, alder_store:read(S, <<"Nope">>)),
    ok = alder_store:write(S, <<"Hello">>, <<"again">>),
    ?assertEqual({ok, <<"again">>}, alder_store:read(S, [<<"Hello">>])),
    ?assertEqual(ok, alder_store:write(S, <<"empty">>, <<>>)),
    ?assertEqual({ok, <<>>}, alder_store:read(S, <<"empty">>)),
    ok = alder_store:stop(S).

list_three_depths_test() ->
    S = fresh_store("list"),
    [ok = alder_store:write(S, K, V) || {K, V} <- [
        {<<"colors/red">>, <<"1">>}, {<<"colors/blue">>, <<"2">>},
        {<<"colors/green">>, <<"3">>}, {<<"colors/multi/foo">>, <<"4">>},
        {<<"colors/multi/bar">>, <<"5">>}, {<<"colors/primary/red">>, <<"6">>},
        {<<"colors/primary/blue">>, <<"7">>}, {<<"colors/nested/deep/value">>, <<"8">>},
        {<<"foo/bar">>, <<"baz">>}, {<<"beep/boop">>, <<"bam">>}]],
    ?assertEqual({ok, [<<"blue">>, <<"green">>, <<"multi">>, <<"nested">>, <<"primary">>, <<"red">>]},
                 alder_store:list(S, <<"colors">>)),
    ?assertEqual({ok, [<<"bar">>, <<"foo">>]}, alder_store:list(S, <<"colors/multi">>)),
    ?assertEqual({ok, [<<"deep">>]}, alder_store:list(S, [<<"colors">>, <<"nested">>])),
    ?assertEqual({ok, [<<"value">>]}, alder_store:list(S, <<"colors/nested/deep">>)),
    ?assertEqual({ok, [<<"beep">>, <<"colors">>, <<"foo">>]}, alder_store:list(S, <<>>)),
    %% as the node's 2025 LMDB store (a prefix scan): nothing below a value,
    %% nothing below a missing path, {ok, []} either way
    ?assertEqual({ok, []}, alder_store:list(S, <<"colors/red">>)),
    ?assertEqual({ok, []}, alder_store:list(S, <<"missing">>)),
    ?assertEqual({ok, []}, alder_store:list(S, [<<"missing">>, <<"deeper">>])),
    ok = alder_store:make_group(S, <<"empty-group">>),
    ?assertEqual({ok, []}, alder_store:list(S, <<"empty-group">>)),
    ok = alder_store:stop(S).

group_type_and_read_test() ->
    S = fresh_store("group"),
    ok = alder_store:make_group(S, <<"colors">>),
    ?assertEqual(composite, alder_store:type(S, <<"colors">>)),
    ?assertEqual(not_found, alder_store:read(S, <<"colors">>)),
    ok = alder_store:make_group(S, <<"colors">>),  % again: a no-op
    ok = alder_store:write(S, <<"colors/1">>, <<"bam">>),
    ?assertEqual(simple, alder_store:type(S, <<"colors/1">>)),
    ?assertEqual(not_found, alder_store:type(S, <<"nothing">>)),
    ?assertEqual(composite, alder_store:type(S, <<>>)),
    %% values that look like the node's LMDB markers stay plain values
    ok = alder_store:write(S, <<"g">>, <<"group">>),
    ok = alder_store:write(S, <<"l">>, <<"link:colors">>),
    ?assertEqual({ok, <<"group">>}, alder_store:read(S, <<"g">>)),
    ?assertEqual(simple, alder_store:type(S, <<"g">>)),
    ?assertEqual({ok, <<"link:colors">>}, alder_store:read(S, <<"l">>)),
    ok = alder_store:stop(S).

link_test() ->
    S = fresh_store("link"),
    ok = alder_store:write(S, <<"foo/bar/baz">>, <<"Bam">>),
    ok = alder_store:make_link(S, <<"foo/bar/baz">>, <<"foo/beep/baz">>),
    ?assertEqual({ok, <<"Bam">>}, alder_store:read(S, <<"foo/beep/baz">>)),
    ?assertEqual(simple, alder_store:type(S, <<"foo/beep/baz">>)),
    ?assertEqual(<<"foo/bar/baz">>, alder_store:resolve(S, <<"foo/beep/baz">>)),
    %% make_link created the new path's parent group
    ?assertEqual(composite, alder_store:type(S, <<"foo/beep">>)),
    %% a link to a missing path reads as not found, and follows a later write
    ok = alder_store:make_link(S, <<"later">>, <<"early">>),
    ?assertEqual(not_found, alder_store:read(S, <<"early">>)),
    ok = alder_store:write(S, <<"later">>, <<"now">>),
    ?assertEqual({ok, <<"now">>}, alder_store:read(S, <<"early">>)),
    %% a value written over a link replaces the link
    ok = alder_store:write(S, <<"early">>, <<"own">>),
    ?assertEqual({ok, <<"own">>}, alder_store:read(S, <<"early">>)),
    ?assertEqual({ok, <<"now">>}, alder_store:read(S, <<"later">>)),
    ok = alder_store:stop(S).

link_inside_path_test() ->
    S = fresh_store("link-fragment"),
    ok = alder_store:write(S, [<<"data">>, <<"bar">>, <<"baz">>], <<"Bam">>),
    ok = alder_store:make_link(S, [<<"data">>, <<"bar">>], <<"my-link">>),
    ?assertEqual({ok, <<"Bam">>}, alder_store:read(S, [<<"my-link">>, <<"baz">>])),
    ?assertEqual({ok, <<"Bam">>}, alder_store:read(S, <<"my-link/baz">>)),
    ?assertEqual(<<"data/bar/baz">>, alder_store:resolve(S, [<<"my-link">>, <<"baz">>])),
    %% a chain of links through the middle of paths
    ok = alder_store:make_link(S, <<"my-link">>, <<"second/hop">>),
    ?assertEqual({ok, <<"Bam">>}, alder_store:read(S, [<<"second">>, <<"hop">>, <<"baz">>])),
    ok = alder_store:stop(S).

link_key_as_list_test() ->
    S = fresh_store("link-key-list"),
    ok = alder_store:write(S, [<<"parent">>, <<"key">>], <<"value">>),
    ok = alder_store:make_link(S, [<<"parent">>, <<"key">>], <<"my-link">>),
    ?assertEqual({ok, <<"value">>}, alder_store:read(S, <<"my-link">>)),
    ok = alder_store:make_link(S, <<"parent/key">>, [<<"other">>, <<"link">>]),
    ?assertEqual({ok, <<"value">>}, alder_store:read(S, [<<"other">>, <<"link">>])),
    ok = alder_store:stop(S).

link_to_group_then_child_test() ->
    S = fresh_store("link-group"),
    ok = alder_store:make_group(S, <<"test-dir1">>),
    ok = alder_store:write(S, [<<"test-dir1">>, <<"test-file">>], <<"test-data">>),
    ok = alder_store:make_link(S, [<<"test-dir1">>], <<"test-link">>),
    ?assertEqual(not_found, alder_store:read(S, <<"test-link">>)),
    ?assertEqual(composite, alder_store:type(S, <<"test-link">>)),
    ?assertEqual({ok, <<"test-data">>}, alder_store:read(S, <<"test-dir1/test-file">>)),
    ?assertEqual({ok, <<"test-data">>}, alder_store:read(S, [<<"test-link">>, <<"test-file">>])),
    %% a write below the link lands in its target (POSIX symlink semantics)
    ok = alder_store:write(S, [<<"test-link">>, <<"new">>], <<"n">>),
    ?assertEqual({ok, <<"n">>}, alder_store:read(S, <<"test-dir1/new">>)),
    ok = alder_store:stop(S).

list_through_link_test() ->
    S = fresh_store("list-link"),
    ok = alder_store:make_group(S, <<"real-group">>),
    [ok = alder_store:write(S, <<"real-group/", C/binary>>, V)
     || {C, V} <- [{<<"child1">>, <<"value1">>}, {<<"child2">>, <<"value2">>},
                   {<<"child3">>, <<"value3">>}]],
    ok = alder_store:make_link(S, <<"real-group">>, <<"link-to-group">>),
    Expected = {ok, [<<"child1">>, <<"child2">>, <<"child3">>]},
    ?assertEqual(Expected, alder_store:list(S, <<"real-group">>)),
    ?assertEqual(Expected, alder_store:list(S, <<"link-to-group">>)),
    %% and through a link in the middle of the path
    ok = alder_store:make_group(S, <<"top">>),
    ok = alder_store:make_link(S, <<"top">>, <<"alias">>),
    ok = alder_store:make_link(S, <<"real-group">>, <<"top/inner">>),
    ?assertEqual(Expected, alder_store:list(S, [<<"alias">>, <<"inner">>])),
    ok = alder_store:stop(S).

nested_map_test() ->
    S = fresh_store("nested-map"),
    Original = #{<<"target">> => <<"Foo">>,
                 <<"commitments">> => #{
                     <<"key1">> => #{<<"alg">> => <<"rsa-pss-512">>, <<"committer">> => <<"unique-id">>},
                     <<"key2">> => #{<<"alg">> => <<"hmac">>, <<"committer">> => <<"unique-id-2">>}},
                 <<"other-key">> => #{<<"other-key-key">> => <<"other-key-value">>}},
    ok = store_map(S, <<"root">>, Original),
    ?assertEqual(composite, alder_store:type(S, <<"root">>)),
    ?assertEqual({ok, [<<"commitments">>, <<"other-key">>, <<"target">>]},
                 alder_store:list(S, <<"root">>)),
    ?assertEqual({ok, <<"Foo">>}, alder_store:read(S, <<"root/target">>)),
    ?assertEqual(composite, alder_store:type(S, <<"root/commitments">>)),
    ?assertEqual(Original, load_map(S, <<"root">>)),
    %% the data values are shared: "data" lists one entry per distinct value
    {ok, Data} = alder_store:list(S, <<"data">>),
    ?assertEqual(6, length(Data)),
    ok = alder_store:stop(S).

%% Stores a map the way the node's cache does: each leaf at data/<hash>,
%% a group per map, a link per leaf.
store_map(S, Path, Map) ->
    ok = alder_store:make_group(S, Path),
    maps:foreach(
      fun(K, V) when is_map(V) -> ok = store_map(S, <<Path/binary, "/", K/binary>>, V);
         (K, V) ->
              Hash = integer_to_binary(erlang:phash2(V, 1 bsl 32), 16),
              ok = alder_store:write(S, <<"data/", Hash/binary>>, V),
              ok = alder_store:make_link(S, <<"data/", Hash/binary>>, <<Path/binary, "/", K/binary>>)
      end, Map).

load_map(S, Path) ->
    case alder_store:type(S, Path) of
        composite ->
            {ok, Keys} = alder_store:list(S, Path),
            maps:from_list([{K, load_map(S, <<Path/binary, "/", K/binary>>)} || K <- Keys]);
        simple ->
            {ok, V} = alder_store:read(S, Path),
            V
    end.

cycles_test() ->
    S = fresh_store("cycles"),
    ok = alder_store:make_link(S, <<"a">>, <<"b">>),
    ok = alder_store:make_link(S, <<"b">>, <<"a">>),
    ok = alder_store:make_link(S, <<"self">>, <<"self">>),
    ok = alder_store:make_link(S, <<"d/e">>, <<"d">>),  % d -> d/e: its own descendant
    [begin
         ?assertEqual(not_found, alder_store:read(S, P)),
         ?assertEqual(not_found, alder_store:type(S, P)),
         ?assertEqual({ok, []}, alder_store:list(S, P))
     end || P <- [<<"a">>, <<"b">>, <<"self">>, <<"a/x/y">>, <<"d">>, [<<"b">>, <<"z">>]]],
    %% resolve of a cycle answers the path as given
    ?assertEqual(<<"a/x">>, alder_store:resolve(S, <<"a/x">>)),
    %% a write whose parent is a cycle is refused, not stored out of reach
    ?assertMatch({error, _}, alder_store:write(S, <<"a/child">>, <<"v">>)),
    %% breaking the ring makes both readable
    ok = alder_store:write(S, <<"a">>, <<"now a value">>),
    ?assertEqual({ok, <<"now a value">>}, alder_store:read(S, <<"b">>)),
    ok = alder_store:stop(S).

reset_test() ->
    S = fresh_store("reset"),
    ok = alder_store:write(S, <<"k/a">>, <<"1">>),
    ok = alder_store:make_link(S, <<"k">>, <<"l">>),
    ok = alder_store:reset(S),
    ?assertEqual(not_found, alder_store:read(S, <<"k/a">>)),
    ?assertEqual(not_found, alder_store:read(S, <<"l/a">>)),
    ?assertEqual({ok, []}, alder_store:list(S, <<>>)),
    ?assertEqual(not_found, alder_store:match(S, [{<<"l">>, <<"k">>}])),
    %% still usable, links included (the resolution cache was reset too)
    ok = alder_store:write(S, <<"x/a">>, <<"2">>),
    ok = alder_store:make_link(S, <<"x">>, <<"l">>),
    ?assertEqual({ok, <<"2">>}, alder_store:read(S, <<"l/a">>)),
    ok = alder_store:stop(S),
    %% reset of a stopped store deletes its file; the next start is empty
    ok = alder_store:reset(S),
    {ok, _} = alder_store:start(S),
    ?assertEqual(not_found, alder_store:read(S, <<"x/a">>)),
    ok = alder_store:stop(S).

start_stop_find_test() ->
    S = store_opts("start-stop"),
    ok = alder_store:reset(S),
    {ok, #{<<"env">> := Env}} = alder_store:start(S),
    {ok, #{<<"env">> := Env}} = alder_store:start(S),  % once per name
    %% another option map with the same name finds the same env
    S2 = #{<<"name">> => maps:get(<<"name">>, S), <<"store-module">> => alder_store},
    ok = alder_store:write(S2, <<"k">>, <<"v">>),
    ?assertEqual(Env, alder_store:env(S)),
    ok = alder_store:stop(S),
    ?assertEqual({error, env_closed}, alder_nif:store_read(Env, <<"k">>)),
    %% reopened on first use; the data survived the close
    ?assertEqual({ok, <<"v">>}, alder_store:read(S, <<"k">>)),
    ok = alder_store:stop(S),
    ok = alder_store:stop(S),
    ?assertEqual(local, alder_store:scope()),
    ?assertEqual(local, alder_store:scope(S)).

path_and_add_path_test() ->
    S = store_opts("paths"),
    ?assertEqual(<<"a/b/c">>, alder_store:path(S, [<<"a">>, <<"b">>, <<"c">>])),
    ?assertEqual(<<"a/b">>, alder_store:path(S, <<"a/b">>)),
    ?assertEqual(<<"a/b/c">>, alder_store:path(S, [<<"a">>, [<<"b">>, <<"c">>]])),
    ?assertEqual([<<"a">>, <<"b">>], alder_store:add_path(S, [<<"a">>], [<<"b">>])),
    ?assertEqual(<<"a/b/c">>, alder_store:add_path(S, <<"a/b">>, <<"c">>)),
    ?assertEqual(<<"a/b/c">>, alder_store:add_path(S, [<<"a">>], <<"b/c">>)).

match_test() ->
    S = fresh_store("match"),
    ok = alder_store:write(S, <<"data/h1">>, <<"v1">>),
    ok = alder_store:write(S, <<"data/h2">>, <<"v2">>),
    [ok = alder_store:make_link(S, T, <<Id/binary, "/", K/binary>>)
     || {Id, K, T} <- [{<<"m1">>, <<"type">>, <<"data/h1">>}, {<<"m1">>, <<"owner">>, <<"data/h2">>},
                       {<<"m2">>, <<"type">>, <<"data/h1">>}, {<<"m3">>, <<"type">>, <<"data/h2">>}]],
    ?assertEqual({ok, [<<"m1">>, <<"m2">>]}, alder_store:match(S, [{<<"type">>, <<"data/h1">>}])),
    ?assertEqual({ok, [<<"m1">>]},
                 alder_store:match(S, #{<<"type">> => <<"data/h1">>, <<"owner">> => <<"data/h2">>})),
    ?assertEqual(not_found, alder_store:match(S, [{<<"type">>, <<"data/none">>}])),
    ?assertEqual({error, badarg}, alder_store:match(S, [])),
    ok = alder_store:stop(S).

read_many_test() ->
    S = fresh_store("read-many"),
    ok = alder_store:write(S, <<"a">>, <<"1">>),
    ok = alder_store:write(S, <<"g/b">>, <<"2">>),
    ok = alder_store:make_link(S, <<"g">>, <<"l">>),
    ?assertEqual([{ok, <<"1">>}, not_found, {ok, <<"2">>}],
                 alder_store:read_many(S, [<<"a">>, <<"x">>, [<<"l">>, <<"b">>]])),
    ?assertEqual([], alder_store:read_many(S, [])),
    ?assertEqual({error, badarg}, alder_store:read_many(S, [<<"a">>, 42])),
    ok = alder_store:stop(S).

write_many_test() ->
    S = fresh_store("write-many"),
    ?assertEqual(ok, alder_store:write_many(S, [{<<"a/1">>, <<"x">>}, {[<<"a">>, <<"2">>], <<"y">>}])),
    ?assertEqual({ok, [<<"1">>, <<"2">>]}, alder_store:list(S, <<"a">>)),
    ?assertEqual({ok, <<"y">>}, alder_store:read(S, <<"a/2">>)),
    %% all or nothing: the root cannot be written, so nothing is
    ?assertMatch({error, invalid_argument}, alder_store:write_many(S, [{<<"b">>, <<"1">>}, {<<"/">>, <<"2">>}])),
    ?assertEqual(not_found, alder_store:read(S, <<"b">>)),
    ?assertEqual({error, badarg}, alder_store:write_many(S, [{<<"c">>, not_binary}])),
    {ok, B} = alder_store:begin_batch(S),
    ok = alder_store:write_many(B, [{<<"in/batch">>, <<"z">>}]),
    ?assertEqual({ok, <<"z">>}, alder_store:read(B, <<"in/batch">>)),
    ?assertEqual(not_found, alder_store:read(S, <<"in/batch">>)),
    {ok, _} = alder_store:commit_batch(B),
    ?assertEqual({ok, <<"z">>}, alder_store:read(S, <<"in/batch">>)),
    ok = alder_store:stop(S).

batch_test() ->
    S = fresh_store("batch"),
    ok = alder_store:write(S, <<"before">>, <<"0">>),
    {ok, B} = alder_store:begin_batch(S),
    ok = alder_store:write(B, <<"g/one">>, <<"1">>),
    ok = alder_store:make_link(B, <<"g">>, <<"lg">>),
    %% the batch sees its writes; others do not
    ?assertEqual({ok, <<"1">>}, alder_store:read(B, <<"lg/one">>)),
    ?assertEqual({ok, [<<"one">>]}, alder_store:list(B, <<"lg">>)),
    ?assertEqual(not_found, alder_store:read(S, <<"g/one">>)),
    %% the batch's owner cannot write around its own batch
    ?assertEqual({error, busy}, alder_store:write(S, <<"x">>, <<"x">>)),
    %% another process's write waits for the batch, then lands
    Self = self(),
    Writer = spawn(fun() -> Self ! {written, alder_store:write(S, <<"other">>, <<"o">>)} end),
    alder_test_lib:wait_until(fun() ->
        process_info(Writer, current_function) =:= {current_function, {alder, with_writer, 1}}
    end),
    ?assertEqual(not_found, alder_store:read(S, <<"other">>)),
    {ok, S1} = alder_store:commit_batch(B),
    ?assertEqual(S, S1),
    receive {written, R} -> ?assertEqual(ok, R) end,
    ?assertEqual({ok, <<"1">>}, alder_store:read(S, <<"lg/one">>)),
    ?assertEqual({ok, <<"o">>}, alder_store:read(S, <<"other">>)),
    ?assertMatch({error, txn_finished}, alder_store:write(B, <<"late">>, <<"x">>)),
    %% an aborted batch leaves nothing
    {ok, B2} = alder_store:begin_batch(S),
    ok = alder_store:write(B2, <<"gone">>, <<"x">>),
    ok = alder_store:abort_batch(B2),
    ?assertEqual(not_found, alder_store:read(S, <<"gone">>)),
    %% a batch left open by a process that died is aborted and frees the writer
    Pid = spawn(fun() -> {ok, B3} = alder_store:begin_batch(S),
                         ok = alder_store:write(B3, <<"dead">>, <<"x">>),
                         Self ! {began, self()}, receive stop -> ok end end),
    receive {began, Pid} -> ok end,
    exit(Pid, kill),
    ?assertEqual(ok, alder_store:write(S, <<"after">>, <<"a">>)),
    ?assertEqual(not_found, alder_store:read(S, <<"dead">>)),
    ok = alder_store:stop(S).

flags_and_sync_test_() ->
    [{atom_to_list(F), fun() ->
          Name = "flags-" ++ atom_to_list(F),
          S0 = alder_test_lib:store_opts(Name),
          S = S0#{<<"alder-flags">> => [F]},
          ok = alder_store:reset(S),
          ok = alder_store:write(S, <<"k/v">>, <<"x">>),
          ?assertEqual(ok, alder_store:sync(S)),
          ?assertEqual({ok, <<"x">>}, alder_store:read(S, [<<"k">>, <<"v">>])),
          ok = alder_store:stop(S),
          ?assertEqual({ok, <<"x">>}, alder_store:read(S, <<"k/v">>)),
          ok = alder_store:stop(S)
      end} || F <- [no_sync, map_async, no_meta_sync, no_readahead, write_map, sync]].

bad_keys_test() ->
    S = fresh_store("bad-keys"),
    [?assertEqual({error, badarg}, F()) || F <- [
        fun() -> alder_store:read(S, 42) end,
        fun() -> alder_store:read(S, [<<"a">>, an_atom]) end,
        fun() -> alder_store:write(S, <<"a">>, not_a_binary) end,
        fun() -> alder_store:write(S, #{}, <<"v">>) end,
        fun() -> alder_store:type(S, {tuple}) end,
        fun() -> alder_store:list(S, 3.14) end,
        fun() -> alder_store:make_group(S, self()) end,
        fun() -> alder_store:make_link(S, <<"a">>, 7) end,
        fun() -> alder_store:resolve(S, make_ref()) end]],
    %% engine-level refusals: root writes, NUL bytes, paths too long
    ?assertMatch({error, invalid_argument}, alder_store:write(S, <<"/">>, <<"v">>)),
    ?assertMatch({error, invalid_argument}, alder_store:write(S, <<"a", 0, "b">>, <<"v">>)),
    ?assertMatch({error, key_too_large}, alder_store:write(S, binary:copy(<<"x">>, 100000), <<"v">>)),
    ?assertMatch({error, key_too_large}, alder_store:read(S, binary:copy(<<"x">>, 100000))),
    ok = alder_store:stop(S),
    %% option maps without a usable name: an error, not an exception
    ?assertEqual({error, badarg}, alder_store:read(#{}, <<"k">>)),
    ?assertEqual({error, badarg}, alder_store:write(#{<<"name">> => 42}, <<"k">>, <<"v">>)),
    ?assertEqual({error, badarg}, alder_store:start(#{})),
    ?assertEqual({error, badarg}, alder_store:stop(#{<<"name">> => {bad}})),
    ?assertEqual({error, badarg}, alder_store:reset(#{<<"name">> => 3.5})),
    Unopenable = #{<<"name">> => <<"/proc/alder-cannot-create">>},
    ?assertMatch({error, _}, alder_store:read(Unopenable, <<"k">>)),
    ?assertMatch({error, _}, alder_store:begin_batch(Unopenable)),
    ?assertMatch({error, _}, alder_store:read_many(Unopenable, [<<"k">>])),
    ?assertMatch({error, _}, alder_store:sync(Unopenable)).
