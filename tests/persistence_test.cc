// Persistence: close and reopen in every durability mode, named dbs,
// SIGKILL of a committing child process, page reuse bounding the file size,
// read-only and locked opens.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <alder/alder.hpp>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using alder::Durability;
using alder::Env;
using alder::EnvOptions;
using alder::ErrorCode;
using alder::Txn;
using alder_test::TempDir;

using Mode = alder_test::DurabilityMode;
using alder_test::mode_options;

class PersistenceModes : public ::testing::TestWithParam<Mode> {
 protected:
  TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(Modes, PersistenceModes,
                         ::testing::ValuesIn(alder_test::kDurabilityModes),
                         [](const auto& info) { return std::string(info.param.name); });

// Several commits (puts, overwrites, deletes, an overflow value, a named
// db), then close and reopen: everything committed is there, nothing else.
TEST_P(PersistenceModes, CloseAndReopenKeepsCommittedData) {
  const EnvOptions opts = mode_options(GetParam());
  std::map<std::string, std::string> main_model, named_model;
  std::uint64_t last_txn = 0;
  std::mt19937_64 rng(5);
  for (int session = 0; session < 3; ++session) {
    Env env = Env::open(dir_.file(), opts);
    {
      auto got = alder_test::dump_env(env);
      EXPECT_TRUE(got[""] == alder_test::to_dump(main_model))
          << "session " << session << ": "
          << alder_test::describe_diff(got[""], alder_test::to_dump(main_model));
      if (session > 0) {
        EXPECT_TRUE(got["named"] == alder_test::to_dump(named_model));
      }
      if (session > 0) {
        EXPECT_EQ(env.stat().last_txn_id, last_txn) << "session " << session;
      }
      auto vr = env.verify();
      ASSERT_TRUE(vr.ok()) << vr.error;
    }
    for (int c = 0; c < 5; ++c) {
      Txn w = env.begin_write();
      alder::Dbi named = w.open_db("named", alder::DbFlags::create);
      for (int i = 0; i < 300; ++i) {
        std::string k = alder_test::num_key(rng() % 1000);
        if (rng() % 4 == 0) {
          w.del(k);
          main_model.erase(k);
        } else {
          std::string v = alder_test::random_bytes(rng, rng() % 100);
          w.put(k, v);
          main_model[k] = v;
        }
      }
      std::string big = alder_test::random_bytes(rng, 20000 + rng() % 20000);
      w.put(named, "big" + std::to_string(c), big);
      named_model["big" + std::to_string(c)] = big;
      w.commit();
    }
    // An aborted txn at the end leaves no trace.
    {
      Txn w = env.begin_write();
      w.put("aborted", "x");
      w.abort();
    }
    last_txn = env.stat().last_txn_id;
    if (session == 1) {
      env.close();  // explicit close; the others close in the destructor
      env.close();  // idempotent
    }
  }
  Env env = Env::open(dir_.file(), opts);
  auto got = alder_test::dump_env(env);
  EXPECT_TRUE(got[""] == alder_test::to_dump(main_model));
  EXPECT_TRUE(got["named"] == alder_test::to_dump(named_model));
  EXPECT_EQ(env.stat().last_txn_id, last_txn);
  Txn r = env.begin_read();
  EXPECT_FALSE(r.get("aborted").has_value());
}

TEST_P(PersistenceModes, SyncThenReopen) {
  const EnvOptions opts = mode_options(GetParam());
  {
    Env env = Env::open(dir_.file(), opts);
    Txn w = env.begin_write();
    for (int i = 0; i < 1000; ++i) w.put(alder_test::num_key(i), std::to_string(i));
    w.commit();
    env.sync();
    EXPECT_EQ(env.stat().main.entries, 1000u);
  }
  Env env = Env::open(dir_.file(), opts);
  Txn r = env.begin_read();
  EXPECT_EQ(r.db_stat(alder::kMainDbi).entries, 1000u);
  EXPECT_EQ(r.get(alder_test::num_key(999)), std::optional<std::string_view>("999"));
}

TEST(Persistence, NamedDbsSurviveAndHandlesStayValid) {
  TempDir dir;
  std::vector<std::string> names = {"users", "orders", "a", "zeta", "temp", "empty"};
  {
    Env env = Env::open(dir.file());
    Txn w = env.begin_write();
    std::map<std::string, alder::Dbi> dbis;
    for (auto& n : names) dbis[n] = w.open_db(n, alder::DbFlags::create);
    for (auto& n : names) {
      if (n == "empty") continue;
      for (int i = 0; i < 200; ++i) w.put(dbis[n], alder_test::num_key(i), n + std::to_string(i));
    }
    w.put("main-key", "main-value");
    w.commit();
    // A Dbi from an earlier txn stays valid in later txns of the same env.
    Txn r = env.begin_read();
    EXPECT_EQ(r.get(dbis["users"], alder_test::num_key(5)),
              std::optional<std::string_view>("users5"));
    r.abort();
    Txn w2 = env.begin_write();
    w2.drop_db(dbis["temp"]);
    w2.clear_db(dbis["orders"]);
    w2.put(dbis["orders"], "only", "one");
    w2.commit();
  }
  Env env = Env::open(dir.file());
  Txn r = env.begin_read();
  auto list = r.list_dbs();
  EXPECT_EQ(list, (std::vector<std::string>{"a", "empty", "orders", "users", "zeta"}));
  alder::Dbi users = r.open_db("users");
  EXPECT_EQ(r.db_stat(users).entries, 200u);
  EXPECT_EQ(r.get(users, alder_test::num_key(199)), std::optional<std::string_view>("users199"));
  alder::Dbi orders = r.open_db("orders");
  EXPECT_EQ(r.db_stat(orders).entries, 1u);
  EXPECT_EQ(r.get(orders, "only"), std::optional<std::string_view>("one"));
  alder::Dbi empty = r.open_db("empty");
  EXPECT_EQ(r.db_stat(empty).entries, 0u);
  EXPECT_EQ(r.db_stat(empty).depth, 0u);
  EXPECT_ALDER_ERROR(ErrorCode::unknown_db, r.open_db("temp"));
  EXPECT_EQ(r.get("main-key"), std::optional<std::string_view>("main-value"));
  // The main db does not show named dbs as keys.
  EXPECT_EQ(r.db_stat(alder::kMainDbi).entries, 1u);
  EXPECT_EQ(env.stat().named_dbs, 5u);
  EXPECT_EQ(r.open_db(""), alder::kMainDbi);
  r.abort();
  auto vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
}

TEST(Persistence, ReadOnlyEnvReadsButDoesNotWrite) {
  TempDir dir;
  {
    Env env = Env::open(dir.file());
    Txn w = env.begin_write();
    w.put("k", "v");
    w.open_db("named", alder::DbFlags::create);
    w.commit();
  }
  const std::string before = alder_test::read_file_bytes(dir.file());
  {
    EnvOptions o;
    o.read_only = true;
    Env env = Env::open(dir.file(), o);
    Txn r = env.begin_read();
    EXPECT_EQ(r.get("k"), std::optional<std::string_view>("v"));
    EXPECT_NO_THROW(r.open_db("named"));
    r.abort();
    EXPECT_ALDER_ERROR(ErrorCode::read_only, env.begin_write());
    auto vr = env.verify();
    EXPECT_TRUE(vr.ok()) << vr.error;
  }
  EXPECT_TRUE(alder_test::read_file_bytes(dir.file()) == before)
      << "a read-only open changed the file";
}

// ------------------------------------------------------------------ crash

class PersistenceCrash : public ::testing::TestWithParam<Mode> {};

INSTANTIATE_TEST_SUITE_P(Modes, PersistenceCrash,
                         ::testing::ValuesIn(alder_test::kDurabilityModes),
                         [](const auto& info) { return std::string(info.param.name); });

constexpr int kPerCommit = 10;
constexpr std::uint64_t kDeleteLag = 50;

std::string crash_key(std::uint64_t commit, int j) {
  return alder_test::num_key(commit * kPerCommit + j, 12, "c");
}
std::size_t crash_value_size(std::uint64_t commit, int j) {
  std::uint64_t h = (commit * 31 + j) % 101;
  if (h == 0) return 30000;  // now and then an overflow value
  return 10 + (commit * 7 + j * 13) % 1500;
}

// The child: commit after commit, reporting each committed number on fd.
[[noreturn]] void crash_child(const std::string& path, const EnvOptions& opts, int fd) {
  try {
    Env env = Env::open(path, opts);
    std::uint64_t c = 0;
    {
      Txn r = env.begin_read();
      auto v = r.get("counter");
      if (v) c = std::stoull(std::string(*v));
    }
    for (;;) {
      ++c;
      Txn w = env.begin_write();
      w.put("counter", std::to_string(c));
      for (int j = 0; j < kPerCommit; ++j) {
        w.put(crash_key(c, j), alder_test::pattern_value(c, j, crash_value_size(c, j)));
      }
      if (c > kDeleteLag) {
        for (int j = 0; j < kPerCommit; j += 2) w.del(crash_key(c - kDeleteLag, j));
      }
      w.commit();
      if (::write(fd, &c, sizeof c) != sizeof c) ::_exit(3);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crash child: %s\n", e.what());
    ::_exit(2);
  }
}

// Rounds: 4, or ALDER_FAULT_CASES (the long run). Each round the parent
// waits for a random number of reported commits, then a random 0-2 ms more
// (so the kill lands anywhere inside a commit), and sends SIGKILL.
TEST_P(PersistenceCrash, KillNineDuringCommitsLosesNothingReported) {
  TempDir dir;
  const EnvOptions opts = mode_options(GetParam());
  std::uint64_t reported = 0;
  const int rounds = int(alder_test::case_count(4));
  std::mt19937_64 rng(rounds);
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      crash_child(dir.file(), opts, fds[1]);
    }
    ::close(fds[1]);
    const std::uint64_t target = reported + 1 + rng() % 80;
    std::uint64_t got = 0;
    bool eof = false;
    while (got < target) {
      std::uint64_t v;
      ssize_t n = ::read(fds[0], &v, sizeof v);
      if (n == sizeof v) {
        got = v;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      eof = true;
      break;
    }
    if (!eof) ::usleep(useconds_t(rng() % 2000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(fds[0]);
    ASSERT_FALSE(eof) << "child stopped early (status " << status << ")";
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ASSERT_GE(got, target);
    reported = got;

    Env env = Env::open(dir.file(), opts);
    auto vr = env.verify();
    ASSERT_TRUE(vr.ok()) << vr.error << " (page " << vr.bad_page << " " << vr.bad_page_kind << ")";
    Txn r = env.begin_read();
    auto cv = r.get("counter");
    ASSERT_TRUE(cv.has_value());
    const std::uint64_t c = std::stoull(std::string(*cv));
    EXPECT_GE(c, reported) << "a commit the child reported is gone";
    // Exactly the state after commit c: nothing lost, nothing half-done.
    // Keys of the last 300 commits (and c + 1) are checked one by one; the
    // entry count covers the older ones.
    const std::uint64_t first = c > 300 ? c - 300 : 1;
    std::uint64_t entries = 1;  // counter
    for (std::uint64_t i = 1; i < first; ++i) entries += i + kDeleteLag > c ? kPerCommit : kPerCommit / 2;
    for (std::uint64_t i = first; i <= c + 1; ++i) {
      for (int j = 0; j < kPerCommit; ++j) {
        auto v = r.get(crash_key(i, j));
        bool want = i <= c && (j % 2 == 1 || i + kDeleteLag > c);
        if (want != v.has_value()) {
          ADD_FAILURE() << "commit " << i << " key " << j << (want ? " missing" : " present")
                        << " with counter " << c;
          return;
        }
        if (v) {
          ++entries;
          if (*v != alder_test::pattern_value(i, j, crash_value_size(i, j))) {
            ADD_FAILURE() << "commit " << i << " key " << j << " has a wrong value";
            return;
          }
        }
      }
    }
    EXPECT_EQ(r.db_stat(alder::kMainDbi).entries, entries);
    reported = c;
  }
}

// Tiny unsynced commits, killed at random: in no_sync every commit rewrites
// the same meta slot (the other holds the synced meta), so a kill in the
// middle of that write must not tear the only copy of the newest
// acknowledged commit. Each round's child commits 1-put txns as fast as it
// can; the parent kills it after a random 0-3 ms.
TEST(PersistenceCrash, KillDuringUnsyncedMetaWritesLosesNothing) {
  TempDir dir;
  EnvOptions opts;
  opts.durability = Durability::no_sync;
  opts.autosync_bytes = UINT64_MAX;  // never sync: every commit is unsynced
  const int rounds = int(alder_test::case_count(150));
  std::mt19937_64 rng(7);
  std::uint64_t reported = 0;
  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      try {
        Env env = Env::open(dir.file(), opts);
        std::uint64_t c = 0;
        {
          Txn r = env.begin_read();
          if (auto v = r.get("counter")) c = std::stoull(std::string(*v));
        }
        for (;;) {
          Txn w = env.begin_write();
          w.put("counter", std::to_string(++c));
          w.commit();
          // Reports every commit: the parent may kill right after any one.
          if (::write(fds[1], &c, sizeof c) != sizeof c) ::_exit(3);
        }
      } catch (...) {
        ::_exit(2);
      }
    }
    ::close(fds[1]);
    std::uint64_t got = reported, v;
    // Wait for the first report of this round, then a random while.
    if (::read(fds[0], &v, sizeof v) == sizeof v) got = v;
    ::usleep(useconds_t(rng() % 3000));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    while (::read(fds[0], &v, sizeof v) == sizeof v) got = v;  // reports made before the kill
    ::close(fds[0]);
    Env env = Env::open(dir.file(), opts);
    Txn r = env.begin_read();
    auto cv = r.get("counter");
    ASSERT_TRUE(cv.has_value()) << "round " << round;
    const std::uint64_t c = std::stoull(std::string(*cv));
    ASSERT_GE(c, got) << "round " << round << ": acknowledged commits lost to a kill";
    reported = c;
  }
}

// ------------------------------------------------------------- page reuse

std::string reuse_value(int i, int round) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "v%07d-round%06d-pad", i, round);
  return buf;
}

