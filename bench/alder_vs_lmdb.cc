// alder_vs_lmdb: alder and liblmdb side by side, in one run, on one machine.
//
// Workloads (each store on its own fresh file in a fresh temp dir under --dir):
//   bulk load      N puts of random 16-byte keys (fixed-seed RNG) with 100-byte
//                  values, random order, in ONE write txn + one commit
//   append load    the same keys sorted, PutFlags::append vs MDB_APPEND, into
//                  another fresh file (extra row)
//   random get     N gets of existing keys in a shuffled order, one read txn
//                  (every key must be found: misses are counted and printed)
//   full scan      cursor first..next over the whole db (count must be N)
//   no-sync        single-put commits on top of the loaded db,
//                  alder Durability::no_sync vs LMDB MDB_NOSYNC, then one sync
//   durable        single-put commits, alder Durability::sync vs LMDB default
//   file sizes     after the bulk loads (env closed) and at the end
//
// Both stores run warm: the page cache cannot be dropped here, and in every
// workload alder runs first, then LMDB. This is a benchmark program, not a
// test; it exits non-zero only if a correctness check fails.
#include <alder/alder.hpp>

#include <CLI/CLI.hpp>
#include <lmdb.h>

#include <sched.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#ifndef ALDER_BENCH_VERSION
#define ALDER_BENCH_VERSION "unknown"
#endif

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// ---------------------------------------------------------------- test data

struct Data {
  std::size_t ks = 16, vs = 100;
  std::uint64_t n = 0, extra = 0;
  std::vector<char> keys;    // n + extra keys, ks bytes each
  std::vector<char> vals;    // n + extra values, vs bytes each
  std::vector<std::uint32_t> read_order;  // a shuffled permutation of [0, n)
  std::vector<std::uint32_t> sorted;      // [0, n) ordered by key bytes

  std::string_view key(std::uint64_t i) const { return {keys.data() + i * ks, ks}; }
  std::string_view val(std::uint64_t i) const { return {vals.data() + i * vs, vs}; }
};

Data make_data(std::uint64_t n, std::uint64_t extra, std::size_t ks, std::size_t vs,
               std::uint64_t seed) {
  Data d;
  d.n = n;
  d.extra = extra;
  d.ks = ks;
  d.vs = vs;
  std::mt19937_64 rng(seed);
  auto fill = [&rng](std::vector<char>& v, std::size_t bytes) {
    v.resize(bytes);
    std::size_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
      const std::uint64_t r = rng();
      std::memcpy(v.data() + i, &r, 8);
    }
    for (; i < bytes; ++i) v[i] = static_cast<char>(rng());
  };
  fill(d.keys, (n + extra) * ks);
  fill(d.vals, (n + extra) * vs);
  d.sorted.resize(n);
  std::iota(d.sorted.begin(), d.sorted.end(), 0u);
  std::sort(d.sorted.begin(), d.sorted.end(), [&d](std::uint32_t a, std::uint32_t b) {
    return std::memcmp(d.keys.data() + a * d.ks, d.keys.data() + b * d.ks, d.ks) < 0;
  });
  for (std::uint64_t i = 1; i < n; ++i) {
    if (d.key(d.sorted[i - 1]) == d.key(d.sorted[i])) {
      throw std::runtime_error("duplicate random key; use another --seed");
    }
  }
  d.read_order.resize(n);
  std::iota(d.read_order.begin(), d.read_order.end(), 0u);
  std::shuffle(d.read_order.begin(), d.read_order.end(), rng);
  return d;
}

// --------------------------------------------------------------------- alder

struct AlderStore {
  std::string path;
  std::optional<alder::Env> env;
  bool no_autosync = false;

  void open(alder::Durability durability) {
    alder::EnvOptions o;
    o.durability = durability;
    if (no_autosync) o.autosync_bytes = ~std::uint64_t{0};
    env.emplace(alder::Env::open(path, o));
  }
  void close() {
    if (env) env->close();
    env.reset();
  }
};

