#include "nif_durable.h"

#include <algorithm>

#include "nif_res.h"
#include "nif_util.h"

namespace alder_nif {

DurableNotifier::DurableNotifier(EnvRes& owner, alder::Env& env)
    : owner_(owner), env_(env), thread_([this] { run(); }) {}

DurableNotifier::~DurableNotifier() { stop(); }

void DurableNotifier::add(ErlNifPid pid, ERL_NIF_TERM ref, std::uint64_t txnid) {
  ErlNifEnv* msg_env = enif_alloc_env();
  if (!msg_env) throw std::bad_alloc();
  Waiter w{pid, msg_env, enif_make_copy(msg_env, ref), txnid};
  {
    std::lock_guard<std::mutex> lk(mu_);
    pending_.push_back(w);
  }
  cv_.notify_one();
}

void DurableNotifier::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void DurableNotifier::run() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return stop_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, nobody left to answer
    std::vector<Waiter> batch;
    batch.swap(pending_);
    lk.unlock();
    std::uint64_t target = 0;
    for (const Waiter& w : batch) target = std::max(target, w.txnid);
    // One wait covers every commit up to the newest: the engine's group
    // commit has already started the sync (or is running one).
    ERL_NIF_TERM reason = 0;
    ErlNifEnv* scratch = enif_alloc_env();
    try {
      env_.wait_durable(target);
    } catch (const alder::Error& e) {
      reason = error_for(scratch, e.code());
    } catch (...) {
      reason = make_error(scratch, atoms.internal);
    }
    if (!reason) owner_.commits.fetch_add(1, std::memory_order_acq_rel);  // fresh snapshots
    for (Waiter& w : batch) {
      ERL_NIF_TERM result = reason ? enif_make_copy(w.msg_env, reason) : atoms.ok;
      ERL_NIF_TERM msg = enif_make_tuple3(w.msg_env, enif_make_atom(w.msg_env, "alder_durable"),
                                          w.ref, result);
      enif_send(nullptr, &w.pid, w.msg_env, msg);  // a dead process: dropped
      enif_free_env(w.msg_env);
    }
    enif_free_env(scratch);
    lk.lock();
  }
}

}  // namespace alder_nif
