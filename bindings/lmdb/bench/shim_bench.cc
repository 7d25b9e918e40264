// lmdb_shim_bench: the same workloads through alder's own C API
// (include/alder/alder.h), through alder's liblmdb.so.0 and through the
// real liblmdb, in one process (both mdb_* libraries dlopened, as in
// tests/differential_test.cc). Prints ops/s and the shim/alder-C ratio,
// whose target is >= 0.95 (issue #15). Random 16-byte keys, 100-byte
// values, no-sync commits (MDB_NOSYNC / ALDER_NO_SYNC) so the disk does
// not dominate; a 4 GiB map for all three.
//
// The engines run one after another in each round, and which runs first
// rotates from round to round, so no engine always has the same neighbours.
// One scan of a fresh env moves by several percent from env to env on the
// shared VM (repeated scans of one env agree far better), so single rounds
// decide nothing: printed are per engine the median over the rounds and
// the spread (min-max), and the median of the per-round shim/alder-C
// ratios.
// Usage: lmdb_shim_bench [N] [rounds]   (N = 200000, rounds = 6);
// ALDER_BENCH_RAW=1 also prints each round's figures and positions;
// ALDER_BENCH_SCANS=K scans K more times per round (best kept), for perf.
#include <alder/alder.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "../tests/lmdb_api.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Data {
  std::vector<std::string> keys, sorted;
  std::string value = std::string(100, 'v');
};

Data make_data(size_t n) {
  Data d;
  std::mt19937_64 rng(42);
  d.keys.resize(n);
  for (auto& k : d.keys) {
    k.resize(16);
    for (auto& c : k) c = char(rng());
  }
  d.sorted = d.keys;
  std::sort(d.sorted.begin(), d.sorted.end());
  return d;
}

// One engine's workloads; each returns seconds.
struct Engine {
  std::string name;
  std::function<void(const std::string& dir)> open, close;
  std::function<double(const Data&)> load, get, scan, small_read_txns;
};

