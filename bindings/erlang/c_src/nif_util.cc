// Atoms, conversions and counters shared by the NIF functions (nif_util.h).
#include "nif_util.h"

#include <atomic>
#include <cstring>
#include <new>

#include "nif_snap.h"

namespace alder_nif {

Atoms atoms;

namespace {

// Per-thread-slot counters (this_thread_slot(), nif_snap.h), one cache
// line each: one global array took every NIF call's increment on the same
// line from every scheduler thread.
struct alignas(64) ThreadCalls {
  std::atomic<std::uint64_t> by_type[4];
};
ThreadCalls g_thread_calls[SnapCache::kSlots];

ERL_NIF_TERM atom(ErlNifEnv* env, const char* name) { return enif_make_atom(env, name); }

}  // namespace

void init_atoms(ErlNifEnv* env) {
  atoms.ok = atom(env, "ok");
  atoms.error = atom(env, "error");
  atoms.not_found = atom(env, "not_found");
  atoms.wait = atom(env, "wait");
  atoms.true_ = atom(env, "true");
  atoms.false_ = atom(env, "false");
  atoms.undefined = atom(env, "undefined");
  atoms.infinity = atom(env, "infinity");
  atoms.simple = atom(env, "simple");
  atoms.composite = atom(env, "composite");
  atoms.read = atom(env, "read");
  atoms.write = atom(env, "write");
  atoms.enomem = atom(env, "enomem");
  atoms.internal = atom(env, "internal");
  atoms.no_path_store = atom(env, "no_path_store");
  atoms.not_write_txn = atom(env, "not_write_txn");
  atoms.writer_free = atom(env, "$alder_writer_free");
}

ERL_NIF_TERM make_error(ErlNifEnv* env, ERL_NIF_TERM reason) {
  return enif_make_tuple2(env, atoms.error, reason);
}

ERL_NIF_TERM make_ok(ErlNifEnv* env, ERL_NIF_TERM term) {
  return enif_make_tuple2(env, atoms.ok, term);
}

ERL_NIF_TERM error_for(ErlNifEnv* env, alder::ErrorCode code) {
  using C = alder::ErrorCode;
  const char* name = "internal";
  switch (code) {
    case C::ok: name = "ok"; break;
    case C::key_exists: name = "key_exists"; break;
    case C::not_found: name = "not_found"; break;
    case C::empty_key: name = "empty_key"; break;
    case C::key_too_large: name = "key_too_large"; break;
    case C::value_too_large: name = "value_too_large"; break;
    case C::read_only: name = "read_only"; break;
    case C::txn_finished: name = "txn_finished"; break;
    case C::env_closed: name = "env_closed"; break;
    case C::unknown_db: name = "unknown_db"; break;
    case C::busy: name = "busy"; break;
    case C::corrupted: name = "corrupted"; break;
    case C::not_alder_file: name = "not_alder_file"; break;
    case C::version_mismatch: name = "version_mismatch"; break;
    case C::io_error: name = "io_error"; break;
    case C::no_space: name = "no_space"; break;
    case C::map_full: name = "map_full"; break;
    case C::dbs_full: name = "dbs_full"; break;
    case C::invalid_argument: name = "invalid_argument"; break;
    case C::locked: name = "locked"; break;
    case C::bad_dbi: name = "bad_dbi"; break;
    case C::append_order: name = "append_order"; break;
    case C::env_failed: name = "env_failed"; break;
    case C::bad_txn: name = "bad_txn"; break;
  }
  return make_error(env, atom(env, name));
}

bool get_bytes(ErlNifEnv* env, ERL_NIF_TERM term, std::string_view* out) {
  ErlNifBinary bin;
  if (!enif_inspect_iolist_as_binary(env, term, &bin)) return false;
  *out = std::string_view(reinterpret_cast<const char*>(bin.data), bin.size);
  return true;
}

bool get_limit(ErlNifEnv* env, ERL_NIF_TERM term, std::uint64_t* out) {
  if (enif_is_identical(term, atoms.infinity)) {
    *out = UINT64_MAX;
    return true;
  }
  ErlNifUInt64 v;
  if (!enif_get_uint64(env, term, &v)) return false;
  *out = v;
  return true;
}

ERL_NIF_TERM make_binary(ErlNifEnv* env, std::string_view bytes) {
  ERL_NIF_TERM term;
  unsigned char* p = enif_make_new_binary(env, bytes.size(), &term);
  if (!p) throw std::bad_alloc();
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return term;
}

void note_thread() {
  // A thread's type never changes: asked once per thread.
  thread_local const int type = [] {
    const int t = enif_thread_type();
    return t < 0 || t > 3 ? 0 : t;
  }();
  thread_local ThreadCalls& mine = g_thread_calls[this_thread_slot() % SnapCache::kSlots];
  mine.by_type[type].fetch_add(1, std::memory_order_relaxed);
}

ERL_NIF_TERM thread_counts(ErlNifEnv* env) {
  ERL_NIF_TERM keys[4] = {atom(env, "other"), atom(env, "normal"), atom(env, "dirty_cpu"),
                          atom(env, "dirty_io")};
  ERL_NIF_TERM vals[4];
  for (int i = 0; i < 4; ++i) {
    std::uint64_t n = 0;
    for (const ThreadCalls& c : g_thread_calls) n += c.by_type[i].load(std::memory_order_relaxed);
    vals[i] = enif_make_uint64(env, n);
  }
  ERL_NIF_TERM map;
  enif_make_map_from_arrays(env, keys, vals, 4, &map);
  return map;
}

}  // namespace alder_nif
