// Random gets on an existing alder file (issue #14, item 1: a get of a
// compressed value against one stored raw), e.g. on the Debian index
// loaded with `alder load-debian F --compress zstd-dict`:
//
//   build/bench/compressed_get F [--db NAME] [--n 200000] [--txn-per-get]
//
// Reads every key of the db, shuffles them (fixed seed), then times each
// get alone (steady_clock around the call) and prints the median, p99 and
// mean in nanoseconds, plus a full cursor scan's time. One read txn for all
// gets (decompressed values pile up in it until it ends), or one per get.
#include <alder/alder.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  CLI::App app{"random gets on an alder file"};
  std::string path, db;
  std::size_t n = 200000;
  bool txn_per_get = false;
  app.add_option("FILE", path)->required();
  app.add_option("--db", db, "named db (default: the main db)");
  app.add_option("--n", n, "gets to time");
  app.add_flag("--txn-per-get", txn_per_get, "a read txn around each get");
  CLI11_PARSE(app, argc, argv);
  using clock = std::chrono::steady_clock;
  alder::EnvOptions o;
  o.read_only = true;
  alder::Env env = alder::Env::open(path, o);
  std::vector<std::string> keys;
  alder::Dbi dbi;
  double scan_ms;
  std::uint64_t bytes = 0;
  {
    alder::Txn t = env.begin_read();
    dbi = db.empty() ? alder::kMainDbi : t.open_db(db);
    const auto t0 = clock::now();
    alder::Cursor c = t.cursor(dbi);
    for (bool ok = c.first(); ok; ok = c.next()) {
      keys.emplace_back(c.key());
      bytes += c.value().size();
    }
    scan_ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  }
  if (keys.empty()) return std::fprintf(stderr, "empty db\n"), 1;
  std::mt19937_64 rng(42);
  std::vector<double> ns;
  ns.reserve(n);
  std::uint64_t sink = 0;
  for (int warm = 0; warm < 2; warm++) {
    ns.clear();
    std::optional<alder::Txn> t;
    if (!txn_per_get) t.emplace(env.begin_read());
    for (std::size_t i = 0; i < n; i++) {
      const std::string& k = keys[rng() % keys.size()];
      const auto t0 = clock::now();
      if (txn_per_get) {
        alder::Txn r = env.begin_read();
        sink += r.get(dbi, k)->size();
      } else {
        sink += t->get(dbi, k)->size();
      }
      ns.push_back(std::chrono::duration<double, std::nano>(clock::now() - t0).count());
    }
  }
  std::sort(ns.begin(), ns.end());
  double mean = 0;
  for (double x : ns) mean += x;
  mean /= double(ns.size());
  std::printf("%s: %zu keys, %llu value bytes; get median %.0f ns, p99 %.0f ns, mean %.0f ns "
              "(%s); scan %.1f ms [%llu]\n",
              path.c_str(), keys.size(), (unsigned long long)bytes, ns[ns.size() / 2],
              ns[ns.size() * 99 / 100], mean, txn_per_get ? "txn per get" : "one txn",
              scan_ms, (unsigned long long)(sink % 10));
}
