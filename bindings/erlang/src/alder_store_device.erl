%% @doc A HyperBEAM node store on alder's path store, with the device-style
%% store interface of 2026 (hb_store): every callback is
%% Fun(StoreOpts, Req, NodeOpts), Req a map naming what to do. Configure
%% it as #{<<"store-module">> => alder_store_device, <<"name">> => Dir}.
%%
%% It shares everything below the callbacks with alder_store (the 2025
%% interface, Fun(StoreOpts, Key[, Value])): the env registry, so both
%% modules given the same <<"name">> use the same open database; and the
%% option keys (alder_store_opts). NodeOpts is not used.
%%
%% Callbacks and results (upstream's, hb_store_lmdb, except where
%% bindings/erlang/README.md says why not):
%%   start/3   {ok, #{<<"name">> => Name}} (opens the env once per name)
%%   stop/3, reset/3   ok
%%   read/3    #{<<"read">> => Path}: {ok, Value} | {composite, Names} for
%%             a group | {error, not_found}
%%   write/3   #{Path => Value, ...}: ok, all entries in one transaction
%%   group/3   #{<<"group">> => Path}: ok
%%   link/3    #{New => Existing, ...}: ok; New's parent groups are created
%%   list/3    #{<<"list">> => Path}: {ok, Names} of a group (sorted) |
%%             {error, not_found} when Path resolves to no group
%%   type/3    #{<<"type">> => Path}: {ok, simple | composite} |
%%             {error, not_found}
%%   resolve/3 #{<<"resolve">> => Path}: {ok, ResolvedPath}; the path itself
%%             (as a binary) when it runs into a link cycle
%%   match/3   a map or list of {Key, Path}: {ok, Ids} | {error, not_found}
%%   scope/0,1 local
%% Paths: what hb_path:to_binary/1 accepts: a binary ("a/b", empty segments
%% dropped), a character list, or a list of segments (binaries, character
%% lists, atoms, integers, nested lists). A malformed request or path gives
%% {error, {badarg, What}} and changes nothing; a write to a store opened
%% with <<"read-only">> => true gives {error, read_only}; an engine refusal
%% {error, Reason} (key_too_large, invalid_argument, ...).
-module(alder_store_device).

-export([start/3, stop/3, reset/3, scope/0, scope/1]).
-export([read/3, write/3, list/3, type/3, group/3, link/3, resolve/3, match/3]).
-export([to_path/1]).

%%% ------------------------------------------------------------ lifecycle

%% @doc Opens the store named in StoreOpts (a second start finds the open
%% env). The instance returned holds no handle: every callback finds the
%% env from the name, so a stopped store is reopened on its next use.
start(Opts = #{<<"name">> := Name}, _Req, _NodeOpts) ->
    case alder_store:start(Opts) of
        {ok, _} -> {ok, #{<<"name">> => Name}};
        {error, badarg} -> {error, {badarg, <<"name">>}};
        Error -> Error
    end;
start(Opts, _Req, _NodeOpts) when is_map(Opts) ->
    {error, {badarg, <<"StoreOpts needs a name">>}};
start(_, _Req, _NodeOpts) ->
    {error, {badarg, <<"StoreOpts must be a map">>}}.

%% @doc Closes the store's env; the data stays. ok also when not open.
stop(Opts, _Req, _NodeOpts) when is_map(Opts) -> ok_or_badarg(alder_store:stop(Opts));
stop(_, _, _) -> ok.

%% @doc Empties the store (in place when open: it stays usable).
reset(Opts, _Req, _NodeOpts) when is_map(Opts) -> ok_or_badarg(alder_store:reset(Opts));
reset(_, _, _) -> ok.

scope() -> local.
scope(_) -> local.

%%% ---------------------------------------------------------------- reads

%% @doc The value at Path (through links), or the names of a group.
read(Opts, #{<<"read">> := Path}, _NodeOpts) when is_binary(Path) ->
    %% The common call, without the closures of with_path/2 (about a third
    %% of a small read's time in Erlang; docs/DECISIONS.md).
    try alder_nif:store_get(alder_store:env(Opts), Path) of
        not_found -> {error, not_found};
        Other -> Other
    catch
        error:{alder_store, Reason} -> {error, Reason};
        error:badarg -> {error, {badarg, <<"StoreOpts">>}}
    end;
read(Opts, #{<<"read">> := Path}, _NodeOpts) ->
    with_path(Path, fun(P) ->
        Env = alder_store:env(Opts),
        case alder_nif:store_get(Env, P) of
            not_found -> {error, not_found};
            Other -> Other
        end
    end);
read(_, _, _) ->
    {error, {badarg, <<"read needs #{<<\"read\">> => Path}">>}}.

%% @doc Whether Path resolves to a value (simple) or a group (composite).
type(Opts, #{<<"type">> := Path}, _NodeOpts) ->
    with_path(Path, fun(P) ->
        case alder_nif:store_type(alder_store:env(Opts), P) of
            not_found -> {error, not_found};
            T when is_atom(T) -> {ok, T};
            Error -> Error
        end
    end);
type(_, _, _) ->
    {error, {badarg, <<"type needs #{<<\"type\">> => Path}">>}}.

%% @doc The names of the group Path resolves to.
list(Opts, #{<<"list">> := Path}, _NodeOpts) ->
    with_path(Path, fun(P) -> not_found_error(alder_nif:store_list(alder_store:env(Opts), P)) end);
list(_, _, _) ->
    {error, {badarg, <<"list needs #{<<\"list\">> => Path}">>}}.

%% @doc The path Path resolves to.
resolve(Opts, #{<<"resolve">> := Path}, _NodeOpts) ->
    with_path(Path, fun(P) ->
        case alder_nif:store_resolve(alder_store:env(Opts), P) of
            not_found -> {ok, P};  % a cycle: the path as given, as upstream
            Other -> Other
        end
    end);
resolve(_, _, _) ->
    {error, {badarg, <<"resolve needs #{<<\"resolve\">> => Path}">>}}.

%% @doc The ids X such that X/Key is a link to Path for every {Key, Path}.
match(Opts, Template, _NodeOpts) when is_map(Template) ->
    match(Opts, maps:to_list(Template), #{});
match(Opts, Pairs, _NodeOpts) when is_list(Pairs), Pairs =/= [] ->
    case paths([P || {_, _} = P <- Pairs], fun({K, V}) -> {to_path(K), to_path(V)} end) of
        {ok, Converted} when length(Converted) =:= length(Pairs) ->
            guard(fun() ->
                case alder_nif:store_match(alder_store:env(Opts), Converted) of
                    {ok, []} -> {error, not_found};
                    Other -> Other
                end
            end);
        _ ->
            {error, {badarg, <<"match needs a map or list of {Key, Path}">>}}
    end;
match(_, _, _) ->
    {error, {badarg, <<"match needs a map or list of {Key, Path}">>}}.

%%% --------------------------------------------------------------- writes

%% @doc Writes every Path => Value of Req in one transaction.
write(Opts, Req, _NodeOpts) when is_map(Req) ->
    Convert = fun({K, V}) when is_binary(V) -> {write, to_path(K), V};
                 (_) -> erlang:error(badarg)
              end,
    apply_ops(Opts, maps:to_list(Req), Convert, <<"write needs #{Path => binary()}">>);
write(_, _, _) ->
    {error, {badarg, <<"write needs #{Path => binary()}">>}}.

%% @doc Makes Path a group (a no-op when it is one).
group(Opts, #{<<"group">> := Path}, _NodeOpts) ->
    apply_ops(Opts, [Path], fun(P) -> {group, to_path(P)} end,
              <<"group needs #{<<\"group\">> => Path}">>);
group(_, _, _) ->
    {error, {badarg, <<"group needs #{<<\"group\">> => Path}">>}}.

%% @doc Makes every New of Req a link to its Existing, in one transaction.
link(Opts, Req, _NodeOpts) when is_map(Req) ->
    apply_ops(Opts, maps:to_list(Req), fun({New, Existing}) -> {link, to_path(Existing), to_path(New)} end,
              <<"link needs #{New => Existing}">>);
link(_, _, _) ->
    {error, {badarg, <<"link needs #{New => Existing}">>}}.

%%% ---------------------------------------------------------------- paths

%% @doc A path as hb_path:to_binary/1 forms it (empty segments are left in:
%% the path store drops them). Raises badarg for anything else.
to_path(P) when is_binary(P) -> P;
to_path(P) when is_atom(P), P =/= undefined -> atom_to_binary(P);
to_path(P) when is_integer(P) -> integer_to_binary(P);
to_path([]) -> <<>>;
to_path(P) when is_list(P) ->
    case io_lib:printable_unicode_list(P) of
        true -> unicode:characters_to_binary(P);
        false -> iolist_to_binary(lists:join(<<"/">>, [to_path(S) || S <- P]))
    end;
to_path(_) -> erlang:error(badarg).

%%% ------------------------------------------------------------- internal

%% Converts every item with Convert (which raises badarg for a bad one) and
%% applies the ops in one write transaction; refused whole when any is bad
%% or the store is read-only.
apply_ops(#{<<"read-only">> := true}, _Items, _Convert, _What) ->
    {error, read_only};
apply_ops(Opts, Items, Convert, What) ->
    case paths(Items, Convert) of
        {ok, []} -> ok;
        {ok, [{write, P, V}]} ->
            %% One value: store_write, the same one-write txn, which commits
            %% on a normal scheduler when nothing in it can wait
            %% (c_src/nif_store.cc); store_apply always runs dirty.
            guard(fun() -> alder:await_writer(fun() -> alder_nif:store_write(alder_store:env(Opts), P, V) end) end);
        {ok, Ops} -> guard(fun() -> alder:await_writer(fun() -> alder_nif:store_apply(alder_store:env(Opts), Ops) end) end);
        error -> {error, {badarg, What}}
    end.

paths(Items, Convert) ->
    try {ok, [Convert(I) || I <- Items]}
    catch error:_ -> error
    end.

with_path(Path, Fun) when is_binary(Path) ->
    guard(fun() -> Fun(Path) end);
with_path(Path, Fun) ->
    case paths([Path], fun to_path/1) of
        {ok, [P]} -> guard(fun() -> Fun(P) end);
        error -> {error, {badarg, <<"path">>}}
    end.

not_found_error(not_found) -> {error, not_found};
not_found_error(Other) -> Other.

ok_or_badarg({error, badarg}) -> {error, {badarg, <<"name">>}};
ok_or_badarg(Other) -> Other.

%% Turns a store that cannot be opened and a badarg from the NIF into
%% {error, Reason}: a callback answers, it does not raise.
guard(Fun) ->
    try Fun()
    catch
        error:{alder_store, {badarg, _} = Reason} -> {error, Reason};
        error:{alder_store, Reason} -> {error, Reason};
        error:badarg -> {error, {badarg, <<"StoreOpts">>}}
    end.
