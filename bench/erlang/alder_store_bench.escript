#!/usr/bin/env escript
%% -*- erlang -*-
%%! +A 1
%% alder_store_bench: the node's store benchmark through the Erlang binding
%% (alder_store, i.e. Erlang -> NIF -> alder::PathStore), the same workload
%% as bench/path_store_bench.cc's PathStore column, all in no_sync mode:
%%
%%   write          N writes of key-<i> (64-byte values), one commit each
%%   write batched  N writes of key-<i>, batches of 1000 (begin_batch, write/3
%%                  per key, commit_batch)
%%   write_many     N writes of key-<i>, 1000 per write_many/2 call (one txn each)
%%   read           N random reads of key-<i>, 0 misses (checked)
%%   read_many      the same N reads, 100 keys per read_many call
%%   read x8        the same N reads split over 8 processes (throughput)
%%   read x64       the same N reads split over 64 processes
%%   device read    the same N reads through the device-style API
%%                  (alder_store_device:read/3, #{<<"read">> => Path})
%%   device write   N/10 writes through alder_store_device:write/3, one
%%                  path per call (one commit each)
%%   device type    N/10 alder_store_device:type/3 calls
%%   group load     N keys in groups of 10, make_group + write, batches of 1000
%%   list           L random group listings, each must list its 10 keys (checked)
%%   durable x1     N/50 writes, one durable commit each (<<"durability">> =>
%%                  <<"sync">>), from one process
%%   durable x64    the same from 64 processes at once (group commit: their
%%                  commits share fdatasyncs); all keys read back (checked)
%%
%% One Erlang process issues every call (as the C++ bench uses one thread),
%% except in "read x8", "read x64" and "durable x64". The "seeds" column
%% holds the figures the issue reports for the stores alder replaces (not
%% measured here): the Rust NIF of the 2025 binding (about 148,000 reads/s
%% and 121,000 writes/s) and HyperBEAM's LMDB NIF (about 2.5 million
%% reads/s, gets on normal schedulers).
%% With --cxx PATH it also runs the C++ bench (PATH --dir DIR --n N --lists
%% L) and prints the C++/Erlang ratio per phase (the overhead of the NIF
%% path). A program, not a test: exits 2 only if a check fails.
%%
%% Build the binding first (bindings/erlang/test.sh, or `rebar3 compile` in
%% bindings/erlang). Usage:
%%   bench/erlang/alder_store_bench.escript [--dir /tmp] [--n 100000]
%%       [--lists 20000] [--cxx build/bench/path_store_bench]
-mode(compile).

