// Resource types, the writer gate and the transaction registry of the
// NIF (nif_res.h explains the rules they enforce).
#include "nif_res.h"

#include <new>

#include "nif_util.h"

namespace alder_nif {

ErlNifResourceType* g_env_type = nullptr;
ErlNifResourceType* g_txn_type = nullptr;

namespace {

void env_dtor(ErlNifEnv*, void* obj) {
  auto* e = static_cast<EnvRes*>(obj);
  // Every TxnRes keeps its EnvRes alive, so none is left here. Closing
  // syncs (no_sync modes): done here only when the owner never closed.
  try {
    if (e->notifier) e->notifier->stop();
    e->notifier.reset();
    e->snaps.clear();
    e->store.reset();
    if (e->env) e->env->close();
  } catch (...) {
  }
  e->~EnvRes();
}

void txn_dtor(ErlNifEnv* caller, void* obj) {
  auto* t = static_cast<TxnRes*>(obj);
  if (t->env) {
    {
      std::lock_guard<std::mutex> reg(t->env->reg_mu);
      t->env->txns.erase(t);
    }
    std::lock_guard<std::mutex> lk(t->mu);
    finish_txn(caller, *t);
  }
  EnvRes* e = t->env;
  t->~TxnRes();
  if (e) enif_release_resource(e);
}

void notify_waiters(ErlNifEnv* caller, EnvRes& e) {
  for (ErlNifPid& pid : e.waiters) enif_send(caller, &pid, nullptr, atoms.writer_free);
  e.waiters.clear();
}

bool self_pid(ErlNifEnv* caller, ErlNifPid* pid) { return enif_self(caller, pid) != nullptr; }

}  // namespace

bool open_resource_types(ErlNifEnv* env) {
  auto flags = static_cast<ErlNifResourceFlags>(ERL_NIF_RT_CREATE | ERL_NIF_RT_TAKEOVER);
  g_env_type = enif_open_resource_type(env, nullptr, "alder_env", env_dtor, flags, nullptr);
  g_txn_type = enif_open_resource_type(env, nullptr, "alder_txn", txn_dtor, flags, nullptr);
  return g_env_type && g_txn_type;
}

EnvRes* get_env_res(ErlNifEnv* env, ERL_NIF_TERM term) {
  void* p = nullptr;
  return enif_get_resource(env, term, g_env_type, &p) ? static_cast<EnvRes*>(p) : nullptr;
}

TxnRes* get_txn_res(ErlNifEnv* env, ERL_NIF_TERM term) {
  void* p = nullptr;
  return enif_get_resource(env, term, g_txn_type, &p) ? static_cast<TxnRes*>(p) : nullptr;
}

Gate enter_short(ErlNifEnv* caller, EnvRes& e) {
  std::lock_guard<std::mutex> lk(e.wmu);
  if (e.long_writer) {
    ErlNifPid self;
    if (!self_pid(caller, &self)) return Gate::busy;
    if (enif_compare_pids(&self, &e.long_owner) == 0) return Gate::busy;
    e.waiters.push_back(self);
    return Gate::wait;
  }
  ++e.short_writers;
  return Gate::entered;
}

/// After a writer leaves (its commit done, or failed): makes the next read
/// of every thread take a new snapshot, and ends idle stale ones.
void note_commit(EnvRes& e) {
  const std::uint64_t gen = e.commits.fetch_add(1, std::memory_order_acq_rel) + 1;
  e.snaps.drop_stale(gen);
}

void leave_short(ErlNifEnv* caller, EnvRes& e) {
  note_commit(e);
  std::lock_guard<std::mutex> lk(e.wmu);
  if (--e.short_writers == 0 && !e.waiters.empty()) notify_waiters(caller, e);
}

Gate enter_long(ErlNifEnv* caller, EnvRes& e) {
  std::lock_guard<std::mutex> lk(e.wmu);
  ErlNifPid self;
  if (!self_pid(caller, &self)) return Gate::busy;
  if (e.long_writer && enif_compare_pids(&self, &e.long_owner) == 0) return Gate::busy;
  if (e.long_writer || e.short_writers > 0) {
    e.waiters.push_back(self);
    return Gate::wait;
  }
  e.long_writer = true;
  e.long_owner = self;
  return Gate::entered;
}

void leave_long(ErlNifEnv* caller, EnvRes& e) {
  note_commit(e);
  std::lock_guard<std::mutex> lk(e.wmu);
  e.long_writer = false;
  notify_waiters(caller, e);
}

ERL_NIF_TERM gate_refusal(ErlNifEnv* caller, Gate g) {
  return g == Gate::wait ? atoms.wait : error_for(caller, alder::ErrorCode::busy);
}

void finish_txn(ErlNifEnv* caller, TxnRes& t) {
  if (t.batch) {
    t.batch->abort();
    t.batch.reset();
  }
  if (t.txn) {
    t.txn->abort();
    t.txn.reset();
  }
  if (t.holds_long_writer) {
    t.holds_long_writer = false;
    leave_long(caller, *t.env);
  }
}

void finish_all_txns(ErlNifEnv* caller, EnvRes& e) {
  std::lock_guard<std::mutex> reg(e.reg_mu);
  for (TxnRes* t : e.txns) {
    std::lock_guard<std::mutex> lk(t->mu);
    finish_txn(caller, *t);
  }
}

TxnRes* new_txn_res(EnvRes& e) {
  void* mem = enif_alloc_resource(g_txn_type, sizeof(TxnRes));
  if (!mem) throw std::bad_alloc();
  auto* t = new (mem) TxnRes();
  t->env = &e;
  enif_keep_resource(&e);
  return t;
}

ERL_NIF_TERM register_txn(ErlNifEnv* caller, EnvRes& e, TxnRes* t) {
  {
    std::lock_guard<std::mutex> reg(e.reg_mu);
    e.txns.insert(t);
  }
  ERL_NIF_TERM term = enif_make_resource(caller, t);
  enif_release_resource(t);
  return term;
}

}  // namespace alder_nif
