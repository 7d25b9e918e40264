// Micro-benchmark: Cursor::next over a loaded db (public API), the inner
// loop of every scan, and Txn::get for comparison. The db (100,000 entries,
// 24-byte keys, 150-byte values) lives in a temp file under /tmp.
#include <benchmark/benchmark.h>

#include <alder/alder.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

struct Db {
  Db() {
    char tmpl[] = "/tmp/alder-micro-XXXXXX";
    dir = ::mkdtemp(tmpl);
    alder::EnvOptions o;
    o.durability = alder::Durability::no_sync;
    env.emplace(alder::Env::open(dir + "/db.alder", o));
    std::mt19937_64 rng(3);
    alder::Txn w = env->begin_write();
    for (int i = 0; i < 100000; ++i) {
      std::string k(24, '\0');
      for (char& c : k) c = static_cast<char>(rng());
      w.put(k, std::string(150, 'v'));
      keys.push_back(k);
    }
    w.commit();
  }
  ~Db() {
    env->close();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::optional<alder::Env> env;
  std::vector<std::string> keys;
};

Db& db() {
  static Db d;
  return d;
}

// One Cursor::next per iteration; wraps to first() at the end. Items = steps.
void BM_CursorNext(benchmark::State& state) {
  alder::Txn txn = db().env->begin_read();
  alder::Cursor c = txn.cursor();
  c.first();
  for (auto _ : state) {
    if (!c.next()) c.first();
    benchmark::DoNotOptimize(c.key().data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_CursorNext);

// One Txn::get of a present key per iteration, random order. Items = gets.
void BM_TxnGet(benchmark::State& state) {
  alder::Txn txn = db().env->begin_read();
  const std::vector<std::string>& keys = db().keys;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(txn.get(keys[i]));
    i = (i + 7919) % keys.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_TxnGet);

}  // namespace
