// mdb_reader_list / mdb_reader_check. The reader slots listed are this
// process's read txns (live ones with the snapshot they see, reset ones
// as "-"); alder's shared reader table is not part of its public API.
#include <unistd.h>

#include <cinttypes>
#include <cstdio>

#include "shim.h"

using namespace alder_lmdb;

extern "C" {

// LMDB's format: a header line, then "%10d %zx %zu" (pid, thread, txn id)
// or "%10d %zx -" for a reset slot; "(no active readers)" when none.
int mdb_reader_list(MDB_env* env, MDB_msg_func* func, void* ctx) {
  if (!env || !func) return -1;
  std::vector<std::string> lines;
  {
    std::lock_guard lk(env->mu);
    for (const MDB_txn* t : env->txns) {
      if (!t->rdonly) continue;
      char buf[64];
      const int pid = int(::getpid());
      const size_t tid = size_t(t->tid);
      if (active(t))
        std::snprintf(buf, sizeof buf, "%10d %zx %zu\n", pid, tid, size_t(t->id));
      else
        std::snprintf(buf, sizeof buf, "%10d %zx -\n", pid, tid);
      lines.emplace_back(buf);
    }
  }
  if (lines.empty()) return func("(no active readers)\n", ctx);
  int rc = func("    pid     thread     txnid\n", ctx);
  for (size_t i = 0; i < lines.size() && rc >= 0; i++) rc = func(lines[i].c_str(), ctx);
  return rc;
}

int mdb_reader_check(MDB_env* env, int* dead) {
  if (!env) return EINVAL;
  if (dead) *dead = 0;  // alder frees a dead process's reader slots itself
  return MDB_SUCCESS;
}

}  // extern "C"
