%% @doc Concurrency: 8 Erlang processes reading while one writes, and
%% one-shot writers racing batches through the writer gate. No scheduler
%% may be blocked: a NIF call runs on a normal scheduler only while its
%% work is small and cannot wait for the writer or the disk, on a dirty
%% I/O one otherwise (the NIF counts calls per scheduler kind), and the
%% functions are registered that way.
-module(alder_concurrency_tests).

-include_lib("eunit/include/eunit.hrl").

-define(N, 3000).
-define(READERS, 8).

%% Normal schedulers: the two introspection functions, the single-path
%% store reads and the single and batch writes (bounded; they move to dirty
%% I/O by themselves when bigger or when they could wait).
-define(NORMAL, [{batch_write, 3}, {dirty_flags, 0}, {store_get, 2}, {store_list, 2},
                 {store_read, 2}, {store_resolve, 2}, {store_type, 2}, {store_write, 3},
                 {thread_counts, 0}]).

registered_dirty_test() ->
    Flags = alder_nif:dirty_flags(),
    Normal = [{F, A} || {F, A, normal} <- Flags],
    ?assertEqual(?NORMAL, lists:sort(Normal)),
    ?assertEqual(length(Flags) - length(?NORMAL), length([x || {_, _, dirty_io} <- Flags])).

