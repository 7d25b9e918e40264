// The single-path store reads (read, get, type, list, resolve), run on a
// normal scheduler with bounded work from a cached snapshot (nif_snap.h).
//
// A call that would exceed the bounds below is handed to a dirty I/O
// scheduler with enif_schedule_nif, which runs the same read without them:
//   * a path of more than kNormalMaxSegments segments, or a store whose
//     max_link_hops is above kNormalMaxHops (resolution does one lookup per
//     prefix and per hop);
//   * a value of more than kNormalMaxValueBytes (the copy into the binary);
//   * a group of more than kNormalMaxNames children (one binary per name);
//   * an env being closed or reset (its lock is taken exclusively: a normal
//     scheduler never waits for it).
// The bounds were chosen by measurement (docs/DECISIONS.md, "Small reads
// on normal schedulers"). A read that touches a page not in memory still
// waits for the disk on the normal scheduler: the price of the fast path;
// the mapped file of a node's store is normally resident.
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>

#include "nif_funcs.h"
#include "nif_res.h"
#include "nif_snap.h"
#include "nif_store_util.h"
#include "nif_util.h"

namespace alder_nif {

namespace {

constexpr std::size_t kNormalMaxValueBytes = 64 * 1024;
constexpr std::size_t kNormalMaxNames = 256;
constexpr std::size_t kNormalMaxSegments = 32;
constexpr std::uint32_t kNormalMaxHops = 64;

using NifFn = ERL_NIF_TERM (*)(ErlNifEnv*, int, const ERL_NIF_TERM[]);
using Snapshot = alder::PathStore::Snapshot;

bool small_path(const EnvRes& e, std::string_view path) {
  if (e.max_link_hops > kNormalMaxHops) return false;
  std::size_t segments = 1;
  for (char c : path) segments += c == '/';
  return segments <= kNormalMaxSegments;
}

/// Runs op(snapshot, path, normal) -> std::optional<ERL_NIF_TERM> for the
/// path read argv = [Env, Path]. On a normal scheduler (normal = true) op
/// answers nullopt when the result is over the bounds; then, and when the
/// path or the env's lock rules the fast path out, the call is rescheduled
/// as `dirty` on a dirty I/O scheduler (same arguments).
template <class Op>
ERL_NIF_TERM path_read(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[], bool normal,
                       const char* name, NifFn dirty, Op&& op) {
  EnvRes* e = get_env_res(env, argv[0]);
  std::string_view path;
  if (!e || !get_bytes(env, argv[1], &path)) return enif_make_badarg(env);
  bool reschedule = normal && !small_path(*e, path);
  ERL_NIF_TERM out = atoms.ok;
  if (!reschedule) {
    out = guarded(env, [&]() -> ERL_NIF_TERM {
      std::shared_lock<std::shared_mutex> lk(e->mu, std::defer_lock);
      if (!normal) {
        lk.lock();
      } else if (!lk.try_lock()) {
        reschedule = true;
        return atoms.ok;
      }
      if (!e->env) return error_for(env, alder::ErrorCode::env_closed);
      if (!e->store) return make_error(env, atoms.no_path_store);
      return with_snapshot(*e->store, e->snaps, e->commits, !e->read_only, [&](Snapshot& s) {
        std::optional<ERL_NIF_TERM> t = op(s, path, normal);
        if (!t) {
          reschedule = true;
          return atoms.ok;
        }
        return *t;
      });
    });
  }
  if (reschedule) return enif_schedule_nif(env, name, ERL_NIF_DIRTY_JOB_IO_BOUND, dirty, argc, argv);
  return out;
}

/// {ok, Value} | not_found; nullopt for a value too large on a normal scheduler.
std::optional<ERL_NIF_TERM> read_value(ErlNifEnv* env, Snapshot& s, std::string_view path, bool normal) {
  // The sink captures one pointer, so its std::function needs no heap
  // block (four captures by reference took a malloc and a free per read).
  struct Sink {
    ErlNifEnv* env;
    bool normal;
    bool too_big = false;
    ERL_NIF_TERM out = atoms.not_found;
  } k{env, normal};
  s.read_with(path, [p = &k](std::string_view v) {
    if (p->normal && v.size() > kNormalMaxValueBytes) {
      p->too_big = true;
    } else {
      p->out = make_ok(p->env, make_binary(p->env, v));  // the one copy: map -> binary
    }
  });
  if (k.too_big) return std::nullopt;
  return k.out;
}

/// {ok, [Name]} | not_found; nullopt for too many names on a normal scheduler.
std::optional<ERL_NIF_TERM> list_names(ErlNifEnv* env, Snapshot& s, std::string_view path, bool normal) {
  if (!normal) return names_term(env, s.list(path));
  std::optional<alder::ListPage> page = s.list(path, "", kNormalMaxNames);
  if (!page) return atoms.not_found;
  if (page->more) return std::nullopt;
  return names_term(env, std::optional<std::vector<std::string>>(std::move(page->names)));
}

// ------------------------------------------------------------ the reads

ERL_NIF_TERM read_impl(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[], bool normal);
ERL_NIF_TERM read_dirty(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  return read_impl(env, argc, argv, false);
}
ERL_NIF_TERM read_impl(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[], bool normal) {
  return path_read(env, argc, argv, normal, "store_read", read_dirty,
                   [&](Snapshot& s, std::string_view p, bool n) { return read_value(env, s, p, n); });
}

ERL_NIF_TERM get_impl(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[], bool normal);
ERL_NIF_TERM get_dirty(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  return get_impl(env, argc, argv, false);
}
ERL_NIF_TERM get_impl(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[], bool normal) {
  return path_read(env, argc, argv, normal, "store_get", get_dirty,
                   [&](Snapshot& s, std::string_view p, bool n) -> std::optional<ERL_NIF_TERM> {
                     std::optional<ERL_NIF_TERM> v = read_value(env, s, p, n);
                     if (!v || *v != atoms.not_found) return v;
                     if (s.type(p) != alder::PathType::composite) return atoms.not_found;
                     std::optional<ERL_NIF_TERM> names = list_names(env, s, p, n);
                     int arity;
                     const ERL_NIF_TERM* t;
                     if (!names || !enif_get_tuple(env, *names, &arity, &t) || arity != 2) return names;
                     return enif_make_tuple2(env, atoms.composite, t[1]);
                   });
}

ERL_NIF_TERM type_impl(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[], bool normal);
ERL_NIF_TERM type_dirty(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  return type_impl(env, argc, argv, false);
}
ERL_NIF_TERM type_impl(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[], bool normal) {
  return path_read(env, argc, argv, normal, "store_type", type_dirty,
                   [&](Snapshot& s, std::string_view p, bool) -> std::optional<ERL_NIF_TERM> {
                     return type_term(s.type(p));
                   });
}

ERL_NIF_TERM list_impl(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[], bool normal);
ERL_NIF_TERM list_dirty(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  return list_impl(env, argc, argv, false);
}
ERL_NIF_TERM list_impl(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[], bool normal) {
  return path_read(env, argc, argv, normal, "store_list", list_dirty,
                   [&](Snapshot& s, std::string_view p, bool n) { return list_names(env, s, p, n); });
}

ERL_NIF_TERM resolve_impl(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[], bool normal);
ERL_NIF_TERM resolve_dirty(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  return resolve_impl(env, argc, argv, false);
}
ERL_NIF_TERM resolve_impl(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[], bool normal) {
  return path_read(env, argc, argv, normal, "store_resolve", resolve_dirty,
                   [&](Snapshot& s, std::string_view p, bool) -> std::optional<ERL_NIF_TERM> {
                     return read_term(env, s.resolve(p));
                   });
}

}  // namespace

// store_read(Env, Path) -> {ok, Value} | not_found | {error, Reason}
ERL_NIF_TERM nif_store_read(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  return read_impl(env, argc, argv, true);
}

// store_get(Env, Path) -> {ok, Value} | {composite, [Name]} | not_found |
// {error, Reason}: the device-style read (alder_store_device:read/3), in
// one snapshot: the value Path resolves to, or the names of the group it
// resolves to.
ERL_NIF_TERM nif_store_get(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  return get_impl(env, argc, argv, true);
}

// store_type(Env, Path) -> simple | composite | not_found | {error, Reason}
ERL_NIF_TERM nif_store_type(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  return type_impl(env, argc, argv, true);
}

// store_list(Env, Path) -> {ok, [Name]} | not_found | {error, Reason}
ERL_NIF_TERM nif_store_list(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  return list_impl(env, argc, argv, true);
}

// store_resolve(Env, Path) -> {ok, ResolvedPath} | not_found (a cycle)
ERL_NIF_TERM nif_store_resolve(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]) {
  return resolve_impl(env, argc, argv, true);
}

}  // namespace alder_nif
