// The file over a delete-heavy life (issue #14, item 3: a file that shrinks
// while it is open), e.g.
//
//   build/bench/shrink_bench --dir /tmp --n 1000000 --csv /tmp/shrink.csv
//
// Loads n keys (24-byte keys in random order, 150-byte values, 10,000 puts
// per commit), deletes 90% of them (a random 90%) in commits of 1,000
// deletes, then makes 100 single-put commits, then calls Env::compact().
// After every commit it records the file's size on disk and the live pages
// (used_pages - free_pages from Env::stat()); prints the figures after each
// phase and, with --csv, one line per commit for the chart in
// BENCHMARKS.md. Durability::sync (the default) unless --no-sync: without
// syncs, pages freed since the last sync stay (a power loss falls back to
// it), so the file shrinks at the autosyncs. --no-auto turns the shrinking
// during commits off, to compare.
#include <alder/alder.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

std::string key_of(uint64_t i) {
  char b[32];
  std::snprintf(b, sizeof b, "key%021llu", static_cast<unsigned long long>(i));
  return std::string(b, 24);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"file size over loads, deletes and compact()"};
  std::string dir = "/tmp", csv;
  uint64_t n = 1000000;
  bool no_auto = false, no_sync = false;
  app.add_option("--dir", dir, "directory for the file");
  app.add_option("--n", n, "keys loaded");
  app.add_option("--csv", csv, "write commit,phase,file_bytes,used_bytes,live_bytes lines here");
  app.add_flag("--no-auto", no_auto, "EnvOptions::shrink_threshold = UINT64_MAX (no shrinking in commits)");
  app.add_flag("--no-sync", no_sync, "Durability::no_sync, Env::sync() after each phase");
  CLI11_PARSE(app, argc, argv);

  const std::string path = dir + "/shrink_bench.alder";
  std::filesystem::remove(path);
  std::filesystem::remove(alder::Env::lock_path(path));
  alder::EnvOptions o;
  if (no_sync) o.durability = alder::Durability::no_sync;
  if (no_auto) o.shrink_threshold = UINT64_MAX;
  alder::Env env = alder::Env::open(path, o);

  std::ofstream out;
  if (!csv.empty()) {
    out.open(csv);
    out << "commit,phase,file_bytes,used_bytes,live_bytes\n";
  }
  uint64_t commits = 0;
  auto record = [&](const char* phase) {
    alder::EnvStat s = env.stat();
    commits++;
    if (out.is_open())
      out << commits << ',' << phase << ',' << s.file_size << ',' << s.used_pages * s.page_size
          << ',' << (s.used_pages - s.free_pages) * s.page_size << '\n';
  };
  auto report = [&](const char* phase, double seconds) {
    env.sync();
    alder::EnvStat s = env.stat();
    const uint64_t live = s.used_pages - s.free_pages;
    std::printf("%-16s file %8.2f MiB  high-water %8.2f MiB  live %8.2f MiB  file/live %.3f  (%.2f s)\n",
                phase, s.file_size / 1048576.0, s.used_pages * double(s.page_size) / 1048576.0,
                live * double(s.page_size) / 1048576.0,
                double(s.file_size) / (double(live) * s.page_size), seconds);
  };
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point t0) {
    return std::chrono::duration<double>(clock::now() - t0).count();
  };

  std::vector<uint64_t> ids(n);
  for (uint64_t i = 0; i < n; i++) ids[i] = i;
  std::mt19937_64 rng(7);
  std::shuffle(ids.begin(), ids.end(), rng);
  const std::string value(150, 'v');

  auto t0 = clock::now();
  for (uint64_t i = 0; i < n;) {
    alder::Txn t = env.begin_write();
    for (uint64_t end = std::min(n, i + 10000); i < end; i++) t.put(key_of(ids[i]), value);
    t.commit();
    record("load");
  }
  report("load", secs(t0));

  std::shuffle(ids.begin(), ids.end(), rng);
  const uint64_t dels = n / 10 * 9;
  t0 = clock::now();
  for (uint64_t i = 0; i < dels;) {
    alder::Txn t = env.begin_write();
    for (uint64_t end = std::min(dels, i + 1000); i < end; i++) t.del(key_of(ids[i]));
    t.commit();
    record("delete");
  }
  report("delete 90%", secs(t0));

  t0 = clock::now();
  for (int i = 0; i < 100; i++) {
    alder::Txn t = env.begin_write();
    t.put(key_of(ids[i]), value);
    t.commit();
    record("single put");
  }
  report("100 single puts", secs(t0));

  t0 = clock::now();
  env.compact();
  record("compact");
  report("compact()", secs(t0));
  return 0;
}