TEST(PersistenceReuse, OverwritingTheSameKeysKeepsTheFileBounded) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  const int keys = 10000, rounds = 1000;
  std::vector<std::string> k(keys);
  for (int i = 0; i < keys; ++i) k[i] = alder_test::num_key(i, 8);
  std::uint64_t size10 = 0, used10 = 0;
  for (int round = 1; round <= rounds; ++round) {
    Txn w = env.begin_write();
    for (int i = 0; i < keys; ++i) w.put(k[i], reuse_value(i, round));
    w.commit();
    if (round == 10) {
      auto st = env.stat();
      size10 = st.file_size;
      used10 = st.used_pages;
    }
  }
  auto st = env.stat();
  std::cout << "[ reuse ] " << keys << " keys x " << rounds
            << " commits: file_size after 10 rounds " << size10 << " bytes, after " << rounds
            << " rounds " << st.file_size << " bytes; used_pages " << used10 << " -> "
            << st.used_pages << "; free_pages " << st.free_pages << std::endl;
  EXPECT_LE(st.file_size, 2 * size10);
  EXPECT_LE(st.used_pages, 2 * used10);
  Txn r = env.begin_read();
  for (int i = 0; i < keys; i += 97) {
    EXPECT_EQ(r.get(k[i]), std::optional<std::string_view>(reuse_value(i, rounds)));
  }
  EXPECT_EQ(r.db_stat(alder::kMainDbi).entries, static_cast<std::uint64_t>(keys));
  r.abort();
  auto vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
}

