// Concurrency: MVCC readers against a busy writer, the single-writer lock,
// and txns moving between threads. Every suite here is named Concurrency*
// so a TSan build can run them alone (ctest -R Concurrency).
//
// No assertion depends on timing: ordering is established with promises,
// atomics and the engine's own guarantees.
#include <gtest/gtest.h>

#include <alder/alder.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace {

using alder::Env;
using alder::ErrorCode;
using alder::Txn;
using alder_test::TempDir;

constexpr int kAccounts = 100;
constexpr std::int64_t kInitialBalance = 1000;
constexpr std::int64_t kTotal = kAccounts * kInitialBalance;

// Runs f, turning any exception into a message (threads must not throw).
template <class F>
std::string guarded(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
  return "";
}

std::string account_key(int i) { return alder_test::num_key(i, 3, "acct"); }

std::string encode_i64(std::int64_t v) { return std::to_string(v); }
std::int64_t decode_i64(std::string_view s) { return std::stoll(std::string(s)); }

// Collects failures from worker threads (gtest assertions are only used on
// the main thread).
class Failures {
 public:
  void add(std::string msg) {
    std::lock_guard<std::mutex> lock(mu_);
    if (msgs_.size() < 20) msgs_.push_back(std::move(msg));
    any_ = true;
  }
  bool any() const { return any_.load(); }
  std::string all() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (auto& m : msgs_) out += m + "\n";
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> msgs_;
  std::atomic<bool> any_{false};
};

// Readers check, on every snapshot: the balances sum to the constant, txn
// ids never go backwards, the commit counter never goes backwards, and a
// second read of the same snapshot returns the same values.
TEST(ConcurrencyMvcc, ReadersSeeConsistentSnapshotsWhileWriterCommits) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  {
    Txn w = env.begin_write();
    for (int i = 0; i < kAccounts; ++i) {
      w.put(account_key(i), encode_i64(kInitialBalance));
    }
    w.put("counter", "0");
    w.commit();
  }

  constexpr int kCommits = 4000;
  constexpr int kReaders = 4;
  std::atomic<bool> writer_done{false};
  Failures failures;
  std::atomic<std::uint64_t> snapshots_checked{0};

  auto reader = [&](int id) {
    std::uint64_t last_id = 0;
    std::int64_t last_counter = -1;
    std::mt19937_64 rng(id);
    int iterations = 0;
    while (!failures.any() && (!writer_done.load() || iterations < 200)) {
      ++iterations;
      try {
        Txn t = env.begin_read();
        if (!t.read_only()) failures.add("begin_read gave a write txn");
        std::uint64_t tid = t.id();
        if (tid < last_id) {
          failures.add("reader " + std::to_string(id) + ": txn id went back from " +
                       std::to_string(last_id) + " to " + std::to_string(tid));
        }
        last_id = tid;
        // Pass 1: a cursor scan of all accounts.
        std::vector<std::string> first_pass;
        std::int64_t sum = 0;
        int n = 0;
        for (auto e : t.prefix(alder::kMainDbi, "acct")) {
          first_pass.emplace_back(e.value);
          sum += decode_i64(e.value);
          ++n;
        }
        if (n != kAccounts) {
          failures.add("reader saw " + std::to_string(n) + " accounts");
        }
        if (sum != kTotal) {
          failures.add("reader " + std::to_string(id) + " at txn " + std::to_string(tid) +
                       ": sum " + std::to_string(sum));
        }
        auto c = t.get("counter");
        if (!c) {
          failures.add("counter missing");
        } else {
          std::int64_t counter = decode_i64(*c);
          if (counter < last_counter) {
            failures.add("counter went back from " + std::to_string(last_counter) + " to " +
                         std::to_string(counter));
          }
          last_counter = counter;
        }
        // Pass 2, later, the same snapshot: point reads in random order.
        std::this_thread::yield();
        for (int k = 0; k < 20; ++k) {
          int i = static_cast<int>(rng() % kAccounts);
          auto v = t.get(account_key(i));
          if (!v || std::string(*v) != first_pass[i]) {
            failures.add("snapshot changed under reader " + std::to_string(id) + " for account " +
                         std::to_string(i));
            break;
          }
        }
        if (t.id() != tid) failures.add("txn id changed within a snapshot");
        snapshots_checked.fetch_add(1);
      } catch (const std::exception& e) {
        failures.add(std::string("reader exception: ") + e.what());
      }
    }
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < kReaders; ++i) threads.emplace_back(reader, i);

  std::mt19937_64 rng(42);
  std::vector<std::int64_t> balance(kAccounts, kInitialBalance);
  try {
    for (int c = 1; c <= kCommits && !failures.any(); ++c) {
      Txn w = env.begin_write();
      int transfers = 1 + static_cast<int>(rng() % 4);
      for (int t = 0; t < transfers; ++t) {
        int from = static_cast<int>(rng() % kAccounts);
        int to = static_cast<int>(rng() % kAccounts);
        std::int64_t amount = static_cast<std::int64_t>(rng() % 50);
        balance[from] -= amount;
        balance[to] += amount;
        w.put(account_key(from), encode_i64(balance[from]));
        w.put(account_key(to), encode_i64(balance[to]));
      }
      w.put("counter", std::to_string(c));
      if (c % 97 == 0) {
        // A txn that breaks the invariant and is aborted: no reader may
        // ever see it.
        Txn bad = std::move(w);
        bad.put(account_key(0), encode_i64(-999999));
        bad.abort();
        // Redo the real transfer set from the model.
        Txn w2 = env.begin_write();
        for (int i = 0; i < kAccounts; ++i) {
          w2.put(account_key(i), encode_i64(balance[i]));
        }
        w2.put("counter", std::to_string(c));
        w2.commit();
      } else {
        w.commit();
      }
    }
  } catch (const std::exception& e) {
    failures.add(std::string("writer exception: ") + e.what());
  }
  writer_done.store(true);
  for (auto& t : threads) t.join();

  EXPECT_FALSE(failures.any()) << failures.all();
  EXPECT_GE(snapshots_checked.load(), static_cast<std::uint64_t>(kReaders) * 200);

  // The final state is the writer's model.
  Txn r = env.begin_read();
  std::int64_t sum = 0;
  for (int i = 0; i < kAccounts; ++i) {
    auto v = r.get(account_key(i));
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(decode_i64(*v), balance[i]);
    sum += decode_i64(*v);
  }
  EXPECT_EQ(sum, kTotal);
  EXPECT_EQ(r.get("counter"), std::optional<std::string_view>(std::to_string(kCommits)));
  r.abort();
  auto vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
}

