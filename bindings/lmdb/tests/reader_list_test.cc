// mdb_reader_list and mdb_reader_check with readers in other processes,
// run on the real liblmdb and on the shim alike: a child process opens the
// environment read-only and holds a read txn; the parent's list must show
// it (pid and txn id; the thread column is the child's pthread_t in LMDB,
// which alder does not know for another process: 0). A child that exits
// without ending its read txn leaves a stale slot that mdb_reader_check
// clears and counts.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "lmdb_api.h"

namespace {

using lmdb_test::Api;
using lmdb_test::TempDir;
using lmdb_test::real;
using lmdb_test::shim;

int collect(const char* msg, void* ctx) {
  static_cast<std::string*>(ctx)->append(msg);
  return 0;
}

// The txn id listed for pid, or -1 when no line has that pid.
long long listed_txnid(const std::string& text, pid_t pid) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    int p;
    char thread[32], txnid[32];
    if (std::sscanf(line.c_str(), "%d %31s %31s", &p, thread, txnid) == 3 && p == pid)
      return std::strcmp(txnid, "-") == 0 ? -2 : std::atoll(txnid);
  }
  return -1;
}

// A child that opens `dir` read-only, begins a read txn, reports on `ready`
// and then either waits for a byte on `go` (and ends cleanly) or, with
// `crash`, exits at once without ending anything.
pid_t start_reader(Api& api, const std::string& dir, bool crash, int* ready_fd, int* go_fd) {
  int ready[2], go[2];
  if (::pipe(ready) != 0 || ::pipe(go) != 0) return -1;
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ready[0]);
    ::close(go[1]);
    MDB_env* env;
    MDB_txn* txn;
    if (api.mdb_env_create(&env) || api.mdb_env_open(env, dir.c_str(), MDB_RDONLY, 0644) ||
        api.mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn))
      ::_exit(2);
    char c = 'r';
    if (::write(ready[1], &c, 1) != 1) ::_exit(3);
    if (crash) ::_exit(0);
    if (::read(go[0], &c, 1) != 1) ::_exit(4);
    api.mdb_txn_abort(txn);
    api.mdb_env_close(env);
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(go[0]);
  *ready_fd = ready[0];
  *go_fd = go[1];
  return pid;
}

MDB_env* open_with_commits(Api& api, const std::string& dir, int commits) {
  MDB_env* env;
  EXPECT_EQ(api.mdb_env_create(&env), 0);
  EXPECT_EQ(api.mdb_env_open(env, dir.c_str(), 0, 0644), 0);
  for (int i = 0; i < commits; i++) {
    MDB_txn* txn;
    MDB_dbi dbi;
    EXPECT_EQ(api.mdb_txn_begin(env, nullptr, 0, &txn), 0);
    EXPECT_EQ(api.mdb_dbi_open(txn, nullptr, 0, &dbi), 0);
    std::string k = "k" + std::to_string(i);
    MDB_val key{k.size(), k.data()}, val{1, (void*)"v"};
    EXPECT_EQ(api.mdb_put(txn, dbi, &key, &val, 0), 0);
    EXPECT_EQ(api.mdb_txn_commit(txn), 0);
  }
  return env;
}

class ReaderList : public ::testing::TestWithParam<bool> {
 protected:
  Api& api() { return GetParam() ? shim() : real(); }
};

TEST_P(ReaderList, ListsAReaderOfAnotherProcess) {
  TempDir d;
  MDB_env* env = open_with_commits(api(), d.path, 3);
  int ready, go;
  const pid_t child = start_reader(api(), d.path, false, &ready, &go);
  ASSERT_GT(child, 0);
  char c;
  ASSERT_EQ(::read(ready, &c, 1), 1);
  std::string text;
  ASSERT_GE(api().mdb_reader_list(env, collect, &text), 0);
  EXPECT_EQ(listed_txnid(text, child), 3) << text;  // the child's snapshot: txn 3
  EXPECT_EQ(text.rfind("    pid     thread     txnid\n", 0), 0u) << text;
  ASSERT_EQ(::write(go, "g", 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  text.clear();
  ASSERT_GE(api().mdb_reader_list(env, collect, &text), 0);
  EXPECT_EQ(text, "(no active readers)\n");
  ::close(ready);
  ::close(go);
  api().mdb_env_close(env);
}

TEST_P(ReaderList, ReaderCheckClearsACrashedReadersSlot) {
  TempDir d;
  MDB_env* env = open_with_commits(api(), d.path, 2);
  int ready, go;
  const pid_t child = start_reader(api(), d.path, true, &ready, &go);
  ASSERT_GT(child, 0);
  char c;
  ASSERT_EQ(::read(ready, &c, 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);  // gone, its read txn never ended
  int dead = -1;
  ASSERT_EQ(api().mdb_reader_check(env, &dead), 0);
  EXPECT_EQ(dead, 1);
  ASSERT_EQ(api().mdb_reader_check(env, &dead), 0);
  EXPECT_EQ(dead, 0);
  std::string text;
  ASSERT_GE(api().mdb_reader_list(env, collect, &text), 0);
  EXPECT_EQ(listed_txnid(text, child), -1) << text;
  ::close(ready);
  ::close(go);
  api().mdb_env_close(env);
}

INSTANTIATE_TEST_SUITE_P(RealAndShim, ReaderList, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "shim" : "liblmdb"; });

}  // namespace
