%% @doc alder_store_device: the device-style store callbacks (2026
%% hb_store interface), each called as hb_store calls it:
%% Fun(StoreOpts, Req, NodeOpts). Every function, with bad input too (a
%% clear {error, _} and the store unchanged).
-module(alder_store_device_tests).

-include_lib("eunit/include/eunit.hrl").

-define(D, alder_store_device).

opts(Name) ->
    O = alder_test_lib:store_opts("device-" ++ Name),
    O#{<<"store-module">> => ?D}.

fresh(Name) ->
    O = opts(Name),
    ok = ?D:reset(O, #{}, #{}),
    {ok, _} = ?D:start(O, #{}, #{}),
    ok = ?D:reset(O, #{}, #{}),
    O.

rd(S, P) -> ?D:read(S, #{<<"read">> => P}, #{}).
wr(S, M) -> ?D:write(S, M, #{}).
ls(S, P) -> ?D:list(S, #{<<"list">> => P}, #{}).
ty(S, P) -> ?D:type(S, #{<<"type">> => P}, #{}).

%% Everything the store holds, as {Path, Read} for every path reachable
%% from the root by listing (to check that a refused call changed nothing).
dump(S) -> dump(S, <<>>).
dump(S, P) ->
    case ls(S, P) of
        {ok, Names} ->
            lists:append([begin
                              C = case P of <<>> -> N; _ -> <<P/binary, "/", N/binary>> end,
                              [{C, rd(S, C)} | case ty(S, C) of
                                                   {ok, composite} -> dump(S, C);
                                                   _ -> []
                                               end]
                          end || N <- Names]);
        _ ->
            []
    end.

start_stop_reset_scope_test() ->
    S = fresh("life"),
    ?assertMatch({ok, #{<<"name">> := _}}, ?D:start(S, #{}, #{})),  % again: same env
    ok = wr(S, #{<<"k">> => <<"v">>}),
    ?assertEqual(ok, ?D:stop(S, #{}, #{})),
    ?assertEqual(ok, ?D:stop(S, #{}, #{})),          % not open: still ok
    ?assertEqual({ok, <<"v">>}, rd(S, <<"k">>)),    % reopened on use, data kept
    ?assertEqual(ok, ?D:reset(S, #{}, #{})),
    ?assertEqual({error, not_found}, rd(S, <<"k">>)),
    ?assertEqual(ok, wr(S, #{<<"k">> => <<"2">>})),  % usable after reset
    ok = ?D:stop(S, #{}, #{}),
    ok = ?D:reset(S, #{}, #{}),                       % reset of a stopped store
    ?assertEqual({error, not_found}, rd(S, <<"k">>)),
    ?assertEqual(local, ?D:scope()),
    ?assertEqual(local, ?D:scope(S)),
    ?assertMatch({error, {badarg, _}}, ?D:start(not_a_map, #{}, #{})),
    ?assertMatch({error, {badarg, _}}, ?D:start(#{}, #{}, #{})),
    ?assertMatch({error, {badarg, _}}, ?D:start(#{<<"name">> => {bad}}, #{}, #{})),
    ?assertEqual(ok, ?D:stop(not_a_map, #{}, #{})),
    ?assertEqual(ok, ?D:reset(not_a_map, #{}, #{})),
    ok = ?D:stop(S, #{}, #{}).

start_options_test() ->
    S = (opts("options"))#{<<"capacity">> => 1 bsl 30, <<"max-readers">> => 126,
                           <<"durability">> => <<"sync">>, <<"read-ahead">> => false},
    ok = ?D:reset(S, #{}, #{}),
    ?assertMatch({ok, _}, ?D:start(S, #{}, #{})),
    ok = wr(S, #{<<"a">> => <<"1">>}),
    ok = ?D:stop(S, #{}, #{}),
    %% binary numbers as hb_util:int accepts them
    S2 = S#{<<"capacity">> => <<"1073741824">>, <<"max-readers">> => <<"8">>},
    ?assertMatch({ok, _}, ?D:start(S2, #{}, #{})),
    ok = ?D:stop(S2, #{}, #{}),
    [?assertEqual({error, {badarg, K}}, ?D:start(maps:put(K, V, opts("options-bad")), #{}, #{}))
     || {K, V} <- [{<<"durability">>, <<"fast">>}, {<<"capacity">>, -1},
                   {<<"capacity">>, <<"lots">>}, {<<"max-readers">>, 0},
                   {<<"read-only">>, maybe}, {<<"read-ahead">>, 1}]].

read_only_store_test() ->
    S = fresh("ro"),
    ok = wr(S, #{<<"a/b">> => <<"1">>}),
    ok = ?D:group(S, #{<<"group">> => <<"g">>}, #{}),
    ok = ?D:stop(S, #{}, #{}),
    RO = S#{<<"read-only">> => true},
    {ok, _} = ?D:start(RO, #{}, #{}),
    Before = dump(RO),
    ?assertEqual({error, read_only}, wr(RO, #{<<"x">> => <<"y">>})),
    ?assertEqual({error, read_only}, ?D:group(RO, #{<<"group">> => <<"h">>}, #{})),
    ?assertEqual({error, read_only}, ?D:link(RO, #{<<"l">> => <<"a">>}, #{})),
    ?assertEqual({ok, <<"1">>}, rd(RO, <<"a/b">>)),
    ?assertEqual(Before, dump(RO)),
    ok = ?D:stop(RO, #{}, #{}).

read_test() ->
    S = fresh("read"),
    ok = wr(S, #{<<"msg/key">> => <<"value">>, <<"empty">> => <<>>}),
    ok = ?D:group(S, #{<<"group">> => <<"grp">>}, #{}),
    ok = wr(S, #{[<<"grp">>, <<"b">>] => <<"2">>, <<"grp/a">> => <<"1">>}),
    ?assertEqual({ok, <<"value">>}, rd(S, <<"msg/key">>)),
    ?assertEqual({ok, <<"value">>}, rd(S, [<<"msg">>, <<"key">>])),
    ?assertEqual({ok, <<"value">>}, rd(S, [<<"msg">>, [<<"/key">>]])),
    ?assertEqual({ok, <<"value">>}, rd(S, "msg/key")),
    ?assertEqual({ok, <<"value">>}, rd(S, <<"/msg//key/">>)),
    ?assertEqual({ok, <<>>}, rd(S, <<"empty">>)),
    ?assertEqual({composite, [<<"a">>, <<"b">>]}, rd(S, <<"grp">>)),
    ?assertEqual({composite, [<<"empty">>, <<"grp">>, <<"msg">>]}, rd(S, <<>>)),
    ?assertEqual({error, not_found}, rd(S, <<"nope">>)),
    ?assertEqual({error, not_found}, rd(S, <<"msg">>)),  % children, no group entry
    %% atoms and integers as segments (hb_path:to_binary)
    ok = wr(S, #{[items, 7] => <<"seven">>}),
    ?assertEqual({ok, <<"seven">>}, rd(S, <<"items/7">>)),
    %% values equal to hb_store_lmdb's markers read back as written
    ok = wr(S, #{<<"g">> => <<"group">>, <<"l">> => <<"link:msg/key">>}),
    ?assertEqual({ok, <<"group">>}, rd(S, <<"g">>)),
    ?assertEqual({ok, <<"link:msg/key">>}, rd(S, <<"l">>)),
    %% bad requests
    ?assertMatch({error, {badarg, _}}, ?D:read(S, #{<<"type">> => <<"x">>}, #{})),
    ?assertMatch({error, {badarg, _}}, ?D:read(S, <<"msg/key">>, #{})),
    ?assertMatch({error, {badarg, _}}, rd(S, 3.5)),
    ?assertMatch({error, {badarg, _}}, rd(S, {a, b})),
    ?assertMatch({error, {badarg, _}}, rd(#{}, <<"k">>)),
    ?assertEqual({error, key_too_large}, rd(S, binary:copy(<<"x">>, 5000))),
    ?assertEqual({error, invalid_argument}, rd(S, <<"a", 0, "b">>)),
    ok = ?D:stop(S, #{}, #{}).

write_test() ->
    S = fresh("write"),
    ?assertEqual(ok, wr(S, #{})),
    ?assertEqual(ok, wr(S, #{<<"a">> => <<"1">>, [<<"b">>, <<"c">>] => <<"2">>})),
    ?assertEqual(ok, wr(S, #{<<"a">> => <<"replaced">>})),
    ?assertEqual({ok, <<"replaced">>}, rd(S, <<"a">>)),
    Big = crypto:strong_rand_bytes(3 * 1024 * 1024),
    ?assertEqual(ok, wr(S, #{<<"big">> => Big})),
    ?assertEqual({ok, Big}, rd(S, <<"big">>)),
    Before = dump(S),
    %% one bad entry refuses the whole map, nothing written
    ?assertMatch({error, {badarg, _}}, wr(S, #{<<"new">> => <<"v">>, <<"bad">> => not_binary})),
    ?assertMatch({error, {badarg, _}}, wr(S, #{<<"new">> => <<"v">>, {bad} => <<"v">>})),
    ?assertEqual({error, key_too_large},
                 wr(S, #{<<"new">> => <<"v">>, binary:copy(<<"k">>, 5000) => <<"v">>})),
    ?assertEqual({error, invalid_argument}, wr(S, #{<<"new">> => <<"v">>, <<"/">> => <<"v">>})),
    ?assertMatch({error, {badarg, _}}, ?D:write(S, <<"path">>, <<"value">>)),
    ?assertEqual(Before, dump(S)),
    ?assertEqual({error, not_found}, rd(S, <<"new">>)),
    ok = ?D:stop(S, #{}, #{}).

group_test() ->
    S = fresh("group"),
    ?assertEqual(ok, ?D:group(S, #{<<"group">> => <<"colors">>}, #{})),
    ?assertEqual(ok, ?D:group(S, #{<<"group">> => [<<"colors">>, <<"sub">>]}, #{})),
    ?assertEqual(ok, ?D:group(S, #{<<"group">> => <<"colors">>}, #{})),  % no-op
    ?assertEqual({ok, composite}, ty(S, <<"colors/sub">>)),
    ?assertEqual({composite, [<<"sub">>]}, rd(S, <<"colors">>)),
    Before = dump(S),
    ?assertMatch({error, {badarg, _}}, ?D:group(S, #{<<"read">> => <<"x">>}, #{})),
    ?assertMatch({error, {badarg, _}}, ?D:group(S, #{<<"group">> => 1.0}, #{})),
    ?assertEqual({error, invalid_argument}, ?D:group(S, #{<<"group">> => <<>>}, #{})),
    ?assertEqual(Before, dump(S)),
    ok = ?D:stop(S, #{}, #{}).

link_test() ->
    S = fresh("link"),
    ok = wr(S, #{<<"data/bar/baz">> => <<"Bam">>}),
    ?assertEqual(ok, ?D:link(S, #{<<"my-link">> => <<"data/bar">>}, #{})),
    ?assertEqual({ok, <<"Bam">>}, rd(S, [<<"my-link">>, <<"baz">>])),
    %% New's parents are created as groups; several links at once
    ?assertEqual(ok, ?D:link(S, #{<<"a/b/c">> => <<"data/bar/baz">>,
                                  [<<"x">>, <<"y">>] => [<<"data">>, <<"bar">>]}, #{})),
    ?assertEqual({ok, composite}, ty(S, <<"a">>)),
    ?assertEqual({ok, composite}, ty(S, <<"a/b">>)),
    ?assertEqual({ok, <<"Bam">>}, rd(S, <<"a/b/c">>)),
    ?assertEqual({ok, [<<"baz">>]}, ls(S, <<"x/y">>)),
    %% a link to a link; replacing a link
    ok = ?D:link(S, #{<<"l2">> => <<"a/b/c">>}, #{}),
    ?assertEqual({ok, <<"Bam">>}, rd(S, <<"l2">>)),
    ok = ?D:link(S, #{<<"l2">> => <<"my-link">>}, #{}),
    %% data/bar has children but no group entry: not a group (as upstream,
    %% where only the value "group" makes one)
    ?assertEqual({error, not_found}, rd(S, <<"l2">>)),
    ok = ?D:group(S, #{<<"group">> => <<"data/bar">>}, #{}),
    ?assertEqual({composite, [<<"baz">>]}, rd(S, <<"l2">>)),
    %% cycles end as not found
    ok = ?D:link(S, #{<<"c1">> => <<"c2">>, <<"c2">> => <<"c1">>}, #{}),
    ?assertEqual({error, not_found}, rd(S, <<"c1">>)),
    ?assertEqual({error, not_found}, ty(S, <<"c2/x">>)),
    ?assertEqual({error, not_found}, ls(S, <<"c1">>)),
    Before = dump(S),
    ?assertMatch({error, {badarg, _}}, ?D:link(S, #{<<"n">> => {bad}}, #{})),
    ?assertMatch({error, {badarg, _}}, ?D:link(S, [{<<"n">>, <<"data">>}], #{})),
    ?assertEqual({error, invalid_argument}, ?D:link(S, #{<<"n">> => <<"data">>, <<"/">> => <<"data">>}, #{})),
    ?assertEqual({error, invalid_argument}, ?D:link(S, #{<<"c1/n">> => <<"data">>}, #{})),  % parent a cycle
    ?assertEqual(Before, dump(S)),
    ok = ?D:stop(S, #{}, #{}).

list_test() ->
    S = fresh("list"),
    ok = wr(S, #{<<"colors/red">> => <<"1">>, <<"colors/blue">> => <<"2">>,
                 <<"colors/multi/foo">> => <<"4">>}),
    ok = ?D:group(S, #{<<"group">> => <<"colors">>}, #{}),
    ok = ?D:group(S, #{<<"group">> => <<"empty">>}, #{}),
    ok = ?D:link(S, #{<<"alias">> => <<"colors">>}, #{}),
    ?assertEqual({ok, [<<"blue">>, <<"multi">>, <<"red">>]}, ls(S, <<"colors">>)),
    ?assertEqual({ok, [<<"blue">>, <<"multi">>, <<"red">>]}, ls(S, [<<"alias">>])),
    ?assertEqual({ok, [<<"foo">>]}, ls(S, <<"alias/multi">>)),  % children without a group entry
    ?assertEqual({ok, []}, ls(S, <<"empty">>)),
    ?assertEqual({ok, [<<"alias">>, <<"colors">>, <<"empty">>]}, ls(S, <<>>)),
    %% as upstream's list/3: no group there is {error, not_found}
    ?assertEqual({error, not_found}, ls(S, <<"missing">>)),
    ?assertEqual({error, not_found}, ls(S, <<"colors/red">>)),
    ?assertMatch({error, {badarg, _}}, ?D:list(S, #{}, #{})),
    ?assertMatch({error, {badarg, _}}, ls(S, #{})),
    ok = ?D:stop(S, #{}, #{}).

type_test() ->
    S = fresh("type"),
    ok = ?D:group(S, #{<<"group">> => <<"assets">>}, #{}),
    ok = wr(S, #{<<"assets/1">> => <<"bam">>}),
    ok = ?D:link(S, #{<<"to-assets">> => <<"assets">>, <<"to-1">> => <<"assets/1">>}, #{}),
    ?assertEqual({ok, composite}, ty(S, <<"assets">>)),
    ?assertEqual({ok, simple}, ty(S, <<"assets/1">>)),
    ?assertEqual({ok, composite}, ty(S, <<"to-assets">>)),
    ?assertEqual({ok, simple}, ty(S, <<"to-1">>)),
    ?assertEqual({ok, simple}, ty(S, [<<"to-assets">>, 1])),
    ?assertEqual({ok, composite}, ty(S, <<>>)),
    ?assertEqual({error, not_found}, ty(S, <<"nothing">>)),
    ?assertMatch({error, {badarg, _}}, ?D:type(S, #{<<"read">> => <<"assets">>}, #{})),
    ?assertMatch({error, {badarg, _}}, ty(S, self())),
    ok = ?D:stop(S, #{}, #{}).

resolve_test() ->
    S = fresh("resolve"),
    ok = wr(S, #{<<"data/bar/baz">> => <<"Bam">>}),
    ok = ?D:link(S, #{<<"my-link">> => <<"data/bar">>, <<"c1">> => <<"c2">>, <<"c2">> => <<"c1">>}, #{}),
    Res = fun(P) -> ?D:resolve(S, #{<<"resolve">> => P}, #{}) end,
    ?assertEqual({ok, <<"data/bar/baz">>}, Res(<<"my-link/baz">>)),
    ?assertEqual({ok, <<"data/bar/baz">>}, Res([<<"my-link">>, <<"baz">>])),
    ?assertEqual({ok, <<"data/bar">>}, Res(<<"my-link">>)),
    ?assertEqual({ok, <<"plain/path">>}, Res(<<"plain/path">>)),
    ?assertEqual({ok, <<"c1/x">>}, Res(<<"c1/x">>)),  % a cycle: the path as given
    ?assertMatch({error, {badarg, _}}, Res(make_ref())),
    ?assertMatch({error, {badarg, _}}, ?D:resolve(S, #{}, #{})),
    ok = ?D:stop(S, #{}, #{}).

match_test() ->
    S = fresh("match"),
    ok = ?D:link(S, #{<<"id1/type">> => <<"data/t1">>, <<"id1/owner">> => <<"data/o1">>,
                      <<"id2/type">> => <<"data/t1">>, <<"id2/owner">> => <<"data/o2">>}, #{}),
    M = fun(T) -> ?D:match(S, T, #{}) end,
    ?assertEqual({ok, [<<"id1">>, <<"id2">>]}, M(#{<<"type">> => <<"data/t1">>})),
    ?assertEqual({ok, [<<"id2">>]}, M(#{<<"type">> => <<"data/t1">>, <<"owner">> => <<"data/o2">>})),
    ?assertEqual({ok, [<<"id1">>]}, M([{<<"owner">>, [<<"data">>, <<"o1">>]}])),
    ?assertEqual({error, not_found}, M(#{<<"type">> => <<"data/none">>})),
    ?assertMatch({error, {badarg, _}}, M(#{})),
    ?assertMatch({error, {badarg, _}}, M([])),
    ?assertMatch({error, {badarg, _}}, M([{<<"type">>, {bad}}])),
    ?assertMatch({error, {badarg, _}}, M([not_a_pair])),
    ?assertMatch({error, {badarg, _}}, M(<<"type">>)),
    ok = ?D:stop(S, #{}, #{}).

%% The 2025 module and this one share the env of a name.
shared_with_alder_store_test() ->
    S = fresh("shared"),
    ok = alder_store:write(S, <<"old/api">>, <<"1">>),
    ?assertEqual({ok, <<"1">>}, rd(S, <<"old/api">>)),
    ok = wr(S, #{<<"new/api">> => <<"2">>}),
    ?assertEqual({ok, <<"2">>}, alder_store:read(S, <<"new/api">>)),
    ok = ?D:stop(S, #{}, #{}).

%% A write that returned in one process is seen by a read in another.
read_sees_writes_of_other_processes_test() ->
    S = fresh("cross"),
    Self = self(),
    [begin
         K = integer_to_binary(I),
         ok = rd_ok(S, <<"warm">>),  % keeps a snapshot cached in this scheduler
         Writer = spawn_link(fun() -> Self ! {written, self(), wr(S, #{K => K})} end),
         receive {written, Writer, ok} -> ok end,
         Reader = spawn_link(fun() -> Self ! {read, self(), rd(S, K)} end),
         receive {read, Reader, R} -> ?assertEqual({ok, K}, R) end,
         ?assertEqual({ok, K}, rd(S, K))
     end || I <- lists:seq(1, 300)],
    ok = ?D:stop(S, #{}, #{}).

rd_ok(S, P) ->
    case rd(S, P) of
        {error, not_found} -> ok;
        {ok, _} -> ok
    end.

%% A cached snapshot does not outlive the next commit: the writer ends it,
%% so it cannot hold old pages while only writes run.
cached_snapshot_ended_by_a_write_test() ->
    S = fresh("pin"),
    ok = wr(S, #{<<"k">> => <<"1">>}),
    Env = alder_store:env(S),
    Readers = fun() -> {ok, #{readers := R}} = alder:stat(Env), R end,
    {ok, <<"1">>} = rd(S, <<"k">>),
    ?assert(Readers() >= 1),               % this scheduler's cached snapshot
    ok = wr(S, #{<<"k">> => <<"2">>}),
    ?assertEqual(0, Readers()),
    ?assertEqual({ok, <<"2">>}, rd(S, <<"k">>)),
    ok = ?D:stop(S, #{}, #{}).