// A snapshot held across many commits that rewrite and delete everything
// keeps seeing its own data: its pages are not reused.
TEST(ConcurrencyMvcc, LongReaderKeepsItsPagesWhileWriterChurns) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  const int n = 2000;
  {
    Txn w = env.begin_write();
    for (int i = 0; i < n; ++i) {
      w.put(alder_test::num_key(i), alder_test::pattern_value(i, 0, 50 + i % 300));
    }
    w.commit();
  }
  Txn old = env.begin_read();
  const std::uint64_t old_id = old.id();
  Failures failures;
  std::atomic<bool> stop{false};
  // A second thread scans the old snapshot over and over while the writer
  // churns, then hands the txn back.
  std::thread scanner([&] {
    int passes = 0;
    while (!failures.any() && (!stop.load() || passes < 3)) {
      std::string err = guarded([&] {
        ++passes;
        int i = 0;
        for (auto e : old.range(alder::kMainDbi, "", std::nullopt)) {
          if (e.key != alder_test::num_key(i) ||
              e.value != alder_test::pattern_value(i, 0, 50 + i % 300)) {
            failures.add("old snapshot changed at entry " + std::to_string(i));
            break;
          }
          ++i;
        }
        if (i != n && !failures.any()) {
          failures.add("old snapshot has " + std::to_string(i) + " entries");
        }
      });
      if (!err.empty()) failures.add("scanner: " + err);
    }
  });
  try {
    for (int round = 1; round <= 200; ++round) {
      Txn w = env.begin_write();
      for (int i = round % 2; i < n; i += 2) {
        w.put(alder_test::num_key(i), alder_test::pattern_value(i, round, 10 + i % 500));
      }
      for (int i = round % 7; i < n; i += 7) w.del(alder_test::num_key(i));
      w.commit();
    }
  } catch (const std::exception& e) {
    failures.add(std::string("writer: ") + e.what());
  }
  stop.store(true);
  scanner.join();
  EXPECT_FALSE(failures.any()) << failures.all();
  EXPECT_EQ(old.id(), old_id);
  // Direct reads of the old snapshot on this thread as well.
  for (int i = 0; i < n; i += 37) {
    EXPECT_EQ(old.get(alder_test::num_key(i)),
              std::optional<std::string_view>(alder_test::pattern_value(i, 0, 50 + i % 300)));
  }
  old.abort();
  auto vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
}