// ---------------------------------------------------------------------- LMDB

void mdb_check(int rc, const char* what) {
  if (rc != MDB_SUCCESS) {
    throw std::runtime_error(std::string("LMDB ") + what + ": " + mdb_strerror(rc));
  }
}

MDB_val mval(std::string_view s) {
  MDB_val v;
  v.mv_size = s.size();
  v.mv_data = const_cast<char*>(s.data());
  return v;
}

struct LmdbStore {
  static constexpr std::size_t kMapSize = std::size_t{4} << 30;  // 4 GiB
  std::string path;  // the data file; MDB_NOSUBDIR, lock file is path + "-lock"
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;

  void open(unsigned flags) {
    mdb_check(mdb_env_create(&env), "env_create");
    mdb_check(mdb_env_set_mapsize(env, kMapSize), "env_set_mapsize");
    mdb_check(mdb_env_open(env, path.c_str(), MDB_NOSUBDIR | flags, 0644), "env_open");
    MDB_txn* txn = nullptr;
    mdb_check(mdb_txn_begin(env, nullptr, 0, &txn), "txn_begin");
    mdb_check(mdb_dbi_open(txn, nullptr, 0, &dbi), "dbi_open");
    mdb_check(mdb_txn_commit(txn), "txn_commit");
  }
  void close() {
    if (env) mdb_env_close(env);
    env = nullptr;
  }
  ~LmdbStore() { close(); }
};

// ----------------------------------------------------------------- workloads

struct Row {
  std::string name;
  std::uint64_t ops = 0;
  double alder_s = 0, lmdb_s = 0;
};

struct Checks {
  bool ok = true;
  std::vector<std::string> lines;
  void add(bool good, const std::string& line) {
    ok = ok && good;
    lines.push_back((good ? "ok    " : "FAIL  ") + line);
  }
};

double alder_load(AlderStore& s, const Data& d, bool append) {
  s.open(alder::Durability::sync);
  const auto t0 = Clock::now();
  alder::Txn txn = s.env->begin_write();
  if (append) {
    for (std::uint64_t i = 0; i < d.n; ++i) {
      txn.put(alder::kMainDbi, d.key(d.sorted[i]), d.val(d.sorted[i]),
              alder::PutFlags::append);
    }
  } else {
    for (std::uint64_t i = 0; i < d.n; ++i) txn.put(d.key(i), d.val(i));
  }
  txn.commit();
  const double s_ = seconds_since(t0);
  s.close();
  return s_;
}

double lmdb_load(LmdbStore& s, const Data& d, bool append) {
  s.open(0);
  const auto t0 = Clock::now();
  MDB_txn* txn = nullptr;
  mdb_check(mdb_txn_begin(s.env, nullptr, 0, &txn), "txn_begin");
  for (std::uint64_t i = 0; i < d.n; ++i) {
    const std::uint64_t j = append ? d.sorted[i] : i;
    MDB_val k = mval(d.key(j)), v = mval(d.val(j));
    mdb_check(mdb_put(txn, s.dbi, &k, &v, append ? MDB_APPEND : 0), "put");
  }
  mdb_check(mdb_txn_commit(txn), "txn_commit");
  const double s_ = seconds_since(t0);
  s.close();
  return s_;
}

struct ReadResult {
  double seconds = 0;
  std::uint64_t misses = 0, mismatches = 0;
};

ReadResult alder_gets(AlderStore& s, const Data& d) {
  ReadResult r;
  const auto t0 = Clock::now();
  alder::Txn txn = s.env->begin_read();
  for (const std::uint32_t i : d.read_order) {
    const std::optional<std::string_view> v = txn.get(d.key(i));
    if (!v) {
      ++r.misses;
    } else if (*v != d.val(i)) {
      ++r.mismatches;
    }
  }
  txn.abort();
  r.seconds = seconds_since(t0);
  return r;
}

