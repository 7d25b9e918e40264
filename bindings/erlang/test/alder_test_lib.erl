%% @doc Helpers shared by the EUnit suites: fresh store options and files
%% under a per-run temporary directory (TMPDIR, default /tmp).
-module(alder_test_lib).

-export([tmp_dir/0, store_opts/1, fresh_store/1, kv_file/1, wait_until/1]).

%% @doc The run's temporary directory (created on first use).
tmp_dir() ->
    Base = case os:getenv("TMPDIR") of
               false -> "/tmp";
               "" -> "/tmp";
               T -> T
           end,
    Dir = filename:join(Base, "alder-eunit-" ++ os:getpid()),
    ok = filelib:ensure_dir(filename:join(Dir, "x")),
    Dir.

%% @doc Store options as the node writes them, for a store named Name.
store_opts(Name) ->
    #{<<"store-module">> => alder_store,
      <<"name">> => unicode:characters_to_binary(filename:join(tmp_dir(), Name))}.

%% @doc Store options for an empty, started store.
fresh_store(Name) ->
    Opts = store_opts(Name),
    ok = alder_store:reset(Opts),
    {ok, _} = alder_store:start(Opts),
    ok = alder_store:reset(Opts),
    Opts.

%% @doc A fresh file name for alder:open/2.
kv_file(Name) ->
    File = filename:join(tmp_dir(), Name ++ ".alder"),
    _ = file:delete(File),
    File.

%% @doc Yields until Pred() is true (no clock involved; EUnit's timeout
%% ends a test that never gets there).
wait_until(Pred) ->
    case Pred() of
        true -> ok;
        false -> erlang:yield(), receive after 1 -> ok end, wait_until(Pred)
    end.