double secs(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

#define CHECK(x)                                                     \
  do {                                                               \
    if ((x) != 0) {                                                  \
      std::fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #x); \
      std::exit(1);                                                  \
    }                                                                \
  } while (0)

Engine lmdb_engine(lmdb_test::Api& api) {
  auto st = std::make_shared<std::pair<MDB_env*, MDB_dbi>>();
  Engine e;
  e.name = api.name;
  e.open = [&api, st](const std::string& dir) {
    CHECK(api.mdb_env_create(&st->first));
    CHECK(api.mdb_env_set_mapsize(st->first, size_t{4} << 30));
    CHECK(api.mdb_env_open(st->first, dir.c_str(), MDB_NOSYNC | MDB_NOTLS, 0644));
    MDB_txn* t;
    CHECK(api.mdb_txn_begin(st->first, nullptr, 0, &t));
    CHECK(api.mdb_dbi_open(t, nullptr, 0, &st->second));
    CHECK(api.mdb_txn_commit(t));
  };
  e.close = [&api, st](const std::string&) { api.mdb_env_close(st->first); };
  e.load = [&api, st](const Data& d) {
    auto t0 = Clock::now();
    MDB_txn* t;
    CHECK(api.mdb_txn_begin(st->first, nullptr, 0, &t));
    MDB_val v{d.value.size(), (void*)d.value.data()};
    for (const auto& k : d.keys) {
      MDB_val kv{k.size(), (void*)k.data()};
      CHECK(api.mdb_put(t, st->second, &kv, &v, 0));
    }
    CHECK(api.mdb_txn_commit(t));
    return secs(t0);
  };
  e.get = [&api, st](const Data& d) {
    auto t0 = Clock::now();
    MDB_txn* t;
    CHECK(api.mdb_txn_begin(st->first, nullptr, MDB_RDONLY, &t));
    size_t sum = 0;
    for (const auto& k : d.keys) {
      MDB_val kv{k.size(), (void*)k.data()}, v;
      CHECK(api.mdb_get(t, st->second, &kv, &v));
      sum += v.mv_size;
    }
    api.mdb_txn_abort(t);
    if (sum != d.keys.size() * d.value.size()) std::exit(1);
    return secs(t0);
  };
  e.scan = [&api, st](const Data& d) {
    auto t0 = Clock::now();
    MDB_txn* t;
    MDB_cursor* c;
    CHECK(api.mdb_txn_begin(st->first, nullptr, MDB_RDONLY, &t));
    CHECK(api.mdb_cursor_open(t, st->second, &c));
    size_t n = 0;
    MDB_val k, v;
    for (int rc = api.mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = api.mdb_cursor_get(c, &k, &v, MDB_NEXT))
      n++;
    api.mdb_cursor_close(c);
    api.mdb_txn_abort(t);
    if (n != d.keys.size()) std::exit(1);
    return secs(t0);
  };
  // The python3-lmdb pattern: one spare read txn, renewed and reset.
  e.small_read_txns = [&api, st](const Data& d) {
    auto t0 = Clock::now();
    MDB_txn* t;
    CHECK(api.mdb_txn_begin(st->first, nullptr, MDB_RDONLY, &t));
    api.mdb_txn_reset(t);
    for (size_t i = 0; i < d.keys.size(); i++) {
      CHECK(api.mdb_txn_renew(t));
      MDB_val kv{d.keys[i].size(), (void*)d.keys[i].data()}, v;
      CHECK(api.mdb_get(t, st->second, &kv, &v));
      api.mdb_txn_reset(t);
    }
    api.mdb_txn_abort(t);
    return secs(t0);
  };
  return e;
}

Engine alder_c_engine() {
  auto st = std::make_shared<std::pair<alder_env*, alder_dbi>>();
  Engine e;
  e.name = "alder C API";
  e.open = [st](const std::string& dir) {
    alder_env_options o = alder_env_options_default();
    o.durability = ALDER_NO_SYNC;
    o.max_size = uint64_t{4} << 30;  // the map size the LMDB engines get
    CHECK(alder_env_open((dir + "/data.alder").c_str(), &o, &st->first));
    st->second = 0;
  };
  e.close = [st](const std::string&) { alder_env_close(st->first); };
  e.load = [st](const Data& d) {
    auto t0 = Clock::now();
    alder_txn* t;
    CHECK(alder_txn_begin(st->first, 0, &t));
    alder_val v{d.value.size(), d.value.data()};
    for (const auto& k : d.keys) {
      alder_val kv{k.size(), k.data()};
      CHECK(alder_put(t, st->second, &kv, &v, 0));
    }
    CHECK(alder_txn_commit(t));
    return secs(t0);
  };
  e.get = [st](const Data& d) {
    auto t0 = Clock::now();
    alder_txn* t;
    CHECK(alder_txn_begin(st->first, ALDER_RDONLY, &t));
    size_t sum = 0;
    for (const auto& k : d.keys) {
      alder_val kv{k.size(), k.data()}, v;
      CHECK(alder_get(t, st->second, &kv, &v));
      sum += v.size;
    }
    alder_txn_abort(t);
    if (sum != d.keys.size() * d.value.size()) std::exit(1);
    return secs(t0);
  };
  e.scan = [st](const Data& d) {
    auto t0 = Clock::now();
    alder_txn* t;
    alder_cursor* c;
    CHECK(alder_txn_begin(st->first, ALDER_RDONLY, &t));
    CHECK(alder_cursor_open(t, st->second, &c));
    size_t n = 0;
    alder_val k, v;
    for (int rc = alder_cursor_get(c, &k, &v, ALDER_FIRST); rc == 0;
         rc = alder_cursor_get(c, &k, &v, ALDER_NEXT))
      n++;
    alder_cursor_close(c);
    alder_txn_abort(t);
    if (n != d.keys.size()) std::exit(1);
    return secs(t0);
  };
  // alder's C API has no reset/renew: a read txn per get.
  e.small_read_txns = [st](const Data& d) {
    auto t0 = Clock::now();
    for (size_t i = 0; i < d.keys.size(); i++) {
      alder_txn* t;
      CHECK(alder_txn_begin(st->first, ALDER_RDONLY, &t));
      alder_val kv{d.keys[i].size(), d.keys[i].data()}, v;
      CHECK(alder_get(t, st->second, &kv, &v));
      alder_txn_abort(t);
    }
    return secs(t0);
  };
  return e;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 200000;
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 6;
  static lmdb_test::Api shim("alder liblmdb.so.0", ALDER_LMDB_SHIM_PATH);
  static lmdb_test::Api real("real liblmdb", ALDER_REAL_LMDB_PATH);
  std::vector<Engine> engines = {alder_c_engine(), lmdb_engine(shim), lmdb_engine(real)};
  const size_t ne = engines.size();
  const Data d = make_data(n);
  const char* names[] = {"random put, 1 txn + commit", "random get, 1 read txn",
                         "cursor scan first..next", "read txn (renew/reset) + 1 get"};
  // ops[workload][engine]: ops/s of each round.
  std::vector<std::vector<std::vector<double>>> ops(4, std::vector<std::vector<double>>(ne));
  const bool raw = std::getenv("ALDER_BENCH_RAW") != nullptr;  // every round's figures too
  const char* sr = std::getenv("ALDER_BENCH_SCANS");  // more scans per round (for profiles)
  const int scan_repeat = sr ? std::atoi(sr) : 0;
  for (int r = 0; r < rounds; r++) {
    for (size_t j = 0; j < ne; j++) {
      const size_t i = (size_t(r) + j) % ne;  // round r starts with engine r % 3
      char tmpl[] = "/tmp/alder_lmdb_bench_XXXXXX";
      const std::string dir = ::mkdtemp(tmpl);
      Engine& e = engines[i];
      e.open(dir);
      double t[4] = {e.load(d), e.get(d), e.scan(d), e.small_read_txns(d)};
      for (int k = 0; k < scan_repeat; k++) t[2] = std::min(t[2], e.scan(d));
      e.close(dir);
      std::filesystem::remove_all(dir);
      for (int w = 0; w < 4; w++) ops[w][i].push_back(double(n) / t[w]);
      if (raw)
        std::printf("round %d position %zu %-20s %.0f %.0f %.0f %.0f\n", r, j, e.name.c_str(),
                    ops[0][i].back(), ops[1][i].back(), ops[2][i].back(), ops[3][i].back());
    }
  }
  std::printf("N = %zu, %d rounds (engine order rotated), ops/s: median (min-max)\n\n", n,
              rounds);
  std::printf("| workload | alder C API | shim (mdb_* on alder) | real liblmdb | shim / alder C |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  for (int w = 0; w < 4; w++) {
    std::printf("| %s |", names[w]);
    for (size_t i = 0; i < ne; i++) {
      const auto [lo, hi] = std::minmax_element(ops[w][i].begin(), ops[w][i].end());
      std::printf(" %.0f (%.0f-%.0f) |", median(ops[w][i]), *lo, *hi);
    }
    std::vector<double> ratio;
    for (int r = 0; r < rounds; r++) ratio.push_back(ops[w][1][size_t(r)] / ops[w][0][size_t(r)]);
    const auto [lo, hi] = std::minmax_element(ratio.begin(), ratio.end());
    std::printf(" %.3f (%.3f-%.3f) |\n", median(ratio), *lo, *hi);
  }
  return 0;
}
