// Read txns that let go of their snapshot and take a new one (Txn::reset /
// Txn::renew, LMDB's mdb_txn_reset / mdb_txn_renew).
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <limits>
#include <thread>

#include "test_util.h"

namespace {

using alder::Env;
using alder::EnvOptions;
using alder::ErrorCode;
using alder::Txn;
using alder_test::TempDir;

void put(Env& env, const std::string& k, const std::string& v) {
  Txn w = env.begin_write();
  w.put(k, v);
  w.commit();
}

TEST(ReadTxnReset, RenewSeesTheNewestCommitAndResetRefusesUse) {
  TempDir dir;
  Env env = Env::open(dir.file());
  put(env, "a", "1");
  Txn r = env.begin_read();
  const uint64_t first = r.id();
  EXPECT_EQ(r.get("a").value_or(""), "1");
  put(env, "a", "2");
  EXPECT_EQ(r.get("a").value_or(""), "1");  // its snapshot
  r.reset();
  EXPECT_NO_THROW(r.reset());  // twice: no-op
  EXPECT_ALDER_ERROR(ErrorCode::txn_finished, r.get("a"));
  EXPECT_ALDER_ERROR(ErrorCode::txn_finished, r.cursor());
  EXPECT_EQ(env.stat().readers, 0u);  // a reset txn holds no snapshot
  r.renew();
  EXPECT_GT(r.id(), first);
  EXPECT_EQ(r.get("a").value_or(""), "2");
  EXPECT_EQ(env.stat().readers, 1u);
  r.renew();  // renew without reset: takes the newest again
  EXPECT_EQ(r.get("a").value_or(""), "2");
  r.abort();
  EXPECT_ALDER_ERROR(ErrorCode::txn_finished, r.renew());
  Txn w = env.begin_write();
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, w.reset());
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, w.renew());
}

TEST(ReadTxnReset, ACursorOfTheOldSnapshotRefusesToMove) {
  TempDir dir;
  Env env = Env::open(dir.file());
  put(env, "a", "1");
  put(env, "b", "2");
  Txn r = env.begin_read();
  alder::Cursor c = r.cursor();
  ASSERT_TRUE(c.first());
  r.reset();
  EXPECT_FALSE(c.valid());
  EXPECT_ALDER_ERROR(ErrorCode::txn_finished, c.next());
  r.renew();
  EXPECT_FALSE(c.valid());
  EXPECT_ALDER_ERROR(ErrorCode::txn_finished, c.next());
  alder::Cursor fresh = r.cursor();
  ASSERT_TRUE(fresh.first());
  EXPECT_EQ(fresh.key(), "a");
}

// A reset reader no longer holds pages back: while it is reset, a writer
// overwriting the same keys reuses pages and the file stops growing, as it
// does with no reader at all; while it holds a snapshot, the file grows.
TEST(ReadTxnReset, AResetReaderDoesNotHoldPagesBack) {
  TempDir dir;
  Env env = Env::open(dir.file());
  const std::string big(3000, 'x');
  for (int i = 0; i < 200; i++) put(env, "k" + std::to_string(i), big);
  auto churn = [&] {
    for (int round = 0; round < 5; round++)
      for (int i = 0; i < 200; i++) put(env, "k" + std::to_string(i), big + std::to_string(round));
  };
  churn();  // steady state
  Txn r = env.begin_read();
  const uint64_t used0 = env.stat().used_pages;
  churn();
  const uint64_t used_held = env.stat().used_pages;
  EXPECT_GT(used_held, used0 + 150) << "a live snapshot should pin its pages";
  r.reset();
  churn();
  churn();
  const uint64_t used_reset = env.stat().used_pages;
  EXPECT_LT(used_reset, used_held + 50) << "a reset reader still pins pages";
  r.renew();
  EXPECT_EQ(r.get("k0").value_or("").size(), big.size() + 1);
}