TEST(PersistenceReuse, FileStopsGrowingOnceALongReaderIsReleased) {
  TempDir dir;
  Env env = Env::open(dir.file(), alder_test::fast_options());
  const int keys = 2000, rounds = 600;
  const int hold_from = 100, hold_to = 300, settle = 320;
  std::vector<std::string> k(keys);
  for (int i = 0; i < keys; ++i) k[i] = alder_test::num_key(i, 8);
  std::optional<Txn> reader;
  std::uint64_t size_hold = 0, used_hold = 0, size_release = 0, used_release = 0;
  std::uint64_t size_settled = 0, used_settled = 0;
  for (int round = 1; round <= rounds; ++round) {
    Txn w = env.begin_write();
    for (int i = 0; i < keys; ++i) w.put(k[i], reuse_value(i, round));
    w.commit();
    if (round == hold_from) {
      reader.emplace(env.begin_read());
      size_hold = env.stat().file_size;
      used_hold = env.stat().used_pages;
    }
    if (round == hold_to) {
      // The held snapshot still shows its own round.
      for (int i = 0; i < keys; i += 101) {
        EXPECT_EQ(reader->get(k[i]), std::optional<std::string_view>(reuse_value(i, hold_from)));
      }
      reader.reset();
      size_release = env.stat().file_size;
      used_release = env.stat().used_pages;
    }
    if (round == settle) {
      size_settled = env.stat().file_size;
      used_settled = env.stat().used_pages;
    }
  }
  auto st = env.stat();
  std::cout << "[ reuse ] reader held rounds " << hold_from << ".." << hold_to << ": file_size "
            << size_hold << " -> " << size_release << " (released) -> " << size_settled
            << " (round " << settle << ") -> " << st.file_size << " (round " << rounds
            << "); used_pages " << used_hold << " -> " << used_release << " -> " << used_settled
            << " -> " << st.used_pages << std::endl;
  EXPECT_LE(st.file_size, size_settled) << "file still grows after the reader ended";
  EXPECT_LE(st.used_pages, used_settled) << "high-water mark still grows";
  auto vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
}