// Zero-copy views from get() in a read txn stay valid and unchanged until
// the txn ends, whatever later commits do to those keys.
TEST(ConcurrencyMvcc, GetViewsOfAReadTxnSurviveLaterCommits) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  const int n = 500;
  auto value = [](int i, int gen) {
    return alder_test::pattern_value(i, gen, i % 5 == 0 ? 9000 : 20 + i % 200);
  };
  {
    Txn w = env.begin_write();
    for (int i = 0; i < n; ++i) w.put(alder_test::num_key(i), value(i, 0));
    w.commit();
  }
  Txn r = env.begin_read();
  std::vector<std::string_view> views;
  for (int i = 0; i < n; ++i) {
    auto v = r.get(alder_test::num_key(i));
    ASSERT_TRUE(v.has_value());
    views.push_back(*v);
  }
  std::string writer_error;
  std::thread writer([&] {
    try {
      for (int gen = 1; gen <= 50; ++gen) {
        Txn w = env.begin_write();
        for (int i = 0; i < n; ++i) {
          if ((i + gen) % 3 == 0) {
            w.del(alder_test::num_key(i));
          } else {
            w.put(alder_test::num_key(i), value(i, gen));
          }
        }
        w.commit();
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  writer.join();
  EXPECT_EQ(writer_error, "");
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(views[i] == value(i, 0)) << "view of key " << i << " changed";
  }
}

TEST(ConcurrencyWriter, BeginWriteWaitsForTheLiveWriter) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  Txn w1 = env.begin_write();
  w1.put("x", "1");

  std::promise<void> about_to_begin;
  std::atomic<bool> w1_releasing{false};
  std::atomic<bool> second_acquired{false};
  bool saw_releasing = false;
  std::optional<std::string> second_saw_x;
  std::string thread_error;
  std::thread t([&] {
    try {
      about_to_begin.set_value();
      Txn w2 = env.begin_write();  // must wait for w1
      saw_releasing = w1_releasing.load();
      second_acquired.store(true);
      auto x = w2.get("x");
      if (x) second_saw_x = std::string(*x);
      w2.put("x", "2");
      w2.commit();
    } catch (const std::exception& e) {
      thread_error = e.what();
    }
  });
  about_to_begin.get_future().wait();
  // Give the thread a chance to get into begin_write (this sleep only makes
  // a broken lock easier to catch; it is not a timing assertion).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(second_acquired.load()) << "second writer got in while w1 was live";
  // While w1 is live, try_begin_write from this thread must not succeed.
  EXPECT_FALSE(env.try_begin_write().has_value());
  w1_releasing.store(true);
  w1.commit();
  t.join();
  EXPECT_EQ(thread_error, "");
  EXPECT_TRUE(saw_releasing) << "second begin_write returned before w1 ended";
  EXPECT_EQ(second_saw_x, std::optional<std::string>("1"))
      << "the second writer must start from w1's commit";
  Txn r = env.begin_read();
  EXPECT_EQ(r.get("x"), std::optional<std::string_view>("2"));
}

TEST(ConcurrencyWriter, BeginWriteWaitsForAnAbortToo) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  {
    Txn w = env.begin_write();
    w.put("x", "0");
    w.commit();
  }
  Txn w1 = env.begin_write();
  w1.put("x", "aborted");
  std::atomic<bool> released{false};
  bool saw_released = false;
  std::optional<std::string> seen;
  std::promise<void> started;
  std::string thread_error;
  std::thread t([&] {
    started.set_value();
    thread_error = guarded([&] {
      Txn w2 = env.begin_write();
      saw_released = released.load();
      auto x = w2.get("x");
      if (x) seen = std::string(*x);
      w2.abort();
    });
  });
  started.get_future().wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  released.store(true);
  w1.abort();
  t.join();
  EXPECT_EQ(thread_error, "");
  EXPECT_TRUE(saw_released);
  EXPECT_EQ(seen, std::optional<std::string>("0"));
}

