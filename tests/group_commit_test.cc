// Group commit (src/txn/group_commit.h): durable commits of many threads
// share fdatasyncs without weakening what commit promises.
//
// Suites named Concurrency* run under TSan too: threads committing against
// a model, commits that do not wait, a sync failing under concurrent
// committers, the power failing under them. GroupCommitCrash.*: kill -9 of
// a process with 8 committing threads (fork: not under TSan).
#include <atomic>
#include <thread>

#include "env/testing.h"
#include "fault_util.h"
#include "test_util.h"

namespace {

using alder::CommitFlags;
using alder::Durability;
using alder::Env;
using alder::EnvOptions;
using alder::ErrorCode;
using alder::Txn;
using alder::detail::EnvAccess;
using alder_test::TempDir;

std::string key_of(int thread, int seq) {
  char b[32];
  std::snprintf(b, sizeof b, "t%02d-%06d", thread, seq);
  return b;
}
std::string counter_of(int thread) { return "c" + std::to_string(thread); }

// What a snapshot must show of each thread: its counter says how many of
// its commits are in, and exactly those commits' keys are present (each
// commit writes its key and the counter: none half applied, in order).
void check_snapshot(Txn& r, int threads, int per_thread) {
  for (int t = 0; t < threads; t++) {
    auto c = r.get(counter_of(t));
    const int n = c ? std::stoi(std::string(*c)) : 0;
    ASSERT_LE(n, per_thread);
    ASSERT_FALSE(r.get("never-" + std::to_string(t)).has_value()) << "an aborted write";
    for (int s : {n - 1, n}) {  // the newest commit in, the next one out
      if (s < 0 || s >= per_thread) continue;
      ASSERT_EQ(r.get(key_of(t, s)).has_value(), s < n)
          << "thread " << t << " commit " << s << " with counter " << n;
    }
  }
}

// A file reopened after a crash: verify() passes, and each thread's commits
// are a prefix (its counter n, keys 0..n-1 present, key n absent) holding
// at least the `acked` ones. Returns the counters.
std::vector<int> check_recovered(Env& env, const std::vector<int>& acked) {
  std::vector<int> counters;
  auto vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
  Txn r = env.begin_read();
  for (int t = 0; t < int(acked.size()); t++) {
    auto c = r.get(counter_of(t));
    const int n = c ? std::stoi(std::string(*c)) : 0;
    EXPECT_GE(n, acked[t]) << "thread " << t << ": an acknowledged commit is gone";
    for (int s = 0; s < n; s++) EXPECT_TRUE(r.get(key_of(t, s))) << key_of(t, s);
    EXPECT_FALSE(r.get(key_of(t, n)).has_value()) << "half a commit of thread " << t;
    counters.push_back(n);
  }
  return counters;
}

TEST(ConcurrencyGroupCommit, ThreadsCommitAgainstAModel) {
  TempDir dir;
  constexpr int kThreads = 8, kPerThread = 60;
  EnvOptions o;  // Durability::sync
  Env env = Env::open(dir.file(), o);
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; t++) {
    ts.emplace_back([&, t] {
      for (int s = 0; s < kPerThread; s++) {
        if (s % 3 == 1) {
          // An aborted txn changes pages the chain carries (unwritten pages
          // of commits not yet synced) in place: it must leave them as
          // they were.
          Txn a = env.begin_write();
          a.put(counter_of(t), "garbage");
          a.put(key_of(t, s), "aborted");
          a.put("never-" + std::to_string(t), "x");
          a.abort();
        }
        Txn w = env.begin_write();
        w.put(key_of(t, s), std::string(100 + s, char('a' + t)));
        w.put(counter_of(t), std::to_string(s + 1));
        w.commit();
        // Acknowledged: durable, so every reader from now on sees it.
        Txn r = env.begin_read();
        if (!r.get(key_of(t, s))) failures++;
      }
    });
  }
  std::thread reader([&] {
    while (!done.load()) {
      Txn r = env.begin_read();
      check_snapshot(r, kThreads, kPerThread);
    }
  });
  for (auto& t : ts) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(failures.load(), 0) << "an acknowledged commit was not visible to a later reader";
  const alder::EnvStat st = env.stat();
  EXPECT_EQ(st.commits_synced, uint64_t(kThreads) * kPerThread);
  EXPECT_GE(st.group_syncs, 1u);
  EXPECT_LE(st.group_syncs, st.commits_synced);
  EXPECT_GT(st.pages_synced, 0u);
  EXPECT_TRUE(env.verify().ok());
  env.close();
  Env again = Env::open(dir.file(), o);
  Txn r = again.begin_read();
  for (int t = 0; t < kThreads; t++) {
    ASSERT_EQ(r.get(counter_of(t)).value_or(""), std::to_string(kPerThread));
    for (int s = 0; s < kPerThread; s++)
      ASSERT_EQ(r.get(key_of(t, s)).value_or(""), std::string(100 + s, char('a' + t))) << key_of(t, s);
  }
  EXPECT_EQ(r.db_stat(alder::kMainDbi).entries, uint64_t(kThreads) * (kPerThread + 1));
}

