#!/usr/bin/env escript
%% -*- erlang -*-
%% nif_cost: what one store read costs through the NIF, to choose (and
%% re-check) the normal-scheduler bounds of c_src/nif_store_read.cc and to
%% see what bounds alder_store:read/2 (docs/DECISIONS.md, "Small reads on
%% normal schedulers").
%%
%%   per call   mean time of the bare NIF read, alder_store:read/2,
%%              alder_store_device:read/3, type, the env lookup, and the
%%              loop the store benchmark wraps around each read (key and
%%              expected value built, compared) without the read
%%   per size   mean and 99th percentile time of one read of a value of
%%              0 B .. 1 MiB (above the bound it runs on a dirty scheduler,
%%              the round trip included), and the fitted cost per KiB
%%   per names  the same for listing a group of 10 .. 5000 names
%%
%% Build the binding first (bindings/erlang/test.sh). Usage:
%%   bindings/erlang/bench/nif_cost.escript [Dir]
-mode(compile).

main(Args) ->
    Dir = case Args of [D] -> D; _ -> "/tmp" end,
    Here = filename:dirname(filename:absname(escript:script_name())),
    true = code:add_path(filename:join([Here, "..", "_build", "default", "lib", "alder", "ebin"])),
    Name = list_to_binary(filename:join(Dir, "alder-nif-cost-" ++ os:getpid())),
    S = #{<<"name">> => Name},
    {ok, _} = alder_store:start(S),
    per_call(S),
    per_size(S),
    per_names(S),
    ok = alder_store:stop(S),
    os:cmd("rm -rf '" ++ binary_to_list(Name) ++ "'").

per_call(S) ->
    N = 100000,
    Keys = [<<"key-", (integer_to_binary(I))/binary>> || I <- lists:seq(0, N - 1)],
    ok = alder_store:write_many(S, [{K, binary:copy(<<"v">>, 64)} || K <- Keys]),
    Env = alder_store:env(S),
    Is = lists:seq(0, N - 1),
    io:format("~nper call (~p keys, 64-byte values, one process)~n", [N]),
    T = fun(What, F) ->
                _ = [F(I) || I <- lists:sublist(Is, 1000)],
                {Us, _} = timer:tc(fun() -> [F(I) || I <- Is] end),
                io:format("  ~-44s ~7.3f us  ~9w /s~n", [What, Us / N, round(N * 1.0e6 / Us)])
        end,
    T("alder_nif:store_read (key prebuilt)", fun(I) -> alder_nif:store_read(Env, element(I + 1, list_to_tuple_cached(Keys))) end),
    T("alder_nif:store_read (key built)", fun(I) -> alder_nif:store_read(Env, key(I)) end),
    T("alder_store:read/2", fun(I) -> alder_store:read(S, key(I)) end),
    T("alder_store_device:read/3", fun(I) -> alder_store_device:read(S, #{<<"read">> => key(I)}, #{}) end),
    T("alder_nif:store_type", fun(I) -> alder_nif:store_type(Env, key(I)) end),
    T("alder_store:env/1 (the env lookup)", fun(_) -> alder_store:env(S) end),
    T("bench loop without the read", fun(I) -> check({ok, value(I)}, I) end),
    T("bench loop with alder_store:read/2", fun(I) -> check(alder_store:read(S, key(I)), I) end).

per_size(S) ->
    Sizes = [0, 1024, 4096, 16384, 65536, 262144, 1048576],
    io:format("~nper value size (one read each, same value repeated)~n"),
    Fits = [begin
                K = <<"size-", (integer_to_binary(Sz))/binary>>,
                ok = alder_store:write(S, K, crypto:strong_rand_bytes(Sz)),
                Reps = max(200, 20000 div max(1, Sz div 1024)),
                {Mean, P99} = sample(Reps, fun() -> {ok, _} = alder_store:read(S, K) end),
                io:format("  ~8w B   mean ~8.2f us   p99 ~8.2f us~n", [Sz, Mean, P99]),
                {Sz / 1024, Mean}
            end || Sz <- Sizes],
    {Per, Base} = fit([F || {X, _} = F <- Fits, X =< 64]),
    io:format("  fit up to 64 KiB: ~.3f us + ~.3f us per KiB~n", [Base, Per]).

per_names(S) ->
    Counts = [10, 100, 256, 500, 1000, 5000],
    io:format("~nper listed name (one list each)~n"),
    Fits = [begin
                G = <<"grp-", (integer_to_binary(C))/binary>>,
                ok = alder_store:make_group(S, G),
                ok = alder_store:write_many(S, [{[G, <<"name-", (integer_to_binary(I))/binary>>], <<"x">>}
                                               || I <- lists:seq(1, C)]),
                Reps = max(100, 200000 div C),
                {Mean, P99} = sample(Reps, fun() -> {ok, _} = alder_store:list(S, G) end),
                io:format("  ~8w names   mean ~8.2f us   p99 ~8.2f us~n", [C, Mean, P99]),
                {C, Mean}
            end || C <- Counts],
    {Per, Base} = fit([F || {X, _} = F <- Fits, X =< 256]),
    io:format("  fit up to 256 names: ~.3f us + ~.4f us per name~n", [Base, Per]).

%% Mean and 99th percentile of Reps timed calls, in microseconds.
sample(Reps, F) ->
    _ = [F() || _ <- lists:seq(1, 10)],
    Ts = lists:sort([begin
                         T0 = erlang:monotonic_time(nanosecond),
                         F(),
                         erlang:monotonic_time(nanosecond) - T0
                     end || _ <- lists:seq(1, Reps)]),
    {lists:sum(Ts) / Reps / 1000, lists:nth(max(1, round(Reps * 0.99)), Ts) / 1000}.

%% Least squares y = a*x + b: {a, b}.
fit(Points) ->
    N = length(Points),
    Sx = lists:sum([X || {X, _} <- Points]), Sy = lists:sum([Y || {_, Y} <- Points]),
    Sxx = lists:sum([X * X || {X, _} <- Points]), Sxy = lists:sum([X * Y || {X, Y} <- Points]),
    A = (N * Sxy - Sx * Sy) / (N * Sxx - Sx * Sx),
    {A, (Sy - A * Sx) / N}.

list_to_tuple_cached(Keys) ->
    case get(keys_tuple) of
        undefined -> T = list_to_tuple(Keys), put(keys_tuple, T), T;
        T -> T
    end.

key(I) -> <<"key-", (integer_to_binary(I))/binary>>.
value(I) ->
    V = <<"value-", (integer_to_binary(I))/binary, "-">>,
    <<V/binary, (binary:copy(<<"v">>, 64 - byte_size(V)))/binary>>.

check({ok, V}, I) ->
    case value(I) of
        V -> ok;
        _ -> ok
    end;
check(_, _) -> ok.