TEST(ConcurrencyWriter, TryBeginWriteIsNulloptWhileAWriterIsLive) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  {
    Txn r1 = env.begin_read();  // readers do not block the writer
    auto w = env.try_begin_write();
    ASSERT_TRUE(w.has_value());
    EXPECT_FALSE(w->read_only());
    // From another thread: busy.
    bool other_got_one = true;
    std::string err;
    std::thread([&] {
      err = guarded([&] { other_got_one = env.try_begin_write().has_value(); });
    }).join();
    EXPECT_EQ(err, "");
    EXPECT_FALSE(other_got_one);
    // From this thread too.
    EXPECT_FALSE(env.try_begin_write().has_value());
    w->put("k", "v");
    w->commit();
  }
  // Released after commit, from both threads.
  {
    auto w = env.try_begin_write();
    ASSERT_TRUE(w.has_value());
    w->abort();
  }
  bool got = false;
  std::string err;
  std::thread([&] {
    err = guarded([&] {
      auto w = env.try_begin_write();
      got = w.has_value();
    });
  }).join();
  EXPECT_EQ(err, "");
  EXPECT_TRUE(got) << "the write lock was not released after abort/destroy";
  // A write txn destroyed without commit/abort releases the lock as well.
  { auto w = env.begin_write(); }
  EXPECT_TRUE(env.try_begin_write().has_value());
}