// With autosync turned off, an explicit Env::sync() now and then is what
// lets held-back pages be reused (see EnvOptions::autosync_bytes).
TEST(PersistenceReuse, ExplicitSyncBoundsTheFileWithoutAutosync) {
  TempDir dir;
  EnvOptions o = alder_test::fast_options();
  o.autosync_bytes = UINT64_MAX;
  Env env = Env::open(dir.file(), o);
  EXPECT_EQ(env.path(), dir.file());
  const int keys = 2000, rounds = 400;
  std::uint64_t used10 = 0;
  for (int round = 1; round <= rounds; ++round) {
    Txn w = env.begin_write();
    for (int i = 0; i < keys; ++i) w.put(alder_test::num_key(i, 8), reuse_value(i, round));
    w.commit();
    if (round % 10 == 0) env.sync();
    if (round == 10) used10 = env.stat().used_pages;
  }
  auto st = env.stat();
  std::cout << "[ reuse ] autosync off, sync every 10 commits: used_pages " << used10
            << " after 10 rounds, " << st.used_pages << " after " << rounds << std::endl;
  EXPECT_LE(st.used_pages, 3 * used10);
  auto vr = env.verify();
  EXPECT_TRUE(vr.ok()) << vr.error;
}

// ------------------------------------------------------------- locking

TEST(Persistence, SecondProcessCannotOpenForWriting) {
  TempDir dir;
  { Env env = Env::open(dir.file()); }
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(ready[0]);
    ::close(release[1]);
    try {
      Env env = Env::open(dir.file());
      char c = 1;
      if (::write(ready[1], &c, 1) != 1) ::_exit(3);
      ::read(release[0], &c, 1);  // returns at EOF when the parent closes
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1) << "child could not open the env";
  EXPECT_ALDER_ERROR(ErrorCode::locked, Env::open(dir.file()));
  ::close(release[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(ready[0]);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // Free again once the other process is gone.
  EXPECT_NO_THROW(Env::open(dir.file()));
}

}  // namespace