%% A value over the normal-scheduler bound, a long listing, a long path and
%% a store allowing many link hops are read on a dirty I/O scheduler; a
%% small read is not.
big_reads_go_dirty_test() ->
    S = alder_test_lib:fresh_store("big-dirty"),
    Big = binary:copy(<<"v">>, 1024 * 1024),
    ok = alder_store:write(S, <<"big">>, Big),
    ok = alder_store:make_group(S, <<"wide">>),
    ok = alder_store:write_many(S, [{[<<"wide">>, integer_to_binary(I)], <<"x">>} || I <- lists:seq(1, 5000)]),
    ok = alder_store:write(S, <<"small">>, <<"s">>),
    Long = iolist_to_binary(lists:join(<<"/">>, [<<"s">> || _ <- lists:seq(1, 100)])),
    Dirty = fun(F) ->
                    B = alder_nif:thread_counts(),
                    R = F(),
                    A = alder_nif:thread_counts(),
                    {R, maps:get(dirty_io, A) - maps:get(dirty_io, B)}
            end,
    ?assertEqual({{ok, Big}, 1}, Dirty(fun() -> alder_store:read(S, <<"big">>) end)),
    {{ok, Names}, 1} = Dirty(fun() -> alder_store:list(S, <<"wide">>) end),
    ?assertEqual(5000, length(Names)),
    {{composite, Names}, 1} = Dirty(fun() -> alder_store_device:read(S, #{<<"read">> => <<"wide">>}, #{}) end),
    ?assertEqual({not_found, 1}, Dirty(fun() -> alder_store:read(S, Long) end)),
    ?assertEqual({{ok, <<"s">>}, 0}, Dirty(fun() -> alder_store:read(S, <<"small">>) end)),
    ?assertEqual({simple, 0}, Dirty(fun() -> alder_store:type(S, <<"small">>) end)),
    ok = alder_store:stop(S).

%% Batch writes run on a normal scheduler while the batch's txn has room
%% for them without file I/O; a value over the bound goes to a dirty I/O
%% scheduler at once, a write that could grow the file after its normal
%% start (counted on both). Every value reads back.
batch_writes_normal_unless_io_test() ->
    S = alder_test_lib:fresh_store("batch-normal"),
    Counts = fun() -> C = alder_nif:thread_counts(), {maps:get(normal, C), maps:get(dirty_io, C)} end,
    {ok, B} = alder_store:begin_batch(S),
    {N0, D0} = Counts(),
    ok = alder_store:write(B, <<"small">>, <<"s">>),
    {N1, D1} = Counts(),
    ?assertEqual({1, 0}, {N1 - N0, D1 - D0}),
    ok = alder_store:write(B, <<"big">>, binary:copy(<<"b">>, 65 * 1024)),
    {N2, D2} = Counts(),
    ?assertEqual({0, 1}, {N2 - N1, D2 - D1}),
    %% 60 KiB values: the file has to grow within 200 of them (12 MiB)
    Vals = [{integer_to_binary(I), binary:copy(<<(I rem 251)>>, 60 * 1024)} || I <- lists:seq(1, 200)],
    [ok = alder_store:write(B, K, V) || {K, V} <- Vals],
    {N3, D3} = Counts(),
    %% every write starts on a normal scheduler; those without room move
    ?assertEqual(200, N3 - N2),
    ?assert(D3 - D2 > 0),
    ?assert(D3 - D2 < 200),
    {ok, _} = alder_store:commit_batch(B),
    [?assertEqual({ok, V}, alder_store:read(S, K)) || {K, V} <- Vals],
    ?assertEqual({ok, <<"s">>}, alder_store:read(S, <<"small">>)),
    ok = alder_store:stop(S).

%% A single write runs on a normal scheduler when it cannot wait: the
%% writer is free, the value small, the file has room, and the commit makes
%% no fdatasync. A value over the bound goes to a dirty I/O scheduler at
%% once; a no_sync
%% commit that may pass the autosync bound (1 MiB here) after its normal
%% start (counted on both). A sync store's write commits there without
%% waiting and learns of its sync by message. Every value reads back.
store_writes_normal_unless_they_could_wait_test() ->
    Counts = fun() -> C = alder_nif:thread_counts(), {maps:get(normal, C), maps:get(dirty_io, C)} end,
    S = alder_test_lib:fresh_store("write-normal"),
    {N0, D0} = Counts(),
    ok = alder_store:write(S, <<"small">>, <<"s">>),
    {N1, D1} = Counts(),
    ?assertEqual({1, 0}, {N1 - N0, D1 - D0}),
    Big = binary:copy(<<"b">>, 65 * 1024),
    ok = alder_store:write(S, <<"big">>, Big),
    {N2, D2} = Counts(),
    ?assertEqual({0, 1}, {N2 - N1, D2 - D1}),
    ?assertEqual({ok, <<"s">>}, alder_store:read(S, <<"small">>)),
    ?assertEqual({ok, Big}, alder_store:read(S, <<"big">>)),
    %% The device API's write of one path is the same call; of several, one
    %% txn on a dirty I/O scheduler.
    {N2a, D2a} = Counts(),
    ok = alder_store_device:write(S, #{<<"dev">> => <<"d">>}, #{}),
    {N2b, D2b} = Counts(),
    ?assertEqual({1, 0}, {N2b - N2a, D2b - D2a}),
    ok = alder_store_device:write(S, #{<<"d1">> => <<"1">>, <<"d2">> => <<"2">>}, #{}),
    {N2c, D2c} = Counts(),
    ?assertEqual({0, 1}, {N2c - N2b, D2c - D2b}),
    ?assertEqual({ok, <<"d">>}, alder_store:read(S, <<"dev">>)),
    ?assertEqual({ok, <<"2">>}, alder_store:read(S, <<"d2">>)),
    ok = alder_store:stop(S),
    %% A small autosync bound: some commits may sync, and those move. Pages
    %% are held back once a sync references them, so the keys are written,
    %% synced, and then overwritten.
    A = (alder_test_lib:store_opts("write-autosync"))#{<<"alder-flags">> => [{autosync_bytes, 1048576}]},
    ok = alder_store:reset(A),
    Keys = [integer_to_binary(I) || I <- lists:seq(1, 500)],
    ok = alder_store:write_many(A, [{K, <<"first">>} || K <- Keys]),
    ok = alder_store:sync(A),
    Vals = [{K, binary:copy(<<(R rem 251)>>, 2000)} || R <- lists:seq(1, 4), K <- Keys],
    {N3, D3} = Counts(),
    [ok = alder_store:write(A, K, V) || {K, V} <- Vals],
    {N4, D4} = Counts(),
    ?assertEqual(2000, N4 - N3),
    ?assert(D4 - D3 > 0),
    ?assert(D4 - D3 < 2000),
    [?assertEqual({ok, binary:copy(<<4>>, 2000)}, alder_store:read(A, K)) || K <- Keys],
    ok = alder_store:stop(A),
    %% Durable: committed on the normal scheduler, acknowledged by message.
    D = (alder_test_lib:store_opts("write-durable"))#{<<"durability">> => <<"sync">>},
    ok = alder_store:reset(D),
    {ok, _} = alder_store:start(D),
    {N5, D5} = Counts(),
    ok = alder_store:write(D, <<"durable">>, <<"d">>),
    {N6, D6} = Counts(),
    ?assertEqual({1, 0}, {N6 - N5, D6 - D5}),
    ?assertEqual({ok, <<"d">>}, alder_store:read(D, <<"durable">>)),
    ok = alder_store:stop(D).

readers_and_writer_test_() ->
    {timeout, 300, fun readers_and_writer/0}.

readers_and_writer() ->
    S = alder_test_lib:fresh_store("concurrency"),
    ok = alder_store:make_group(S, <<"groups">>),
    Before = alder_nif:thread_counts(),
    Published = atomics:new(1, []),
    Self = self(),
    Writer = spawn_link(fun() -> writer(S, Published), Self ! {writer_done, self()} end),
    Readers = [spawn_link(fun() -> Self ! {reader_done, self(), reader(S, Published, 0, 0)} end)
               || _ <- lists:seq(1, ?READERS)],
    RunQueues = sample_run_queues(Writer, []),
    receive {writer_done, Writer} -> ok end,
    Results = [receive {reader_done, R, Res} -> Res end || R <- Readers],
    After = alder_nif:thread_counts(),
    %% every reader read something, and never a wrong or missing value
    [?assertMatch({Reads, 0} when Reads > 0, Res) || Res <- Results],
    %% no call ran on a dirty CPU scheduler; the links were made on dirty
    %% I/O ones, the small reads and most single writes on normal ones
    ?assertEqual(maps:get(dirty_cpu, Before), maps:get(dirty_cpu, After)),
    Calls = maps:get(dirty_io, After) - maps:get(dirty_io, Before)
        + maps:get(normal, After) - maps:get(normal, Before),
    ?assert(maps:get(dirty_io, After) - maps:get(dirty_io, Before) >= ?N div 1000),
    ?assert(Calls >= ?N + lists:sum([R || {R, _} <- Results])),
    %% the normal run queues never held more than the test's own processes
    ?assert(lists:max(RunQueues) =< ?READERS + 2),
    ?assertEqual({ok, [<<"g0">>, <<"g1">>, <<"g2">>]}, alder_store:list(S, <<"groups">>)),
    ok = alder_store:stop(S).

%% Writes key-1..key-N (publishing each index after its write commits),
%% and one link into a group every 1000 keys.
writer(S, Published) ->
    lists:foreach(
      fun(I) ->
              ok = alder_store:write(S, key(I), val(I)),
              case I rem 1000 of
                  0 -> ok = alder_store:make_link(S, key(I), [<<"groups">>, g(I)]);
                  _ -> ok
              end,
              atomics:put(Published, 1, I)
      end, lists:seq(1, ?N)).

%% Reads random published keys (single, read_many, through the group
%% links) until the writer is done; returns {Reads, Misses}.
reader(S, Published, Reads, Misses) ->
    case atomics:get(Published, 1) of
        ?N -> {Reads, Misses};
        0 -> erlang:yield(), reader(S, Published, Reads, Misses);
        Max ->
            I = rand:uniform(Max),
            J = rand:uniform(Max),
            M1 = case alder_store:read(S, key(I)) of {ok, V} -> bad(V =/= val(I)); _ -> 1 end,
            M2 = case alder_store:read_many(S, [key(J), key(I)]) of
                     [{ok, VJ}, {ok, VI}] -> bad(VJ =/= val(J) orelse VI =/= val(I));
                     _ -> 1
                 end,
            {Calls3, M3} =
                case Max >= 1000 of
                    true ->
                        case alder_store:read(S, [<<"groups">>, <<"g0">>]) of
                            {ok, V0} -> {1, bad(V0 =/= val(1000))};
                            _ -> {1, 1}
                        end;
                    false -> {0, 0}
                end,
            reader(S, Published, Reads + 2 + Calls3, Misses + M1 + M2 + M3)
    end.

bad(true) -> 1;
bad(false) -> 0.

key(I) -> <<"key-", (integer_to_binary(I))/binary>>.
val(I) -> <<"value-", (integer_to_binary(I))/binary>>.
g(I) -> <<"g", (integer_to_binary(I div 1000 - 1))/binary>>.

%% Samples the normal schedulers' run queue length until Writer exits.
sample_run_queues(Writer, Acc) ->
    case is_process_alive(Writer) of
        false -> [0 | Acc];
        true ->
            receive after 2 -> ok end,
            sample_run_queues(Writer, [erlang:statistics(run_queue) | Acc])
    end.

gate_under_contention_test_() ->
    {timeout, 300, fun gate_under_contention/0}.

%% 4 one-shot writers and 1 process running batches, all at once: every
%% write lands, nobody waits forever (a lost wake-up would hang here).
gate_under_contention() ->
    S = alder_test_lib:fresh_store("gate"),
    Self = self(),
    Writers = [spawn_link(fun() ->
                   [ok = alder_store:write(S, <<"w", W, "-", (integer_to_binary(I))/binary>>, <<"x">>)
                    || I <- lists:seq(1, 200)],
                   Self ! {done, self()}
               end) || W <- "abcd"],
    Batcher = spawn_link(fun() ->
                  [begin
                       {ok, B} = alder_store:begin_batch(S),
                       [ok = alder_store:write(B, <<"b-", (integer_to_binary(N * 10 + I))/binary>>, <<"y">>)
                        || I <- lists:seq(0, 9)],
                       {ok, _} = alder_store:commit_batch(B)
                   end || N <- lists:seq(0, 19)],
                  Self ! {done, self()}
              end),
    [receive {done, P} -> ok end || P <- [Batcher | Writers]],
    {ok, Top} = alder_store:list(S, <<>>),
    ?assertEqual(4 * 200 + 200, length(Top)),
    ok = alder_store:stop(S).

durable_writers_test_() ->
    {timeout, 300, fun durable_writers/0}.

%% 64 processes writing to a store with <<"durability">> => <<"sync">>:
%% their commits share syncs (group commit; the NIF answers each write
%% once its sync is done, nif_durable.h). Every write returns ok, is
%% visible to the writer's next read and to every other process's (never
%% stale), and survives a stop and start; the device API's write/3 takes
%% the same path.
durable_writers() ->
    S = (alder_test_lib:store_opts("durable-writers"))#{<<"durability">> => <<"sync">>},
    ok = alder_store:reset(S),
    {ok, _} = alder_store:start(S),
    Self = self(),
    Key = fun(W, I) -> <<"d", (integer_to_binary(W))/binary, "-", (integer_to_binary(I))/binary>> end,
    Pids = [spawn_link(fun() ->
                 [begin
                      ok = case I rem 2 of
                               0 -> alder_store:write(S, Key(W, I), <<"v">>);
                               1 -> alder_store_device:write(S, #{Key(W, I) => <<"v">>}, #{})
                           end,
                      {ok, <<"v">>} = alder_store:read(S, Key(W, I))
                  end || I <- lists:seq(1, 20)],
                 Self ! {done, self()}
             end) || W <- lists:seq(1, 64)],
    [receive {done, P} -> ok end || P <- Pids],
    %% No reply is left behind for this process either.
    receive {alder_durable, _, _} = Stray -> ?assertEqual(none, Stray) after 0 -> ok end,
    [?assertEqual({ok, <<"v">>}, alder_store:read(S, Key(W, I)))
     || W <- lists:seq(1, 64), I <- lists:seq(1, 20)],
    ok = alder_store:stop(S),
    {ok, _} = alder_store:start(S),
    {ok, Top} = alder_store:list(S, <<>>),
    ?assertEqual(64 * 20, length(Top)),
    ok = alder_store:stop(S).

close_and_reset_under_load_test_() ->
    {timeout, 300, fun close_and_reset_under_load/0}.

%% Readers and writers running while the store is reset, then while the env
%% is closed: every call answers (a value, not_found, ok or an error), and
%% after the close every process ends with env_closed; no crash.
close_and_reset_under_load() ->
    S = alder_test_lib:fresh_store("close-under-load"),
    Env = alder_store:env(S),
    ok = alder_store:write(S, <<"k">>, <<"v">>),
    Self = self(),
    Loop = fun L(F, N) ->
               case F() of
                   {error, env_closed} -> Self ! {stopped, self(), N};
                   {error, txn_finished} -> L(F, N + 1);  % its batch was reset or closed
                   R when R =:= ok; R =:= not_found; element(1, R) =:= ok -> L(F, N + 1)
               end
           end,
    Readers = [spawn_link(fun() -> Loop(fun() -> alder_nif:store_read(Env, <<"k">>) end, 0) end)
               || _ <- lists:seq(1, 6)],
    Writers = [spawn_link(fun() ->
                   Loop(fun() -> alder:await_writer(fun() -> alder_nif:store_write(Env, <<"k">>, <<"v">>) end) end, 0)
               end) || _ <- lists:seq(1, 2)],
    Batcher = spawn_link(fun() ->
                  Loop(fun() ->
                      case alder:await_writer(fun() -> alder_nif:batch_begin(Env) end) of
                          {ok, B} ->
                              _ = alder_nif:batch_write(B, <<"b">>, <<"1">>),
                              case alder_nif:batch_commit(B) of
                                  ok -> ok;
                                  {error, txn_finished} -> ok
                              end;
                          Other -> Other
                      end
                  end, 0)
              end),
    [ok = alder_nif:store_reset(Env) || _ <- lists:seq(1, 20)],
    ok = alder_nif:env_close(Env),
    Counts = [receive {stopped, P, N} -> N end || P <- Readers ++ Writers ++ [Batcher]],
    ?assertEqual(9, length(Counts)),
    ok = alder_store:stop(S).