ReadResult lmdb_gets(LmdbStore& s, const Data& d) {
  ReadResult r;
  const auto t0 = Clock::now();
  MDB_txn* txn = nullptr;
  mdb_check(mdb_txn_begin(s.env, nullptr, MDB_RDONLY, &txn), "txn_begin");
  for (const std::uint32_t i : d.read_order) {
    MDB_val k = mval(d.key(i)), v;
    const int rc = mdb_get(txn, s.dbi, &k, &v);
    if (rc == MDB_NOTFOUND) {
      ++r.misses;
    } else {
      mdb_check(rc, "get");
      if (std::string_view(static_cast<const char*>(v.mv_data), v.mv_size) != d.val(i)) {
        ++r.mismatches;
      }
    }
  }
  mdb_txn_abort(txn);
  r.seconds = seconds_since(t0);
  return r;
}

struct ScanResult {
  double seconds = 0;
  std::uint64_t count = 0, bytes = 0;
};

ScanResult alder_scan(AlderStore& s) {
  ScanResult r;
  const auto t0 = Clock::now();
  alder::Txn txn = s.env->begin_read();
  alder::Cursor c = txn.cursor();
  for (bool ok = c.first(); ok; ok = c.next()) {
    ++r.count;
    r.bytes += c.key().size() + c.value().size();
  }
  txn.abort();
  r.seconds = seconds_since(t0);
  return r;
}

ScanResult lmdb_scan(LmdbStore& s) {
  ScanResult r;
  const auto t0 = Clock::now();
  MDB_txn* txn = nullptr;
  MDB_cursor* cur = nullptr;
  mdb_check(mdb_txn_begin(s.env, nullptr, MDB_RDONLY, &txn), "txn_begin");
  mdb_check(mdb_cursor_open(txn, s.dbi, &cur), "cursor_open");
  MDB_val k, v;
  int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
  while (rc == MDB_SUCCESS) {
    ++r.count;
    r.bytes += k.mv_size + v.mv_size;
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  if (rc != MDB_NOTFOUND) mdb_check(rc, "cursor_get");
  mdb_cursor_close(cur);
  mdb_txn_abort(txn);
  r.seconds = seconds_since(t0);
  return r;
}

// Single-put commits of keys [first, first + count) of the extra keys.
double alder_commits(AlderStore& s, const Data& d, std::uint64_t first,
                     std::uint64_t count, bool final_sync) {
  const auto t0 = Clock::now();
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t j = d.n + first + i;
    alder::Txn txn = s.env->begin_write();
    txn.put(d.key(j), d.val(j));
    txn.commit();
  }
  if (final_sync) s.env->sync();
  return seconds_since(t0);
}

double lmdb_commits(LmdbStore& s, const Data& d, std::uint64_t first,
                    std::uint64_t count, bool final_sync) {
  const auto t0 = Clock::now();
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t j = d.n + first + i;
    MDB_txn* txn = nullptr;
    mdb_check(mdb_txn_begin(s.env, nullptr, 0, &txn), "txn_begin");
    MDB_val k = mval(d.key(j)), v = mval(d.val(j));
    mdb_check(mdb_put(txn, s.dbi, &k, &v, 0), "put");
    mdb_check(mdb_txn_commit(txn), "txn_commit");
  }
  if (final_sync) mdb_check(mdb_env_sync(s.env, 1), "env_sync");
  return seconds_since(t0);
}

std::uint64_t lmdb_entries(LmdbStore& s) {
  MDB_txn* txn = nullptr;
  MDB_stat st;
  mdb_check(mdb_txn_begin(s.env, nullptr, MDB_RDONLY, &txn), "txn_begin");
  mdb_check(mdb_stat(txn, s.dbi, &st), "stat");
  mdb_txn_abort(txn);
  return st.ms_entries;
}