TEST(ConcurrencyWriter, WriteTxnBegunInOneThreadCommittedInAnother) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  Txn w = env.begin_write();
  w.put("from", "main");
  std::string error;
  std::thread t([&, txn = std::move(w)]() mutable {
    try {
      txn.put("to", "worker");
      auto v = txn.get("from");
      if (!v || *v != "main") error = "worker cannot see main's write";
      txn.commit();
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  t.join();
  EXPECT_EQ(error, "");
  // The lock was released by the commit on the other thread.
  auto w2 = env.try_begin_write();
  ASSERT_TRUE(w2.has_value()) << "write lock still held after a cross-thread commit";
  EXPECT_EQ(w2->get("from"), std::optional<std::string_view>("main"));
  EXPECT_EQ(w2->get("to"), std::optional<std::string_view>("worker"));
  w2->abort();

  // And the other way: begun in a worker, committed here.
  std::promise<Txn> handoff;
  std::thread t2([&] {
    try {
      Txn x = env.begin_write();
      x.put("second", "yes");
      handoff.set_value(std::move(x));
    } catch (...) {
      handoff.set_exception(std::current_exception());
    }
  });
  auto fut = handoff.get_future();
  fut.wait();
  t2.join();
  Txn got = fut.get();
  got.put("third", "here");
  got.commit();
  Txn r = env.begin_read();
  EXPECT_EQ(r.get("second"), std::optional<std::string_view>("yes"));
  EXPECT_EQ(r.get("third"), std::optional<std::string_view>("here"));
  r.abort();
  // Aborted in a third thread: the lock is released as well.
  Txn w3 = env.begin_write();
  w3.put("gone", "1");
  std::thread([txn = std::move(w3)]() mutable { txn.abort(); }).join();  // noexcept
  auto w4 = env.try_begin_write();
  ASSERT_TRUE(w4.has_value());
  EXPECT_FALSE(w4->get("gone").has_value());
}

TEST(ConcurrencyReaders, ReadTxnsMoveBetweenThreadsAndAreCounted) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  {
    Txn w = env.begin_write();
    w.put("a", "1");
    w.commit();
  }
  EXPECT_EQ(env.stat().readers, 0u);
  std::vector<Txn> readers;
  for (int i = 0; i < 3; ++i) readers.push_back(env.begin_read());
  EXPECT_EQ(env.stat().readers, 3u);
  {
    Txn w = env.begin_write();
    w.put("a", "2");
    w.commit();
  }
  // Each reader is checked and ended on another thread.
  std::vector<std::string> seen(3);
  std::vector<std::thread> ts;
  for (int i = 0; i < 3; ++i) {
    ts.emplace_back([&, i, t = std::move(readers[i])]() mutable {
      std::string err = guarded([&] {
        auto v = t.get("a");
        seen[i] = v ? std::string(*v) : "<absent>";
        t.abort();
      });
      if (!err.empty()) seen[i] = "error: " + err;
    });
  }
  for (auto& t : ts) t.join();
  for (auto& s : seen) EXPECT_EQ(s, "1");
  EXPECT_EQ(env.stat().readers, 0u);
}

// Hundreds of live snapshots at once, each on a different commit, released
// in a scrambled order (the reader table grows in chunks of 64 slots).
TEST(ConcurrencyReaders, HundredsOfLiveSnapshotsEachSeeTheirOwnCommit) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  const int n = 300;
  std::vector<Txn> snaps;
  for (int i = 0; i < n; ++i) {
    Txn w = env.begin_write();
    w.put("gen", std::to_string(i));
    w.put(alder_test::num_key(i), "added in " + std::to_string(i));
    w.commit();
    snaps.push_back(env.begin_read());
  }
  EXPECT_EQ(env.stat().readers, static_cast<std::uint32_t>(n));
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = (i * 97) % n;  // 97 is coprime to 300
  for (int i : order) {
    Txn& t = snaps[i];
    EXPECT_EQ(t.get("gen"), std::optional<std::string_view>(std::to_string(i)));
    EXPECT_TRUE(t.get(alder_test::num_key(i)).has_value());
    EXPECT_FALSE(t.get(alder_test::num_key(i + 1)).has_value());
    EXPECT_EQ(t.db_stat(alder::kMainDbi).entries, static_cast<std::uint64_t>(i + 2));
    t.abort();
  }
  EXPECT_EQ(env.stat().readers, 0u);
  auto vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
}

TEST(ConcurrencyReaders, ManyThreadsOpenAndCloseReadersAroundCommits) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  {
    Txn w = env.begin_write();
    w.put("v", "0");
    w.commit();
  }
  Failures failures;
  std::atomic<bool> done{false};
  std::vector<std::thread> ts;
  for (int i = 0; i < 6; ++i) {
    ts.emplace_back([&] {
      std::int64_t last = 0;
      int iters = 0;
      while (!failures.any() && (!done.load() || iters < 100)) {
        ++iters;
        try {
          std::vector<Txn> held;
          for (int j = 0; j < 4; ++j) held.push_back(env.begin_read());
          std::int64_t prev = -1;
          for (auto& t : held) {
            auto v = t.get("v");
            if (!v) {
              failures.add("v missing");
              break;
            }
            std::int64_t x = decode_i64(*v);
            if (x < prev || x < last) failures.add("later snapshot saw an older value");
            prev = x;
            last = std::max(last, x);
          }
        } catch (const std::exception& e) {
          failures.add(e.what());
        }
      }
    });
  }
  try {
    for (int c = 1; c <= 2000; ++c) {
      Txn w = env.begin_write();
      w.put("v", std::to_string(c));
      w.commit();
    }
  } catch (const std::exception& e) {
    failures.add(std::string("writer: ") + e.what());
  }
  done.store(true);
  for (auto& t : ts) t.join();
  EXPECT_FALSE(failures.any()) << failures.all();
  EXPECT_EQ(env.stat().readers, 0u);
  auto vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
}

}  // namespace
