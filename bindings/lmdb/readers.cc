// mdb_reader_list / mdb_reader_check. Readers of this process come from the
// shim's own txn list (live ones with the snapshot they see, reset ones as
// "-", with their pthread_t as LMDB shows it); readers of other processes
// from alder::Env::readers(), which reads them from the lock file's reader
// table (read-only envs register there). Their thread is not recorded
// there: the column shows 0.
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "shim.h"

using namespace alder_lmdb;

namespace {

struct Line {
  int pid;
  size_t thread;
  bool reset;
  uint64_t txnid;  // LMDB's count
};

// Under env->mu (a reopen must not swap the alder env meanwhile).
std::vector<Line> reader_lines(MDB_env* env) {
  std::vector<Line> out;
  const int self = int(::getpid());
  for (const MDB_txn* t : env->txns)
    if (t->rdonly) out.push_back({self, size_t(t->tid), !active(t), t->id});
  if (!env->env) return out;
  // Other processes' snapshots. This process's own appear there too (its
  // txns above, and the listing's own read txn): left out by pid, which
  // also leaves out other alder envs of this process on the same file.
  for (const alder::ReaderInfo& r : env->env->readers())
    if (int(r.pid) != self) out.push_back({int(r.pid), 0, false, r.txnid - kTxnIdOffset});
  return out;
}

}  // namespace

extern "C" {

// LMDB's format: a header line, then "%10d %zx %zu" (pid, thread, txn id)
// or "%10d %zx -" for a reset slot; "(no active readers)" when none.
int mdb_reader_list(MDB_env* env, MDB_msg_func* func, void* ctx) {
  if (!env || !func) return -1;
  std::vector<Line> lines;
  try {
    std::lock_guard lk(env->mu);
    lines = reader_lines(env);
  } catch (const std::exception& e) {
    debug_note("mdb_reader_list", e.what());
    return -1;
  }
  if (lines.empty()) return func("(no active readers)\n", ctx);
  int rc = func("    pid     thread     txnid\n", ctx);
  for (size_t i = 0; i < lines.size() && rc >= 0; i++) {
    char buf[64];
    const Line& l = lines[i];
    if (l.reset)
      std::snprintf(buf, sizeof buf, "%10d %zx -\n", l.pid, l.thread);
    else
      std::snprintf(buf, sizeof buf, "%10d %zx %" PRIu64 "\n", l.pid, l.thread, l.txnid);
    rc = func(buf, ctx);
  }
  return rc;
}

// Frees the lock file's slots of processes that no longer exist and counts
// them (alder::Env::clear_stale_readers).
int mdb_reader_check(MDB_env* env, int* dead) {
  return guard("mdb_reader_check", [&] {
    if (!env) return EINVAL;
    std::lock_guard lk(env->mu);
    const size_t n = env->env ? env->env->clear_stale_readers() : 0;  // not open: none (LMDB's 0)
    if (dead) *dead = int(std::min<size_t>(n, INT32_MAX));
    return MDB_SUCCESS;
  });
}

}  // extern "C"