TEST(ConcurrencyGroupCommit, NoWaitCommitBecomesDurableAndVisible) {
  TempDir dir;
  Env env = Env::open(dir.file());
  uint64_t last = 0;
  for (int i = 0; i < 50; i++) {
    Txn w = env.begin_write();
    w.put("k" + std::to_string(i), "v");
    const uint64_t id = w.commit(CommitFlags::no_wait);
    EXPECT_GT(id, last);
    last = id;
    // The next write txn builds on it at once.
    Txn w2 = env.begin_write();
    EXPECT_TRUE(w2.get("k" + std::to_string(i)).has_value());
    w2.abort();
  }
  env.wait_durable(last);
  {
    Txn r = env.begin_read();
    EXPECT_EQ(r.id(), last);
    for (int i = 0; i < 50; i++) EXPECT_TRUE(r.get("k" + std::to_string(i)));
  }
  EXPECT_NO_THROW(env.wait_durable(last));  // durable already: returns
  EXPECT_ALDER_ERROR(ErrorCode::invalid_argument, env.wait_durable(last + 1));
  // A txn that wrote nothing reports the commit it saw.
  {
    Txn w = env.begin_write();
    EXPECT_EQ(w.commit(CommitFlags::no_wait), last);
  }
  // Not waited for: close makes it durable.
  {
    Txn w = env.begin_write();
    w.put("late", "1");
    w.commit(CommitFlags::no_wait);
  }
  env.close();
  Env again = Env::open(dir.file());
  Txn r = again.begin_read();
  EXPECT_TRUE(r.get("late").has_value());
}

TEST(ConcurrencyGroupCommit, NoWaitInNoSyncModeIsVisibleAtOnce) {
  TempDir dir;
  EnvOptions o;
  o.durability = Durability::no_sync;
  Env env = Env::open(dir.file(), o);
  Txn w = env.begin_write();
  w.put("a", "1");
  const uint64_t id = w.commit(CommitFlags::no_wait);
  Txn r = env.begin_read();
  EXPECT_EQ(r.id(), id);
  EXPECT_TRUE(r.get("a").has_value());
  r.abort();
  EXPECT_NO_THROW(env.wait_durable(id));
}

// A sync failing while threads commit: every commit reported as failed is
// absent after reopen, every acknowledged one present, and the env refuses
// writes until reopened.
TEST(ConcurrencyGroupCommitFault, FailingSyncFailsEveryTxnItCovered) {
  for (int fail_at : {1, 3, 8}) {
    SCOPED_TRACE("sync " + std::to_string(fail_at) + " fails");
    TempDir dir;
    struct NthSyncFails : alder_fault::FaultHook {
      explicit NthSyncFails(int n) : n(n) {}
      alder::io::IoVerdict before(alder::io::IoOp op, int, uint64_t) override {
        if (op == alder::io::IoOp::sync && armed.load() && ++syncs == n) return alder::io::IoVerdict::fail(EIO);
        return {};
      }
      std::atomic<bool> armed{false};
      std::atomic<int> syncs{0};
      int n;
    } hook(fail_at);
    constexpr int kThreads = 4, kPerThread = 40;
    std::vector<std::vector<int>> acked(kThreads), failed(kThreads);
    {
      Env env = EnvAccess::open_with_hook(dir.file(), EnvOptions{}, &hook);
      hook.armed = true;
      std::vector<std::thread> ts;
      std::atomic<int> odd{0};
      for (int t = 0; t < kThreads; t++) {
        ts.emplace_back([&, t] {
          for (int s = 0; s < kPerThread; s++) {
            try {
              Txn w = env.begin_write();
              w.put(key_of(t, s), "v");
              w.commit();
              acked[t].push_back(s);
            } catch (const alder::Error& e) {
              if (e.code() != ErrorCode::env_failed) odd++;
              failed[t].push_back(s);
              return;  // begin_write refuses from now on
            }
          }
        });
      }
      for (auto& t : ts) t.join();
      EXPECT_EQ(odd.load(), 0);
      EXPECT_ALDER_ERROR(ErrorCode::env_failed, env.begin_write());
    }
    size_t nfailed = 0;
    for (auto& f : failed) nfailed += f.size();
    EXPECT_GE(nfailed, 1u);
    hook.armed = false;
    Env env = EnvAccess::open_with_hook(dir.file(), EnvOptions{}, &hook);
    EXPECT_TRUE(env.verify().ok());
    Txn r = env.begin_read();
    for (int t = 0; t < kThreads; t++) {
      for (int s : acked[t]) EXPECT_TRUE(r.get(key_of(t, s))) << "acknowledged " << key_of(t, s) << " lost";
      for (int s : failed[t]) EXPECT_FALSE(r.get(key_of(t, s))) << "failed " << key_of(t, s) << " reappeared";
    }
  }
}