TEST(ConcurrencyReaders, RenewingReadersBesideAWriterSeeWholeCommits) {
  TempDir dir;
  Env env = Env::open(dir.file(), [] {
    EnvOptions o;
    o.durability = alder::Durability::no_sync;
    return o;
  }());
  put(env, "x", "0");
  put(env, "y", "0");
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 1; i <= 300; i++) {
      Txn w = env.begin_write();
      w.put("x", std::to_string(i));
      w.put("y", std::to_string(i));
      w.commit();
    }
    done = true;
  });
  std::vector<std::thread> readers;
  std::atomic<int> bad{0};
  for (int t = 0; t < 3; t++) {
    readers.emplace_back([&] {
      Txn r = env.begin_read();
      for (int i = 0; i < 3000 || !done.load(); i++) {
        if (r.get("x").value_or("?") != r.get("y").value_or("!")) bad++;
        r.reset();
        r.renew();
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace

namespace {

// Env::readers(): each live snapshot with its thread, id and age, and the
// pages only it keeps from reuse; reset readers are not listed.
TEST(EnvReaders, ListsSnapshotsAndThePagesOnlyTheyHold) {
  TempDir dir;
  Env env = Env::open(dir.file());
  const std::string big(3000, 'x');
  for (int i = 0; i < 100; i++) put(env, "k" + std::to_string(i), big);
  EXPECT_TRUE(env.readers().empty());
  Txn old_reader = env.begin_read();
  for (int i = 0; i < 100; i++) put(env, "k" + std::to_string(i), big + "2");
  Txn mid_reader = env.begin_read();
  put(env, "k0", big + "3");
  std::vector<alder::ReaderInfo> rs = env.readers();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].txnid, old_reader.id());
  EXPECT_EQ(rs[1].txnid, mid_reader.id());
  for (const auto& r : rs) {
    EXPECT_EQ(r.pid, uint32_t(::getpid()));
    EXPECT_NE(r.thread, 0u);
    EXPECT_GE(r.age_seconds, 0.0);
    EXPECT_LT(r.age_seconds, 60.0);
  }
  // The old reader alone holds the 100 values it sees (their overflow
  // pages were replaced by the next 100 commits); the middle one holds
  // what the last commit replaced.
  EXPECT_GE(rs[0].pages_held, 100u);
  EXPECT_GE(rs[1].pages_held, 1u);
  EXPECT_LT(rs[1].pages_held, rs[0].pages_held);
  old_reader.reset();
  rs = env.readers();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].txnid, mid_reader.id());
  // A reader in another thread is listed with that thread's id.
  std::thread([&] {
    Txn r = env.begin_read();
    std::vector<alder::ReaderInfo> now = env.readers();
    ASSERT_EQ(now.size(), 2u);
    EXPECT_NE(now[0].thread, now[1].thread);
  }).join();
}

TEST(SlowReader, CalledForTheReaderHoldingPagesUntilItLetsGo) {
  TempDir dir;
  Env env = Env::open(dir.file());
  const std::string big(3000, 'x');
  for (int i = 0; i < 50; i++) put(env, "k" + std::to_string(i), big);
  std::vector<alder::ReaderInfo> seen;
  env.set_slow_reader(40, [&](const alder::ReaderInfo& r) { seen.push_back(r); }, 0);
  Txn quick = env.begin_read();  // holds nothing that is ever freed
  quick.reset();
  Txn slow = env.begin_read();
  for (int i = 0; i < 20; i++) put(env, "k" + std::to_string(i), big + "2");
  EXPECT_TRUE(seen.empty());  // 20 overflow pages held: under the bound
  for (int i = 20; i < 50; i++) put(env, "k" + std::to_string(i), big + "2");
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().txnid, slow.id());
  EXPECT_GE(seen.back().pages_held, 40u);
  EXPECT_EQ(seen.back().pid, uint32_t(::getpid()));
  for (const auto& r : seen) EXPECT_EQ(r.txnid, slow.id());  // only the slow one
  // Let go: the pages become reusable and the calls stop; a new reader
  // that holds a few pages is under the bound.
  slow.reset();
  seen.clear();
  Txn fresh = env.begin_read();
  for (int i = 0; i < 8; i++) put(env, "k" + std::to_string(i), big + "3");
  EXPECT_TRUE(seen.empty());
  ASSERT_EQ(env.readers().size(), 1u);
  EXPECT_GT(env.readers()[0].pages_held, 0u);
}

TEST(SlowReader, ThrottledThrowingAndOff) {
  TempDir dir;
  Env env = Env::open(dir.file());
  const std::string big(3000, 'x');
  for (int i = 0; i < 30; i++) put(env, "k" + std::to_string(i), big);
  Txn slow = env.begin_read();
  for (int i = 0; i < 30; i++) put(env, "k" + std::to_string(i), big + "2");
  int calls = 0;
  // A callback that throws: the commits still succeed, and the data is there.
  env.set_slow_reader(10, [&](const alder::ReaderInfo&) {
    calls++;
    throw std::runtime_error("the application's own failure");
  }, 0);
  EXPECT_NO_THROW(put(env, "a", "1"));
  EXPECT_NO_THROW(put(env, "b", "1"));
  EXPECT_EQ(calls, 2);
  // Throttled: one check per 49 days, so one call for these commits. The
  // first check is not throttled however recently the machine booted (the
  // steady clock's epoch): with an hour, this failed on machines up for less.
  calls = 0;
  env.set_slow_reader(10, [&](const alder::ReaderInfo&) { calls++; },
                      std::numeric_limits<uint32_t>::max());
  for (int i = 0; i < 5; i++) put(env, "c" + std::to_string(i), "1");
  EXPECT_EQ(calls, 1);
  // Off: pages 0, or no function.
  calls = 0;
  env.set_slow_reader(0, [&](const alder::ReaderInfo&) { calls++; }, 0);
  put(env, "d", "1");
  env.set_slow_reader(10, nullptr, 0);
  put(env, "e", "1");
  EXPECT_EQ(calls, 0);
  // The callback may use the env (here: list the readers again).
  size_t listed = 0;
  env.set_slow_reader(10, [&](const alder::ReaderInfo&) { listed = env.readers().size(); }, 0);
  put(env, "f", "1");
  EXPECT_EQ(listed, 1u);
  EXPECT_EQ(env.begin_read().get("a").value_or(""), "1");
}

// A read-only env of another process that exits inside a read txn leaves
// its slot in the lock file; clear_stale_readers frees and counts it.
TEST(EnvReaders, ClearStaleReadersFreesADeadProcessesSlot) {
  TempDir dir;
  Env env = Env::open(dir.file());
  put(env, "a", "1");
  EXPECT_EQ(env.clear_stale_readers(), 0u);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child == 0) {
    try {
      EnvOptions ro;
      ro.read_only = true;
      Env reader = Env::open(dir.file(), ro);
      Txn r = reader.begin_read();
      ::_exit(r.get("a") ? 0 : 3);  // no cleanup: the slot stays
    } catch (...) {
      ::_exit(2);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(env.clear_stale_readers(), 1u);
  EXPECT_EQ(env.clear_stale_readers(), 0u);
  EXPECT_TRUE(env.readers().empty());
}

}  // namespace