main(Args) ->
    Opts = parse(Args, #{dir => "/tmp", n => 100000, lists => 20000, cxx => undefined}),
    setup_code_path(),
    #{dir := Dir, n := N, lists := L} = Opts,
    io:format("command: alder_store_bench.escript ~s~n", [lists:join(" ", Args)]),
    io:format("machine: ~p schedulers, ~p dirty I/O schedulers, OTP ~s~n",
              [erlang:system_info(schedulers), erlang:system_info(dirty_io_schedulers),
               erlang:system_info(otp_release)]),
    io:format("workload: n ~p, lists ~p, group 10, batches of 1000, durability no_sync "
              "(durable phases: sync)~n", [N, L]),
    Base = filename:join(Dir, "alder-store-bench-" ++ os:getpid()),
    rand:seed(exsss, {42, 43, 44}),
    S1 = store(Base, "plain"),
    W = rate(N, fun() -> [ok = alder_store:write(S1, key(I), value(I)) || I <- lists:seq(0, N - 1)] end),
    ReadOrder = shuffle(lists:seq(0, N - 1)),
    %% Keys and expected values made before the read phases, so that they
    %% time the store, not the making of binaries (C++ makes a std::string
    %% in tens of ns; Erlang's key/1 and value/1 take about a microsecond).
    %% In persistent_term: no copy into each process, no garbage collection
    %% of them.
    persistent_term:put({?MODULE, keys}, list_to_tuple([key(I) || I <- lists:seq(0, N - 1)])),
    persistent_term:put({?MODULE, values}, list_to_tuple([value(I) || I <- lists:seq(0, N - 1)])),
    %% The read phases walk a list of {Key, Expected} pairs made before they
    %% start, in read order, of binaries made in that order: the loop's own
    %% memory accesses run in sequence, as the C++ bench's loop makes its key
    %% and expected value in registers and cache. Fetching them from the
    %% tuples above by index instead cost a cache miss or two a read: 1.6-2.2
    %% against 1.0-1.5 us a read (probe, 100,000 keys, six rounds, 2026-12-03).
    ReadPairs = [{make_key(I), make_value(I)} || I <- ReadOrder],
    R = rate(N, fun() -> reads(S1, ReadPairs) end),
    RM = rate(N, fun() -> read_many(S1, ReadPairs) end),
    S2 = store(Base, "batched"),
    WB = rate(N, fun() -> write_batched(S2, N) end),
    S4 = store(Base, "write-many"),
    WM = rate(N, fun() -> write_many(S4, N) end),
    R8 = parallel_reads(S1, ReadPairs, 8),
    R64 = parallel_reads(S1, ReadPairs, 64),
    DR = rate(N, fun() -> device_reads(S1, ReadPairs) end),
    NT = max(100, N div 10),
    DT = rate(NT, fun() -> [{ok, simple} = alder_store_device:type(S1, #{<<"type">> => key(I)}, #{})
                            || I <- lists:sublist(ReadOrder, NT)] end),
    S7 = store(Base, "device"),
    DW = rate(NT, fun() -> [ok = alder_store_device:write(S7, #{key(I) => value(I)}, #{})
                            || I <- lists:seq(0, NT - 1)] end),
    [check_read(alder_store_device:read(S7, #{<<"read">> => key(I)}, #{}), I) || I <- lists:seq(0, NT - 1)],
    S3 = store(Base, "groups"),
    GL = rate(N, fun() -> group_load(S3, N) end),
    Groups = (N + 9) div 10,
    ListOrder = [rand:uniform(Groups) - 1 || _ <- lists:seq(1, L)],
    LR = rate(L, fun() -> [check_list(alder_store:list(S3, group(G)), G, N) || G <- ListOrder] end),
    ND = max(64, N div 50),
    S5 = store(Base, "durable-1", <<"sync">>),
    D1 = rate(ND, fun() -> durable_writes(S5, ND, 1) end),
    S6 = store(Base, "durable-64", <<"sync">>),
    D64 = rate(ND, fun() -> durable_writes(S6, ND, 64) end),
    [check_read(alder_store:read(S6, key(I)), I) || I <- lists:seq(0, ND - 1)],
    [ok = alder_store:stop(S) || S <- [S1, S2, S3, S4, S5, S6, S7]],
    os:cmd("rm -rf '" ++ Base ++ "'"),
    Cxx = cxx_rates(Opts),
    Rows = [{"write", "N writes of key-<i>, one commit each", W, "write", "121,000 (Rust NIF)"},
            {"write batched", "N writes of key-<i>, batches of 1000", WB, none, ""},
            {"write_many", "N writes of key-<i>, 1000 per call", WM, none, ""},
            {"device write", "N/10 write/3 calls, one path each", DW, none, "121,000 (Rust NIF)"},
            {"read", "N random reads, 0 misses", R, "read", "148,000 (Rust NIF)"},
            {"read_many", "N random reads, 100 per call, 0 misses", RM, none, ""},
            {"read x8", "N random reads over 8 processes", R8, none, ""},
            {"read x64", "N random reads over 64 processes", R64, none, ""},
            {"device read", "N random read/3 calls, 0 misses", DR, "read", "2,500,000 (HB LMDB NIF)"},
            {"device type", "N/10 type/3 calls", DT, none, ""},
            {"group load", "N keys in groups of 10, batches of 1000", GL, "group load", ""},
            {"list", "random group lists, all keys present", LR, "list", ""},
            {"durable x1", "N/50 durable writes, 1 process", D1, none, ""},
            {"durable x64", "N/50 durable writes, 64 processes", D64, none, ""}],
    io:format("~n| ~-13s | ~-40s | ~13s | ~13s | ~9s | ~-23s |~n",
              ["phase", "what", "Erlang op/s", "C++ op/s", "C++/Erl", "seeds (reported)"]),
    io:format("|~s|~s|~s|~s|~s|~s|~n", [lists:duplicate(15, $-), lists:duplicate(42, $-),
                                         lists:duplicate(15, $-), lists:duplicate(15, $-),
                                         lists:duplicate(11, $-), lists:duplicate(25, $-)]),
    [begin
         C = maps:get(CxxKey, Cxx, undefined),
         {CS, Ratio} = case C of
                           undefined -> {"-", "-"};
                           _ -> {integer_to_list(round(C)), io_lib:format("~.2fx", [C / Rate])}
                       end,
         io:format("| ~-13s | ~-40s | ~13B | ~13s | ~9s | ~-23s |~n",
                   [Name, What, round(Rate), CS, Ratio, Seed])
     end || {Name, What, Rate, CxxKey, Seed} <- Rows],
    io:format("~n(C++ op/s: the PathStore column of ~s; C++/Erl is how many times faster the~n"
              " same operations run in C++ directly; '-': no C++ counterpart phase)~n",
              [case maps:get(cxx, Opts) of undefined -> "path_store_bench (not run: no --cxx)";
                   P -> P end]).

parse([], Acc) -> Acc;
parse(["--dir", D | T], Acc) -> parse(T, Acc#{dir => D});
parse(["--n", N | T], Acc) -> parse(T, Acc#{n => list_to_integer(N)});
parse(["--lists", L | T], Acc) -> parse(T, Acc#{lists => list_to_integer(L)});
parse(["--cxx", P | T], Acc) -> parse(T, Acc#{cxx => P});
parse(Other, _) ->
    io:format(standard_error, "usage: alder_store_bench.escript [--dir D] [--n N] [--lists L] "
              "[--cxx PATH]~nunknown: ~p~n", [Other]),
    halt(1).

%% Adds bindings/erlang's build output to the code path (relative to this
%% script: bench/erlang/ -> the repository root).
setup_code_path() ->
    Root = filename:dirname(filename:dirname(filename:dirname(filename:absname(escript:script_name())))),
    Ebin = filename:join([Root, "bindings", "erlang", "_build", "default", "lib", "alder", "ebin"]),
    case filelib:is_dir(Ebin) of
        true -> code:add_patha(Ebin);
        false ->
            io:format(standard_error, "~s missing: build the binding first "
                      "(bindings/erlang/test.sh or rebar3 compile)~n", [Ebin]),
            halt(1)
    end.

store(Base, Name) -> store(Base, Name, <<"no_sync">>).

store(Base, Name, Durability) ->
    Opts = #{<<"store-module">> => alder_store,
             <<"name">> => unicode:characters_to_binary(filename:join(Base, Name)),
             <<"durability">> => Durability},
    ok = alder_store:reset(Opts),
    {ok, _} = alder_store:start(Opts),
    Opts.

rate(Ops, Fun) ->
    T0 = erlang:monotonic_time(),
    _ = Fun(),
    Us = erlang:convert_time_unit(erlang:monotonic_time() - T0, native, microsecond),
    Ops * 1000000 / max(Us, 1).

write_batched(S, N) ->
    [begin
         {ok, B} = alder_store:begin_batch(S),
         [ok = alder_store:write(B, key(I), value(I)) || I <- lists:seq(I0, min(N, I0 + 1000) - 1)],
         {ok, _} = alder_store:commit_batch(B)
     end || I0 <- lists:seq(0, N - 1, 1000)].

write_many(S, N) ->
    [ok = alder_store:write_many(S, [{key(I), value(I)} || I <- lists:seq(I0, min(N, I0 + 1000) - 1)])
     || I0 <- lists:seq(0, N - 1, 1000)].

%% Reads/s of all pairs split over P processes. Each process gets its
%% chunk (copied into its heap) before the clock starts, then waits for
%% `go`.
parallel_reads(S, Pairs, P) ->
    Self = self(),
    Chunks = split(Pairs, (length(Pairs) + P - 1) div P),
    Pids = [spawn_link(fun() ->
                               Self ! {ready, self()},
                               receive go -> ok end,
                               reads(S, C),
                               Self ! {read_done, self()}
                       end) || C <- Chunks],
    [receive {ready, Pid} -> ok end || Pid <- Pids],
    rate(length(Pairs), fun() ->
        [Pid ! go || Pid <- Pids],
        [receive {read_done, Pid} -> ok end || Pid <- Pids]
    end).

%% N single-write durable commits of key-<i>, split over P processes.
durable_writes(S, N, P) ->
    Self = self(),
    Pids = [spawn_link(fun() ->
                               [ok = alder_store:write(S, key(I), value(I))
                                || I <- lists:seq(J, N - 1, P)],
                               Self ! {write_done, self()}
                       end) || J <- lists:seq(0, P - 1)],
    [receive {write_done, Pid} -> ok end || Pid <- Pids].

%% Reads and checks every {Key, Expected} pair (a loop: no list of results
%% is built).
reads(_, []) -> ok;
reads(S, [{K, V} | Pairs]) ->
    check_pair(alder_store:read(S, K), V, K),
    reads(S, Pairs).

device_reads(_, []) -> ok;
device_reads(S, [{K, V} | Pairs]) ->
    check_pair(alder_store_device:read(S, #{<<"read">> => K}, #{}), V, K),
    device_reads(S, Pairs).

check_pair({ok, V}, V, _) -> ok;
check_pair({ok, _}, _, K) -> fail({wrong_value, K});
check_pair(Other, _, K) -> fail({read_miss, K, Other}).

split([], _) -> [];
split(L, K) when length(L) =< K -> [L];
split(L, K) -> {H, T} = lists:split(K, L), [H | split(T, K)].

group_load(S, N) ->
    Groups = (N + 9) div 10,
    [begin
         {ok, B} = alder_store:begin_batch(S),
         [begin
              ok = alder_store:make_group(B, group(G)),
              [ok = alder_store:write(B, <<(group(G))/binary, "/", (key(I))/binary>>, value(I))
               || I <- lists:seq(G * 10, min(N, (G + 1) * 10) - 1)]
          end || G <- lists:seq(G0, min(Groups, G0 + 100) - 1)],
         {ok, _} = alder_store:commit_batch(B)
     end || G0 <- lists:seq(0, Groups - 1, 100)].

%% 100 keys per call. (Not length/1 of the rest on every call: that walked
%% the whole remaining list each time, O(N^2 / 100) steps, and the phase
%% measured it rather than the reads: 141K reads/s at N = 100,000.)
read_many(_, []) -> ok;
read_many(S, Pairs) ->
    {Chunk, Rest} = take(100, Pairs, []),
    check_many(alder_store:read_many(S, [K || {K, _} <- Chunk]), Chunk),
    read_many(S, Rest).

take(0, Rest, Acc) -> {lists:reverse(Acc), Rest};
take(_, [], Acc) -> {lists:reverse(Acc), []};
take(K, [I | Is], Acc) -> take(K - 1, Is, [I | Acc]).

check_many(Results, Pairs) ->
    lists:foreach(fun({R, {K, V}}) -> check_pair(R, V, K) end, lists:zip(Results, Pairs)).

check_read(R, I) -> check_read(R, value(I), I).

check_read({ok, V}, V, _) -> ok;
check_read({ok, _}, _, I) -> fail({wrong_value, I});
check_read(Other, _, I) -> fail({read_miss, I, Other}).

check_list({ok, Names}, G, N) ->
    Expected = lists:sort([key(I) || I <- lists:seq(G * 10, min(N, (G + 1) * 10) - 1)]),
    case Names of
        Expected -> ok;
        _ -> fail({wrong_list, G, Names})
    end;
check_list(Other, G, _) -> fail({list_miss, G, Other}).

fail(What) ->
    io:format(standard_error, "CHECK FAILED: ~p~n", [What]),
    halt(2).

key(I) ->
    case persistent_term:get({?MODULE, keys}, none) of
        Keys when is_tuple(Keys), I < tuple_size(Keys) -> element(I + 1, Keys);
        _ -> make_key(I)
    end.
value(I) ->
    case persistent_term:get({?MODULE, values}, none) of
        Values when is_tuple(Values), I < tuple_size(Values) -> element(I + 1, Values);
        _ -> make_value(I)
    end.
%% New binaries (key/1 and value/1 may hand out the shared ones).
make_key(I) -> <<"key-", (integer_to_binary(I))/binary>>.
make_value(I) ->
    V = <<"value-", (integer_to_binary(I))/binary, "-">>,
    <<V/binary, (binary:copy(<<"v">>, 64 - byte_size(V)))/binary>>.
group(G) -> <<"group-", (integer_to_binary(G))/binary>>.

shuffle(L) -> [X || {_, X} <- lists:sort([{rand:uniform(), X} || X <- L])].

%% Runs the C++ bench and reads its PathStore column: #{Phase => op/s}.
cxx_rates(#{cxx := undefined}) -> #{};
cxx_rates(#{cxx := Path, dir := Dir, n := N, lists := L}) ->
    Cmd = io_lib:format("'~s' --dir '~s' --n ~B --lists ~B", [Path, Dir, N, L]),
    io:format("running C++: ~s~n", [Cmd]),
    Out = os:cmd(lists:flatten(Cmd)),
    maps:from_list(
      [{string:trim(Phase), list_to_float(string:trim(Ps) ++ ".0")}
       || Line <- string:split(Out, "\n", all),
          [_, Phase, _What, Ps | _] <- [string:split(Line, "|", all)],
          lists:member(string:trim(Phase), ["write", "read", "group load", "list"])]).