// SIGKILL of a child whose 8 threads commit durably: every commit a thread
// reported (after commit returned) is there after reopen, and verify passes.
TEST(GroupCommitCrash, KillNineWithEightCommittingThreadsLosesNothingReported) {
  TempDir dir;
  constexpr int kThreads = 8;
  const int rounds = int(alder_test::case_count(3));
  std::mt19937_64 rng(rounds);
  std::vector<int> reported(kThreads, 0);  // commits known present, per thread
  for (int round = 0; round < rounds; round++) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      try {
        Env env = Env::open(dir.file());
        std::vector<std::thread> ts;
        for (int t = 0; t < kThreads; t++) {
          ts.emplace_back([&, t] {
            int next;
            {
              Txn r = env.begin_read();
              auto c = r.get(counter_of(t));
              next = c ? std::stoi(std::string(*c)) : 0;
            }
            for (;; next++) {
              Txn w = env.begin_write();
              w.put(key_of(t, next), std::string(50 + next % 300, 'x'));
              w.put(counter_of(t), std::to_string(next + 1));
              w.commit();
              uint32_t msg[2] = {uint32_t(t), uint32_t(next + 1)};
              if (::write(fds[1], msg, sizeof msg) != sizeof msg) ::_exit(3);
            }
          });
        }
        for (auto& t : ts) t.join();
      } catch (...) {
        ::_exit(2);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    std::vector<int> got = reported;
    int seen = 0;
    const int target = 20 + int(rng() % 200);
    bool eof = false;
    while (seen < target) {
      uint32_t msg[2];
      ssize_t n = ::read(fds[0], msg, sizeof msg);
      if (n == sizeof msg) {
        got[msg[0]] = std::max(got[msg[0]], int(msg[1]));
        seen++;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      eof = true;
      break;
    }
    ::usleep(useconds_t(rng() % 2000));
    ::kill(pid, SIGKILL);
    // Reports written before the kill are still in the pipe.
    for (;;) {
      uint32_t msg[2];
      ssize_t n = ::read(fds[0], msg, sizeof msg);
      if (n == sizeof msg) {
        got[msg[0]] = std::max(got[msg[0]], int(msg[1]));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(fds[0]);
    ASSERT_FALSE(eof) << "child stopped early (status " << status << ")";

    Env env = Env::open(dir.file());
    reported = check_recovered(env, got);
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace

namespace {

// The power fails during a group's sync while 4 threads commit (two of
// them without waiting, so txns run while a sync is in flight): the
// recovered file passes verify, holds every commit acknowledged before the
// cut, and each thread's commits form a prefix (none half applied).
TEST(ConcurrencyGroupCommitPowerLoss, ConcurrentCommittersKeepEveryAcknowledgedCommit) {
  const int cases = int(alder_test::case_count(12));
  std::mt19937_64 rng(12345);
  for (int c = 0; c < cases; c++) {
    SCOPED_TRACE("case " + std::to_string(c));
    TempDir dir;
    { Env env = Env::open(dir.file()); }  // the file exists, synced
    alder_fault::SimDisk disk(dir.file(), 4096);
    disk.arm_cut_at_sync(2 + rng() % 30);
    disk.set_sync_delay_us(300);  // txns of the next group run while a sync is in flight
    constexpr int kThreads = 4;
    std::vector<int> acked(kThreads, 0);
    {
      Env env = EnvAccess::open_with_hook(dir.file(), EnvOptions{}, &disk);
      std::vector<std::thread> ts;
      for (int t = 0; t < kThreads; t++) {
        ts.emplace_back([&, t] {
          // Odd threads commit without waiting and wait for every 4th
          // commit: they keep writing while a sync is in flight.
          const bool nowait = t % 2 == 1;
          for (int s = 0;; s++) {
            try {
              Txn w = env.begin_write();
              w.put(key_of(t, s), std::string(40 + (s * 37) % 3000, char('a' + t)));
              w.put(counter_of(t), std::to_string(s + 1));
              if (!nowait) {
                w.commit();
                acked[t] = s + 1;
              } else if (uint64_t id = w.commit(CommitFlags::no_wait); s % 4 == 3) {
                env.wait_durable(id);
                acked[t] = s + 1;
              }
            } catch (const alder::Error&) {
              return;  // the power is off: every I/O fails from now on
            }
          }
        });
      }
      for (auto& t : ts) t.join();
      ASSERT_TRUE(disk.is_cut());
    }
    const std::string image = dir.file("image.alder");
    disk.crash_image(image, rng);
    Env env = Env::open(image);
    check_recovered(env, acked);
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
