// Shared helpers of the alder NIF: atoms, term <-> bytes conversions, the
// exception guard every NIF body runs in, and the scheduler counters.
//
// Conventions for every NIF function of this library:
//   * a term of the wrong type raises badarg (enif_make_badarg);
//   * an engine or store failure returns {error, Reason}, Reason an atom
//     named after alder::ErrorCode (key_too_large, env_closed, ...);
//   * nothing ever throws across the NIF boundary (guarded()).
#pragma once

#include <erl_nif.h>

#include <alder/alder.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace alder_nif {

/// Atoms created once at load (atoms are global in the VM).
struct Atoms {
  ERL_NIF_TERM ok, error, not_found, wait, true_, false_, undefined, infinity;
  ERL_NIF_TERM simple, composite;
  ERL_NIF_TERM read, write;
  ERL_NIF_TERM enomem, internal, no_path_store, not_write_txn;
  ERL_NIF_TERM writer_free;  ///< message sent to processes waiting for the writer
};
extern Atoms atoms;

/// Creates the atoms; called from the load callback (any scheduler).
void init_atoms(ErlNifEnv* env);

/// {error, Reason}.
ERL_NIF_TERM make_error(ErlNifEnv* env, ERL_NIF_TERM reason);
/// {error, Atom} for an engine error code (e.g. key_too_large).
ERL_NIF_TERM error_for(ErlNifEnv* env, alder::ErrorCode code);
/// {ok, Term}.
ERL_NIF_TERM make_ok(ErlNifEnv* env, ERL_NIF_TERM term);

/// Views an iodata term (binary or iolist) as bytes. A binary is viewed in
/// place (no copy); an iolist is flattened into a temporary binary owned by
/// env. The view is valid until the NIF call returns. False when the term is
/// not iodata.
bool get_bytes(ErlNifEnv* env, ERL_NIF_TERM term, std::string_view* out);
/// Reads a non-negative integer; the atom infinity gives UINT64_MAX.
bool get_limit(ErlNifEnv* env, ERL_NIF_TERM term, std::uint64_t* out);

/// A new binary holding a copy of bytes (the one copy out of the map, or
/// out of an owned std::string). Throws std::bad_alloc when the VM cannot
/// allocate it.
ERL_NIF_TERM make_binary(ErlNifEnv* env, std::string_view bytes);

/// {ok, [{K, V}]}: at most limit entries of the main db whose key starts
/// with prefix, in key order, read through txn (copies). nif_kv.cc.
ERL_NIF_TERM prefix_entries(ErlNifEnv* env, alder::Txn& txn, std::string_view prefix,
                            std::uint64_t limit);

/// Counts the calls made on each kind of scheduler thread, by
/// enif_thread_type() (index 0 undefined, 1 normal, 2 dirty CPU, 3 dirty
/// I/O). Thread-safe (atomic counters).
void note_thread();
/// The counters as a map #{normal, dirty_cpu, dirty_io, other}.
ERL_NIF_TERM thread_counts(ErlNifEnv* env);

/// Runs f() and turns every exception into a term: alder::Error into
/// {error, Code}, std::bad_alloc into {error, enomem}, anything else into
/// {error, internal}. f returns ERL_NIF_TERM.
template <class F>
ERL_NIF_TERM guarded(ErlNifEnv* env, F&& f) {
  note_thread();
  try {
    return f();
  } catch (const alder::Error& e) {
    return error_for(env, e.code());
  } catch (const std::bad_alloc&) {
    return make_error(env, atoms.enomem);
  } catch (...) {
    return make_error(env, atoms.internal);
  }
}

}  // namespace alder_nif