// Bytes up to the highest page in use (LMDB: last_pgno + 1 pages).
std::uint64_t lmdb_used_bytes(LmdbStore& s) {
  MDB_envinfo info;
  MDB_stat st;
  mdb_check(mdb_env_info(s.env, &info), "env_info");
  mdb_check(mdb_env_stat(s.env, &st), "env_stat");
  return (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
}

// ----------------------------------------------------------------- reporting

std::string with_commas(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string rate(std::uint64_t ops, double seconds) {
  if (seconds <= 0) return "-";
  return with_commas(static_cast<std::uint64_t>(static_cast<double>(ops) / seconds + 0.5));
}

std::string ratio(double a, double b) {
  if (b <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", a / b);
  return buf;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::size_t b = line.find_first_not_of(" \t", colon + 1);
        return b == std::string::npos ? "" : line.substr(b);
      }
    }
  }
  return "unknown";
}

unsigned nproc() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return static_cast<unsigned>(CPU_COUNT(&set));
  return std::thread::hardware_concurrency();
}

std::uint64_t size_of(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t s = fs::file_size(path, ec);
  return ec ? 0 : static_cast<std::uint64_t>(s);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"alder vs LMDB, side by side (see the header of bench/alder_vs_lmdb.cc)"};
  std::string dir = "/tmp";
  std::uint64_t n = 1'000'000;
  std::uint64_t commits_nosync = 0, commits_sync = 0;
  std::size_t key_size = 16, value_size = 100;
  std::uint64_t seed = 42;
  bool keep = false;
  app.add_option("--dir", dir, "directory for the temp dir holding the files")
      ->capture_default_str();
  app.add_option("--n", n, "entries in the bulk load")->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  app.add_option("--commits-nosync", commits_nosync,
                 "single-put no-sync commits (default: N/50, 20,000 at N=1M)");
  app.add_option("--commits-sync", commits_sync,
                 "single-put durable commits (default: N/500, 2,000 at N=1M)");
  app.add_option("--key-size", key_size, "key bytes")->capture_default_str()
      ->check(CLI::Range(std::size_t{8}, std::size_t{511}));
  app.add_option("--value-size", value_size, "value bytes")->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 20));
  app.add_option("--seed", seed, "RNG seed")->capture_default_str();
  app.add_flag("--keep", keep, "keep the temp dir and its files");
  bool no_autosync = false;
  app.add_flag("--no-autosync", no_autosync,
               "alder: never sync by itself in no-sync mode (EnvOptions::autosync_bytes = "
               "max; the file may grow until the final sync), to measure what autosync costs");
  CLI11_PARSE(app, argc, argv);
  if (commits_nosync == 0) commits_nosync = std::max<std::uint64_t>(1, n / 50);
  if (commits_sync == 0) commits_sync = std::max<std::uint64_t>(1, n / 500);

  std::string cmdline;
  for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + std::string(argv[i]);

  std::string tmpl = (fs::path(dir) / "alder-bench-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::perror(("mkdtemp " + tmpl).c_str());
    return 2;
  }
  const fs::path work = tmpl;

  Checks checks;
  std::vector<Row> rows;
  std::uint64_t alder_size_random = 0, lmdb_size_random = 0;
  std::uint64_t alder_size_sorted = 0, lmdb_size_sorted = 0;
  std::uint64_t alder_size_end = 0, lmdb_size_end = 0;
  std::uint64_t alder_used_end = 0, lmdb_used_end = 0;
  int lmaj = 0, lmin = 0, lpatch = 0;
  mdb_version(&lmaj, &lmin, &lpatch);

  try {
    std::cerr << "generating " << with_commas(n) << " keys...\n";
    const Data d = make_data(n, commits_nosync + commits_sync, key_size, value_size, seed);

    AlderStore a{(work / "alder.alder").string(), {}, no_autosync};
    LmdbStore l;
    l.path = (work / "lmdb.mdb").string();

    // (a) bulk load, random order, one txn.
    std::cerr << "bulk load (random order)...\n";
    Row load{"bulk load: " + with_commas(n) + " random-order puts, 1 txn + commit", n};
    load.alder_s = alder_load(a, d, false);
    load.lmdb_s = lmdb_load(l, d, false);
    alder_size_random = size_of(a.path);
    lmdb_size_random = size_of(l.path);
    rows.push_back(load);

    // (a') bulk load, sorted, append mode, into separate fresh files.
    std::cerr << "bulk load (sorted, append)...\n";
    {
      AlderStore a2{(work / "alder-sorted.alder").string(), {}};
      LmdbStore l2;
      l2.path = (work / "lmdb-sorted.mdb").string();
      Row app_row{"bulk load: " + with_commas(n) +
                      " sorted puts, append (PutFlags::append / MDB_APPEND), 1 txn", n};
      app_row.alder_s = alder_load(a2, d, true);
      app_row.lmdb_s = lmdb_load(l2, d, true);
      alder_size_sorted = size_of(a2.path);
      lmdb_size_sorted = size_of(l2.path);
      rows.push_back(app_row);
      fs::remove(a2.path);
      fs::remove(l2.path);
      fs::remove(l2.path + "-lock");
    }

    // (b) random gets, (c) full scan: on the random-order db.
    a.open(alder::Durability::sync);
    l.open(0);
    std::cerr << "random gets...\n";
    const ReadResult ag = alder_gets(a, d);
    const ReadResult lg = lmdb_gets(l, d);
    rows.push_back({"random get: " + with_commas(n) + " existing keys, 1 read txn", n,
                    ag.seconds, lg.seconds});
    checks.add(ag.misses == 0 && ag.mismatches == 0,
               "alder get: " + with_commas(ag.misses) + " misses, " +
                   with_commas(ag.mismatches) + " wrong values");
    checks.add(lg.misses == 0 && lg.mismatches == 0,
               "LMDB  get: " + with_commas(lg.misses) + " misses, " +
                   with_commas(lg.mismatches) + " wrong values");

    std::cerr << "full scan...\n";
    const ScanResult as = alder_scan(a);
    const ScanResult ls = lmdb_scan(l);
    rows.push_back({"full scan: cursor first..next", n, as.seconds, ls.seconds});
    checks.add(as.count == n, "alder scan: " + with_commas(as.count) + " entries (N = " +
                                  with_commas(n) + ")");
    checks.add(ls.count == n, "LMDB  scan: " + with_commas(ls.count) + " entries (N = " +
                                  with_commas(n) + ")");
    {
      // Env::verify() on the loaded file: every checksum, key order, and
      // that each page is used or free exactly once.
      auto t0 = std::chrono::steady_clock::now();
      const alder::VerifyResult v = a.env->verify();
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      checks.add(v.ok(), "alder verify: " + (v.ok() ? std::string("ok") : v.error) + ", " +
                             with_commas(v.pages_checked) + " pages checked, " +
                             with_commas(v.entries) + " entries, " +
                             std::to_string(int64_t(ms)) + " ms");
    }
    a.close();
    l.close();

    // (d) single-put commits, no sync, then one sync.
    std::cerr << "no-sync commits...\n";
    a.open(alder::Durability::no_sync);
    l.open(MDB_NOSYNC);
    Row nosync{"commit: " + with_commas(commits_nosync) +
                   " txns of 1 put, no-sync (Durability::no_sync / MDB_NOSYNC), + 1 final sync",
               commits_nosync};
    nosync.alder_s = alder_commits(a, d, 0, commits_nosync, true);
    nosync.lmdb_s = lmdb_commits(l, d, 0, commits_nosync, true);
    rows.push_back(nosync);
    a.close();
    l.close();

    // (e) single-put commits, durable.
    std::cerr << "durable commits...\n";
    a.open(alder::Durability::sync);
    l.open(0);
    Row durable{"commit: " + with_commas(commits_sync) +
                 " txns of 1 put, durable (Durability::sync / LMDB default)",
             commits_sync};
    durable.alder_s = alder_commits(a, d, commits_nosync, commits_sync, false);
    durable.lmdb_s = lmdb_commits(l, d, commits_nosync, commits_sync, false);
    rows.push_back(durable);

    const std::uint64_t want = n + commits_nosync + commits_sync;
    const alder::EnvStat ast = a.env->stat();
    const std::uint64_t a_entries = ast.main.entries;
    alder_used_end = ast.used_pages * ast.page_size;
    lmdb_used_end = lmdb_used_bytes(l);
    const std::uint64_t l_entries = lmdb_entries(l);
    checks.add(a_entries == want, "alder entries at the end: " + with_commas(a_entries) +
                                      " (expected " + with_commas(want) + ")");
    checks.add(l_entries == want, "LMDB  entries at the end: " + with_commas(l_entries) +
                                      " (expected " + with_commas(want) + ")");
    a.close();
    l.close();
    alder_size_end = size_of(a.path);
    lmdb_size_end = size_of(l.path);
  } catch (const alder::Error& e) {
    std::cerr << "alder error (" << alder::error_name(e.code()) << "): " << e.what() << "\n";
    checks.add(false, std::string("alder error: ") + e.what());
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    checks.add(false, std::string("error: ") + e.what());
  }

  if (!keep) {
    std::error_code ec;
    fs::remove_all(work, ec);
  }

  struct utsname u {};
  ::uname(&u);
  std::cout << "## alder vs LMDB\n\n";
  std::cout << "- command: `" << cmdline << "`\n";
  std::cout << "- machine: " << nproc() << " cores (nproc), " << cpu_model() << ", "
            << u.sysname << " " << u.release << " " << u.machine << "\n";
  std::cout << "- versions: alder " << ALDER_BENCH_VERSION << ", LMDB " << lmaj << "."
            << lmin << "." << lpatch << "\n";
  std::cout << "- data: N = " << with_commas(n) << ", " << key_size
            << "-byte random keys, " << value_size << "-byte values, mt19937_64 seed "
            << seed << "; files in " << work.string() << (keep ? "" : " (removed)")
            << "\n";
  std::cout << "- settings: alder defaults (4 KiB pages); LMDB mapsize 4 GiB, "
               "MDB_NOSUBDIR; bulk loads commit once in each store's durable default "
               "mode\n";
  std::cout << "- both run warm: the page cache is not dropped; in each workload alder "
               "runs first, then LMDB, on separate files\n\n";

  std::cout << "| workload | alder ops/s | LMDB ops/s | alder/LMDB |\n";
  std::cout << "|---|---:|---:|---:|\n";
  for (const Row& r : rows) {
    // ops/s ratio: alder rate / LMDB rate = LMDB time / alder time.
    std::cout << "| " << r.name << " | " << rate(r.ops, r.alder_s) << " | "
              << rate(r.ops, r.lmdb_s) << " | " << ratio(r.lmdb_s, r.alder_s) << " |\n";
  }
  std::cout << "\n| file size (bytes) | alder | LMDB | alder/LMDB |\n";
  std::cout << "|---|---:|---:|---:|\n";
  auto size_row = [](const char* name, std::uint64_t x, std::uint64_t y) {
    std::cout << "| " << name << " | " << with_commas(x) << " | " << with_commas(y)
              << " | " << ratio(static_cast<double>(x), static_cast<double>(y)) << " |\n";
  };
  size_row("after random-order bulk load (env closed)", alder_size_random, lmdb_size_random);
  size_row("after sorted append bulk load (env closed)", alder_size_sorted, lmdb_size_sorted);
  size_row("at the end, after the commits (env closed)", alder_size_end, lmdb_size_end);
  size_row("at the end: pages in use x page size", alder_used_end, lmdb_used_end);
  std::cout << "\nchecks:\n";
  for (const std::string& line : checks.lines) std::cout << "  " << line << "\n";
  std::cout << (checks.ok ? "all checks passed\n" : "SOME CHECKS FAILED\n");
  return checks.ok ? 0 : 1;
}
