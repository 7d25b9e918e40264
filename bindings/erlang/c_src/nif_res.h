// The NIF's two resource types and the rules that keep them safe.
//
// EnvRes: one open alder::Env (plus its PathStore when opened with the
// path_store flag). TxnRes: one engine read or write transaction, or one
// PathStore batch (a write transaction). Each TxnRes keeps its EnvRes alive
// (enif_keep_resource), so an EnvRes is destroyed only after all its TxnRes.
//
// Locks, always taken in this order (each may be skipped):
//   EnvRes::mu (shared: any call using env/store; exclusive: close, reset)
//   -> EnvRes::reg_mu (the registry of live TxnRes)
//   -> TxnRes::mu (one call at a time on a transaction)
//   -> EnvRes::wmu (the writer gate; a leaf)
// Calls on a TxnRes take only TxnRes::mu; close and reset finish every
// registered TxnRes first, so a transaction of a closed env answers
// txn_finished and never touches a closed Env.
//
// The writer gate. The engine has one writer, and begin_write waits for it.
// A dirty scheduler must never wait for a write transaction that an Erlang
// process holds open for an unbounded time (an explicit write txn or a
// batch): with enough such waits every dirty I/O scheduler would be stuck,
// including the one needed to commit. So "long" writers (write txn, batch)
// and "short" writers (one-shot put/del/store writes, sync, which finish
// within the call) pass the gate: a short writer may enter unless a long
// one is open; a long writer may enter when no writer of either kind is
// in. A caller that cannot enter gets `wait`; its pid is queued and sent
// the atom '$alder_writer_free' when the gate opens, and the Erlang side
// retries then (alder.erl). The holder of a long writer gets {error, busy}
// instead of `wait` (it would wait for itself).
#pragma once

#include <erl_nif.h>

#include <alder/alder.hpp>
#include <alder/path_store.hpp>

#include <atomic>
#include <cstdint>

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <vector>

#include "nif_durable.h"
#include "nif_snap.h"

namespace alder_nif {

struct TxnRes;

struct EnvRes {
  std::shared_mutex mu;
  std::unique_ptr<alder::Env> env;         ///< null once closed
  std::unique_ptr<alder::PathStore> store;  ///< null unless opened with path_store
  /// Durability::sync envs: answers durable store writes once their group's
  /// sync is done (nif_durable.h). Stopped before env is closed.
  std::unique_ptr<DurableNotifier> notifier;
  /// Opened read_only: another OS process may write, so reads are not cached.
  bool read_only = false;
  std::uint32_t max_link_hops = 64;  ///< the store's, for the normal-scheduler bound
  /// Bumped after every write through the gate, and by reset (nif_snap.h).
  std::atomic<std::uint64_t> commits{0};
  /// Per-thread cached read snapshots of store (nif_snap.h). Declared after
  /// store and env; still cleared explicitly before either goes away.
  SnapCache snaps;

  std::mutex reg_mu;
  std::set<TxnRes*> txns;  ///< live TxnRes of this env

  std::mutex wmu;
  bool long_writer = false;
  ErlNifPid long_owner{};
  int short_writers = 0;
  std::vector<ErlNifPid> waiters;
};

struct TxnRes {
  EnvRes* env = nullptr;  ///< kept alive with enif_keep_resource
  std::mutex mu;
  std::optional<alder::Txn> txn;                     ///< engine txn, while live
  std::optional<alder::PathStore::Batch> batch;      ///< store batch, while live
  bool holds_long_writer = false;
};

extern ErlNifResourceType* g_env_type;
extern ErlNifResourceType* g_txn_type;

/// Opens the resource types; called from load. False on failure.
bool open_resource_types(ErlNifEnv* env);

/// The EnvRes behind a term, or null when the term is not one.
EnvRes* get_env_res(ErlNifEnv* env, ERL_NIF_TERM term);
/// The TxnRes behind a term, or null when the term is not one.
TxnRes* get_txn_res(ErlNifEnv* env, ERL_NIF_TERM term);

enum class Gate { entered, wait, busy };
/// Enters the gate as a short writer (see above). On `wait` the caller's
/// pid is queued. Call leave_short exactly once after `entered`.
Gate enter_short(ErlNifEnv* caller, EnvRes& e);
void leave_short(ErlNifEnv* caller, EnvRes& e);
/// Enters as the long writer (see above); leave_long when its txn ends.
Gate enter_long(ErlNifEnv* caller, EnvRes& e);
void leave_long(ErlNifEnv* caller, EnvRes& e);
/// The term for a gate refusal: `wait` or {error, busy}.
ERL_NIF_TERM gate_refusal(ErlNifEnv* caller, Gate g);

/// Short-writer scope: enters on construction; `entered()` says whether it
/// did; leaves on destruction.
class ShortWriter {
 public:
  ShortWriter(ErlNifEnv* caller, EnvRes& e) : caller_(caller), e_(e), g_(enter_short(caller, e)) {}
  ~ShortWriter() {
    if (g_ == Gate::entered) leave_short(caller_, e_);
  }
  ShortWriter(const ShortWriter&) = delete;
  ShortWriter& operator=(const ShortWriter&) = delete;
  bool entered() const { return g_ == Gate::entered; }
  ERL_NIF_TERM refusal() const { return gate_refusal(caller_, g_); }

 private:
  ErlNifEnv* caller_;
  EnvRes& e_;
  Gate g_;
};

/// Ends a transaction (abort when still live), releases the writer gate if
/// it held it. Caller holds t.mu. Never throws.
void finish_txn(ErlNifEnv* caller, TxnRes& t);
/// Finishes every registered transaction of e. Caller holds e.mu
/// exclusively. Never throws.
void finish_all_txns(ErlNifEnv* caller, EnvRes& e);
/// Registers a new TxnRes (already holding its txn or batch) with e and
/// returns its term; the term owns the only reference.
ERL_NIF_TERM register_txn(ErlNifEnv* caller, EnvRes& e, TxnRes* t);
/// A new, unregistered TxnRes for e (keeps e alive). Throws std::bad_alloc.
TxnRes* new_txn_res(EnvRes& e);

}  // namespace alder_nif
