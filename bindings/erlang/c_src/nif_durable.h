// Durable writes without holding a dirty scheduler through the sync.
//
// With Durability::sync the engine shares one fdatasync among the commits
// made while it runs (group commit, src/txn/group_commit.h). A write NIF
// that waited for its commit's sync on a dirty I/O scheduler would hold that
// scheduler for the whole sync; with the VM's 10 dirty I/O schedulers, at
// most 10 writes could then share a sync however many processes write. So a
// durable store write commits with CommitFlags::no_wait (returning as soon
// as its pages are written, before the sync) and hands the wait to this
// object: one thread per env that waits (Env::wait_durable) for the newest
// pending commit and then sends each waiting process
// {alder_durable, Ref, ok | {error, Reason}}. The Erlang side (alder_store)
// receives it before its write returns, so write/3's contract is unchanged:
// it returns once the write is durable.
//
// Reads stay never-stale: before sending the replies the thread bumps the
// env's commit count (EnvRes::commits, nif_snap.h), so a process that got
// its reply takes a fresh snapshot on its next read.
//
// Lifetime: created with the env when it is opened with durability sync;
// stop() (close, and the resource destructor) waits for the pending
// commits, replies to every waiter and joins the thread before the env is
// closed. Thread-safe.
#pragma once

#include <erl_nif.h>

#include <alder/alder.hpp>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace alder_nif {

struct EnvRes;

class DurableNotifier {
 public:
  /// `env` must stay open until stop() returns.
  DurableNotifier(EnvRes& owner, alder::Env& env);
  ~DurableNotifier();  // stop()
  DurableNotifier(const DurableNotifier&) = delete;
  DurableNotifier& operator=(const DurableNotifier&) = delete;

  /// Sends `pid` {alder_durable, Ref, Result} once commit `txnid` is
  /// durable (or its sync failed). `ref` is copied. Throws std::bad_alloc.
  void add(ErlNifPid pid, ERL_NIF_TERM ref, std::uint64_t txnid);
  /// Replies to every waiter (after their commits' syncs) and joins.
  void stop();

 private:
  struct Waiter {
    ErlNifPid pid;
    ErlNifEnv* msg_env;  // owns the ref copy, then the message
    ERL_NIF_TERM ref;
    std::uint64_t txnid;
  };
  void run();

  EnvRes& owner_;
  alder::Env& env_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Waiter> pending_;  // guarded by mu_
  bool stop_ = false;            // guarded by mu_
  std::thread thread_;
};

}  // namespace alder_nif
