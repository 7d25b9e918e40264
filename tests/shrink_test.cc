// A file that shrinks while it is open (issue #14, item 3;
// src/txn/shrink.h): Env::compact(), shrinking during commits, readers of
// old snapshots, named dbs and dictionaries, a writer and readers beside
// compact() (the Concurrency* suite runs under TSan), and the power-loss and
// countdown-fault sweeps with shrinking in every commit.
#include <atomic>
#include <thread>

#include "fault_util.h"
#include "test_util.h"

namespace {

using alder::Dbi;
using alder::Env;
using alder::EnvOptions;
using alder::Txn;
using alder::detail::EnvAccess;
using alder_test::num_key;
using alder_test::TempDir;

std::string value_of(int i, size_t n = 100) {
  std::string v = "value-" + std::to_string(i) + "-";
  while (v.size() < n) v += char('a' + i % 26);
  return v;
}

uint64_t live_bytes(Env& env) {
  const alder::EnvStat s = env.stat();
  return (s.used_pages - s.free_pages) * s.page_size;
}

// Loads n keys (in a scattered order, so pages of all ages spread over the
// file), then deletes all but every tenth in commits of `per_commit`.
void load_then_delete(Env& env, int n, int per_commit, size_t vlen = 100) {
  std::vector<int> ids(n);
  for (int i = 0; i < n; i++) ids[i] = i;
  std::mt19937 rng(3);
  std::shuffle(ids.begin(), ids.end(), rng);
  for (int i = 0; i < n;) {
    Txn t = env.begin_write();
    for (int end = std::min(n, i + 2000); i < end; i++) t.put(num_key(ids[i]), value_of(ids[i], vlen));
    t.commit();
  }
  std::shuffle(ids.begin(), ids.end(), rng);
  std::vector<int> doomed;
  for (int id : ids)
    if (id % 10) doomed.push_back(id);
  for (size_t i = 0; i < doomed.size();) {
    Txn t = env.begin_write();
    for (size_t end = std::min(doomed.size(), i + per_commit); i < end; i++)
      ASSERT_TRUE(t.del(num_key(doomed[i])));
    t.commit();
  }
}

void expect_survivors(Env& env, int n, size_t vlen = 100) {
  Txn r = env.begin_read();
  EXPECT_EQ(r.db_stat(alder::kMainDbi).entries, uint64_t((n + 9) / 10));
  for (int i = 0; i < n; i++) {
    auto v = r.get(num_key(i));
    if (i % 10) {
      EXPECT_FALSE(v) << i;
    } else {
      ASSERT_TRUE(v) << i;
      EXPECT_EQ(*v, value_of(i, vlen)) << i;
    }
  }
}

TEST(Shrink, CompactBringsTheFileToItsLivePagesAndKeepsEveryValue) {
  TempDir dir;
  EnvOptions o;
  o.durability = alder::Durability::no_sync;
  o.shrink_threshold = UINT64_MAX;  // only compact() shrinks
  Env env = Env::open(dir.file(), o);
  load_then_delete(env, 30000, 1000);
  env.sync();
  const uint64_t before = env.stat().file_size;
  const uint64_t size = env.compact();
  EXPECT_EQ(size, env.stat().file_size);
  EXPECT_EQ(size, std::filesystem::file_size(dir.file()));
  EXPECT_LT(size * 4, before);
  EXPECT_LE(double(size), 1.05 * double(live_bytes(env)) + 65536);
  EXPECT_TRUE(env.verify().ok()) << env.verify().error;
  expect_survivors(env, 30000);
  env.close();
  Env again = Env::open(dir.file());
  EXPECT_TRUE(again.verify().ok());
  expect_survivors(again, 30000);
}

TEST(Shrink, CommitsShrinkTheFileWithoutAReopenUnlessTurnedOff) {
  uint64_t sizes[2], lives[2];
  for (int off = 0; off < 2; off++) {
    TempDir dir;
    EnvOptions o;  // Durability::sync: with no_sync, freed pages wait for the autosyncs
    // Below the threshold nothing moves, and a free end shorter than it
    // stays: the file may keep up to twice it beyond its live pages.
    o.shrink_threshold = off ? UINT64_MAX : 256 * 1024;
    Env env = Env::open(dir.file(), o);
    load_then_delete(env, 30000, 500);
    for (int i = 0; i < 100; i++) {  // single puts: the walk goes on, then a gather trims
      Txn t = env.begin_write();
      t.put(num_key(i * 10), value_of(i * 10));
      t.commit();
    }
    sizes[off] = env.stat().file_size;
    lives[off] = live_bytes(env);
    EXPECT_TRUE(env.verify().ok()) << env.verify().error;
    expect_survivors(env, 30000);
  }
  EXPECT_LE(double(sizes[0]), 1.3 * double(lives[0]) + 2 * 256 * 1024)
      << sizes[0] << " bytes for " << lives[0] << " live";
  EXPECT_GT(double(sizes[1]), 3.0 * double(lives[1])) << "shrink_threshold = UINT64_MAX shrank";
}

TEST(Shrink, ReadersOfOlderSnapshotsKeepReadingWhileTheFileShrinks) {
  TempDir dir;
  EnvOptions o;
  o.durability = alder::Durability::no_sync;
  o.shrink_threshold = 64 * 1024;
  Env env = Env::open(dir.file(), o);
  {
    Txn t = env.begin_write();
    for (int i = 0; i < 20000; i++) t.put(num_key(i), value_of(i));
    t.commit();
  }
  env.sync();
  Txn old = env.begin_read();  // sees all 20,000
  load_then_delete(env, 20000, 1000);
  env.compact();
  const uint64_t held = env.stat().file_size;
  for (int i = 0; i < 20000; i += 7) {
    auto v = old.get(num_key(i));
    ASSERT_TRUE(v) << i;
    EXPECT_EQ(*v, value_of(i)) << i;
  }
  old.abort();
  const uint64_t after = env.compact();
  EXPECT_LT(after * 2, held) << "the pages the reader held were not given back";
  EXPECT_TRUE(env.verify().ok());
  expect_survivors(env, 20000);
}

TEST(Shrink, NamedDbsOverflowRunsAndDictionariesMoveToo) {
  TempDir dir;
  EnvOptions o;
  o.durability = alder::Durability::no_sync;
  o.shrink_threshold = UINT64_MAX;
  Env env = Env::open(dir.file(), o);
  alder::DbOptions zo;
  zo.compression = alder::Compression::zstd;
  std::string dict;
  for (int i = 0; i < 400; i++) dict += "Package: lib" + std::to_string(i) + "\nSection: libs\n";
  zo.dictionary = dict;
  {
    Txn t = env.begin_write();
    Dbi big = t.open_db("big", alder::DbFlags::create);
    Dbi z = t.open_db("z", alder::DbFlags::create, zo);
    for (int i = 0; i < 3000; i++) {
      t.put(big, num_key(i), value_of(i, 6000));  // overflow runs
      t.put(z, num_key(i), "Package: lib" + std::to_string(i) + "\nSection: libs\n" + value_of(i, 300));
    }
    t.commit();
  }
  {
    Txn t = env.begin_write();
    Dbi big = t.open_db("big");
    Dbi z = t.open_db("z");
    for (int i = 0; i < 3000; i++)
      if (i % 10) {
        t.del(big, num_key(i));
        t.del(z, num_key(i));
      }
    t.commit();
  }
  env.sync();
  const uint64_t before = env.stat().file_size;
  const uint64_t size = env.compact();
  EXPECT_LT(size * 4, before);
  EXPECT_LE(double(size), 1.05 * double(live_bytes(env)) + 65536);
  EXPECT_TRUE(env.verify().ok()) << env.verify().error;
  env.close();
  Env again = Env::open(dir.file());
  Txn r = again.begin_read();
  Dbi big = r.open_db("big"), z = r.open_db("z");
  EXPECT_EQ(r.db_options(z).dictionary, dict);
  for (int i = 0; i < 3000; i += 10) {
    EXPECT_EQ(r.get(big, num_key(i)), std::optional<std::string_view>(value_of(i, 6000)));
    EXPECT_EQ(r.get(z, num_key(i)),
              std::optional<std::string_view>("Package: lib" + std::to_string(i) +
                                              "\nSection: libs\n" + value_of(i, 300)));
  }
}

TEST(Shrink, BadThresholdsAndReadOnlyEnvs) {
  TempDir dir;
  { Env env = Env::open(dir.file()); }
  EnvOptions ro;
  ro.read_only = true;
  Env env = Env::open(dir.file(), ro);
  try {
    env.compact();
    FAIL() << "compact on a read-only env";
  } catch (const alder::Error& e) {
    EXPECT_EQ(e.code(), alder::ErrorCode::read_only);
  }
}

// compact() beside a writer thread and reader threads: every snapshot a
// reader takes is whole (the counter key matches the entries it sees), and
// the writer's commits all land.
TEST(ConcurrencyShrink, CompactBesideAWriterAndReaders) {
  TempDir dir;
  EnvOptions o;
  o.durability = alder::Durability::no_sync;
  o.shrink_threshold = 256 * 1024;  // commits shrink too
  Env env = Env::open(dir.file(), o);
  {
    Txn t = env.begin_write();
    for (int i = 0; i < 20000; i++) t.put(num_key(i), value_of(i));
    t.put("count", "20000");
    t.commit();
  }
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread writer([&] {
    int n = 20000;
    while (n > 2000) {  // deletes from the top, 200 per commit
      Txn t = env.begin_write();
      for (int k = 0; k < 200; k++) t.del(num_key(--n));
      t.put("count", std::to_string(n));
      t.commit();
    }
    stop = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; r++)
    readers.emplace_back([&] {
      while (!stop) {
        Txn t = env.begin_read();
        const int n = std::stoi(std::string(*t.get("count")));
        if (t.db_stat(alder::kMainDbi).entries != uint64_t(n) + 1) bad++;
        auto v = t.get(num_key(n - 1));
        if (!v || *v != value_of(n - 1)) bad++;
      }
    });
  while (!stop) env.compact();
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  env.compact();
  EXPECT_TRUE(env.verify().ok());
  EXPECT_LE(double(env.stat().file_size), 1.05 * double(live_bytes(env)) + 65536);
}

// ------------------------------------------- power loss and countdown faults

using Mode = alder_test::DurabilityMode;
const auto& kModes = alder_test::kDurabilityModes;

class ShrinkFaults : public ::testing::TestWithParam<Mode> {};
INSTANTIATE_TEST_SUITE_P(Modes, ShrinkFaults, ::testing::ValuesIn(kModes),
                         [](const auto& info) { return std::string(info.param.name); });

// Shrinking in every commit (a 1-byte threshold: every commit with a free
// page walks, gathers, moves pages and cuts the file) and a compact() now
// and then, so cuts and relocations meet every failure point.
EnvOptions shrinking(const Mode& m, uint32_t page_size) {
  EnvOptions o = alder_test::mode_options(m);
  o.page_size = page_size;
  o.autosync_bytes = 32 * 1024;
  o.shrink_threshold = 1;
  return o;
}

void step(alder_fault::Workload& w, Env& env) {
  w.step(env);
  if (w.rng()() % 8 == 0) env.compact();
}

TEST_P(ShrinkFaults, PowerLossRecoversExactlyOneAllowedCommittedState) {
  TempDir dir;
  const uint64_t cases = alder_fault::case_count(12);
  const bool durable = GetParam().durability == alder::Durability::sync;
  for (uint64_t seed = 1; seed <= cases; seed++) {
    std::mt19937_64 rng(seed * 31 + 5);
    const EnvOptions o = shrinking(GetParam(), seed % 2 ? 512 : 4096);
    const std::string path = dir.file(), image = dir.file("crashed.alder");
    std::filesystem::remove(path);
    alder_fault::Workload w(seed + 500);
    w.create(path, o);
    alder_fault::SimDisk disk(path, o.page_size);
    uint64_t floor = 0;
    disk.on_sync = [&] { floor = w.acked(); };
    const uint64_t steps = 10 + rng() % 50;
    disk.arm_cut_at_sync(1 + rng() % (steps + 2));
    try {
      Env env = EnvAccess::open_with_hook(path, o, &disk);
      for (uint64_t i = 0; i < steps && !disk.is_cut(); i++) {
        step(w, env);
        disk.capture();
      }
    } catch (const alder::Error&) {
      ASSERT_TRUE(disk.is_cut()) << "only the power cut may fail an operation";
    }
    if (!disk.is_cut()) disk.cut_now();
    disk.crash_image(image, rng);
    const uint64_t lo = durable ? w.acked() : floor;
    const uint64_t hi = w.acked() + (w.in_flight() ? 1 : 0);
    ASSERT_EQ(alder_fault::check_recovered(image, w, lo, hi), "") << "seed " << seed;
  }
}

TEST_P(ShrinkFaults, EveryFailurePointLeavesTheLastAcknowledgedCommit) {
  if (GetParam().spill) GTEST_SKIP() << "the spill modes add failure points, not shrinking ones";
  TempDir dir(alder_test::memory_parent());
  const EnvOptions o = shrinking(GetParam(), 512);
  auto run = [&](uint64_t k) {
    std::filesystem::remove(dir.file());
    alder_fault::Workload w(77);
    w.create(dir.file(), o);
    alder_fault::CountdownHook hook(k, k % 2 ? EIO : ENOSPC);
    try {
      Env env = EnvAccess::open_with_hook(dir.file(), o, &hook);
      try {
        for (int i = 0; i < 12; i++) step(w, env);
        env.sync();
        env.close();
      } catch (const alder::Error&) {
        try {
          env.close();
        } catch (const alder::Error&) {
        }
      }
    } catch (const alder::Error&) {
    }
    EXPECT_EQ(alder_fault::check_recovered(dir.file(), w, w.acked(), w.acked()), "")
        << "fault at I/O operation " << k;
    return hook.ops();
  };
  const uint64_t total = run(UINT64_MAX);
  ASSERT_GT(total, 3u);
  for (uint64_t k = 0; k < total && !HasFailure(); k++) run(k);
}

}  // namespace
