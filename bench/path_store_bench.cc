// path_store_bench: alder::PathStore against the same operations done with
// plain get/put on alder (in the main db, and in a named db as the path
// store uses) and on LMDB, in one run on one machine. The
// workloads are a HyperBEAM node's store benchmark scaled to this machine:
//
//   write         N writes of "key-<i>" (64-byte values), one commit each
//   read          N random reads of those keys, one read txn each, 0 misses
//   group load    N keys in groups of --group ("group-<g>/key-<i>"), loaded in
//                 batches of 1000 (PathStore: make_group + write)
//   list          --lists random group listings, each must list exactly the
//                 group's keys (plain stores: a prefix scan of "group-<g>/")
//   link load     N values "data/<i>" plus 1-3 links per value, chained
//                 (PathStore: make_link; plain stores: a value "link:<target>"
//                 as the node's LMDB store writes it), batches of 1000
//   link read     N random reads through each value's outermost link, one read
//                 txn each (plain stores: follow the "link:" values by hand)
//
// Every store uses its no-sync mode for the write phases (alder
// Durability::no_sync, LMDB MDB_NOSYNC), stated in the output. Each store
// works on its own fresh file in a fresh temp dir under --dir; runs are warm
// (page cache). A program, not a test: it exits non-zero only if a
// correctness check fails (a miss, a wrong listing).
#include <alder/alder.hpp>
#include <alder/path_store.hpp>

#include <CLI/CLI.hpp>
#include <lmdb.h>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Config {
  std::uint64_t n = 100000;
  std::uint64_t lists = 20000;
  std::uint64_t group = 10;
  std::uint64_t seed = 42;
  std::string dir = "/tmp";
  std::size_t cache = 4096;
};

std::string key_name(std::uint64_t i) { return "key-" + std::to_string(i); }
std::string value_of(std::uint64_t i) {
  std::string v = "value-" + std::to_string(i) + "-";
  v.resize(64, 'v');
  return v;
}
std::string group_name(std::uint64_t g) { return "group-" + std::to_string(g); }
std::string link_name(std::uint64_t i, int level) {
  return "ln-" + std::to_string(i) + "-" + std::to_string(level);
}
int links_of(std::uint64_t i) { return 1 + int(i % 3); }

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "CHECK FAILED: " << what << std::endl;
  std::exit(2);
}

/// ops/s of a phase.
struct Timer {
  Clock::time_point t0 = Clock::now();
  double rate(std::uint64_t ops) const {
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    return s > 0 ? double(ops) / s : 0.0;
  }
};

/// The operations each plain key-value store offers the benchmark.
class Kv {
 public:
  virtual ~Kv() = default;
  virtual void put_one(std::string_view k, std::string_view v) = 0;  // own txn
  virtual void begin_batch() = 0;
  virtual void put(std::string_view k, std::string_view v) = 0;      // in the batch
  virtual void commit_batch() = 0;
  virtual bool get_one(std::string_view k, std::string& out) = 0;     // own read txn
  /// Follows "link:" values (at most 8 hops) in one read txn.
  virtual bool get_through_links(std::string_view k, std::string& out) = 0;
  /// Names of keys with prefix (prefix stripped), in one read txn.
  virtual void list(std::string_view prefix, std::vector<std::string>& names) = 0;
};

/// Plain get/put on alder: in the main db, or (named) in a named db as the
/// path store keeps its tree, which costs the engine a catalog lookup per
/// txn and a catalog update per commit; the two columns separate that
/// engine cost from the path store's own.
class AlderKv final : public Kv {
 public:
  AlderKv(const std::string& path, bool named) {
    alder::EnvOptions o;
    o.durability = alder::Durability::no_sync;
    env_ = alder::Env::open(path, o);
    if (named) {
      alder::Txn t = env_->begin_write();
      dbi_ = t.open_db("kv", alder::DbFlags::create);
      t.commit();
    }
  }
  void put_one(std::string_view k, std::string_view v) override {
    alder::Txn t = env_->begin_write();
    t.put(dbi_, k, v);
    t.commit();
  }
  void begin_batch() override { batch_.emplace(env_->begin_write()); }
  void put(std::string_view k, std::string_view v) override { batch_->put(dbi_, k, v); }
  void commit_batch() override {
    batch_->commit();
    batch_.reset();
  }
  bool get_one(std::string_view k, std::string& out) override {
    alder::Txn t = env_->begin_read();
    auto v = t.get(dbi_, k);
    if (!v) return false;
    out.assign(*v);
    return true;
  }
  bool get_through_links(std::string_view k, std::string& out) override {
    alder::Txn t = env_->begin_read();
    std::string key(k);
    for (int hop = 0; hop < 8; ++hop) {
      auto v = t.get(dbi_, key);
      if (!v) return false;
      if (!v->starts_with("link:")) {
        out.assign(*v);
        return true;
      }
      key.assign(v->substr(5));
    }
    return false;
  }
  void list(std::string_view prefix, std::vector<std::string>& names) override {
    alder::Txn t = env_->begin_read();
    for (alder::Entry e : t.prefix(dbi_, prefix)) {
      names.emplace_back(e.key.substr(prefix.size()));
    }
  }

 private:
  std::optional<alder::Env> env_;
  std::optional<alder::Txn> batch_;
  alder::Dbi dbi_ = alder::kMainDbi;
};

void check_mdb(int rc, const char* what) {
  if (rc != MDB_SUCCESS) throw std::runtime_error(std::string(what) + ": " + mdb_strerror(rc));
}

class LmdbKv final : public Kv {
 public:
  explicit LmdbKv(const std::string& dir) {
    check_mdb(mdb_env_create(&env_), "mdb_env_create");
    check_mdb(mdb_env_set_mapsize(env_, std::size_t{16} << 30), "mdb_env_set_mapsize");
    check_mdb(mdb_env_open(env_, dir.c_str(), MDB_NOSYNC, 0644), "mdb_env_open");
    MDB_txn* t = nullptr;
    check_mdb(mdb_txn_begin(env_, nullptr, 0, &t), "mdb_txn_begin");
    check_mdb(mdb_dbi_open(t, nullptr, 0, &dbi_), "mdb_dbi_open");
    check_mdb(mdb_txn_commit(t), "mdb_txn_commit");
  }
  ~LmdbKv() override { mdb_env_close(env_); }
  void put_one(std::string_view k, std::string_view v) override {
    begin_batch();
    put(k, v);
    commit_batch();
  }
  void begin_batch() override { check_mdb(mdb_txn_begin(env_, nullptr, 0, &wtxn_), "begin"); }
  void put(std::string_view k, std::string_view v) override {
    MDB_val key{k.size(), const_cast<char*>(k.data())};
    MDB_val val{v.size(), const_cast<char*>(v.data())};
    check_mdb(mdb_put(wtxn_, dbi_, &key, &val, 0), "mdb_put");
  }
  void commit_batch() override {
    check_mdb(mdb_txn_commit(wtxn_), "mdb_txn_commit");
    wtxn_ = nullptr;
  }
  bool get_one(std::string_view k, std::string& out) override {
    MDB_txn* t = begin_read();
    MDB_val key{k.size(), const_cast<char*>(k.data())}, val{};
    bool found = mdb_get(t, dbi_, &key, &val) == MDB_SUCCESS;
    if (found) out.assign(static_cast<const char*>(val.mv_data), val.mv_size);
    mdb_txn_abort(t);
    return found;
  }
  bool get_through_links(std::string_view k, std::string& out) override {
    MDB_txn* t = begin_read();
    std::string key(k);
    bool found = false;
    for (int hop = 0; hop < 8; ++hop) {
      MDB_val mk{key.size(), key.data()}, val{};
      if (mdb_get(t, dbi_, &mk, &val) != MDB_SUCCESS) break;
      std::string_view v(static_cast<const char*>(val.mv_data), val.mv_size);
      if (!v.starts_with("link:")) {
        out.assign(v);
        found = true;
        break;
      }
      key.assign(v.substr(5));
    }
    mdb_txn_abort(t);
    return found;
  }
  void list(std::string_view prefix, std::vector<std::string>& names) override {
    MDB_txn* t = begin_read();
    MDB_cursor* c = nullptr;
    check_mdb(mdb_cursor_open(t, dbi_, &c), "mdb_cursor_open");
    MDB_val key{prefix.size(), const_cast<char*>(prefix.data())}, val{};
    int rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
    while (rc == MDB_SUCCESS) {
      std::string_view k(static_cast<const char*>(key.mv_data), key.mv_size);
      if (!k.starts_with(prefix)) break;
      names.emplace_back(k.substr(prefix.size()));
      rc = mdb_cursor_get(c, &key, &val, MDB_NEXT);
    }
    mdb_cursor_close(c);
    mdb_txn_abort(t);
  }

 private:
  MDB_txn* begin_read() {
    MDB_txn* t = nullptr;
    check_mdb(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &t), "mdb_txn_begin(rdonly)");
    return t;
  }
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  MDB_txn* wtxn_ = nullptr;
};

// ------------------------------------------------------------- workloads

/// ops/s per phase name, for one store.
using Results = std::map<std::string, double>;

struct Plan {
  std::vector<std::uint64_t> read_order;   // a shuffled permutation of [0, n)
  std::vector<std::uint64_t> list_groups;  // random group ids
  std::vector<std::uint64_t> link_order;   // another shuffled permutation
};

Plan make_plan(const Config& c) {
  std::mt19937_64 rng(c.seed);
  Plan p;
  p.read_order.resize(c.n);
  for (std::uint64_t i = 0; i < c.n; ++i) p.read_order[i] = i;
  std::shuffle(p.read_order.begin(), p.read_order.end(), rng);
  p.link_order = p.read_order;
  std::shuffle(p.link_order.begin(), p.link_order.end(), rng);
  std::uint64_t groups = (c.n + c.group - 1) / c.group;
  p.list_groups.resize(c.lists);
  for (auto& g : p.list_groups) g = rng() % groups;
  return p;
}

std::vector<std::string> expected_group(const Config& c, std::uint64_t g) {
  std::vector<std::string> names;
  for (std::uint64_t i = g * c.group; i < std::min(c.n, (g + 1) * c.group); ++i) {
    names.push_back(key_name(i));
  }
  std::sort(names.begin(), names.end());
  return names;
}

constexpr std::uint64_t kBatch = 1000;

Results run_path_store(const Config& c, const Plan& p, const std::string& file) {
  alder::EnvOptions o;
  o.durability = alder::Durability::no_sync;
  alder::Env env = alder::Env::open(file, o);
  alder::PathStoreOptions so;
  so.resolve_cache_entries = c.cache;
  alder::PathStore s(env, so);
  Results r;
  {
    Timer t;
    for (std::uint64_t i = 0; i < c.n; ++i) s.write(key_name(i), value_of(i));
    r["write"] = t.rate(c.n);
  }
  {
    Timer t;
    for (std::uint64_t i : p.read_order) {
      auto v = s.read(key_name(i));
      if (!v || *v != value_of(i)) fail("path store read miss " + key_name(i));
    }
    r["read"] = t.rate(c.n);
  }
  {
    Timer t;
    std::uint64_t groups = (c.n + c.group - 1) / c.group;
    for (std::uint64_t g0 = 0; g0 < groups; g0 += kBatch / c.group) {
      alder::PathStore::Batch b = s.begin_batch();
      for (std::uint64_t g = g0; g < std::min(groups, g0 + kBatch / c.group); ++g) {
        b.make_group(group_name(g));
        for (std::uint64_t i = g * c.group; i < std::min(c.n, (g + 1) * c.group); ++i) {
          b.write(group_name(g) + "/" + key_name(i), value_of(i));
        }
      }
      b.commit();
    }
    r["group load"] = t.rate(c.n);
  }
  {
    Timer t;
    for (std::uint64_t g : p.list_groups) {
      auto names = s.list(group_name(g));
      if (!names || *names != expected_group(c, g)) fail("path store list " + group_name(g));
    }
    r["list"] = t.rate(c.lists);
  }
  {
    Timer t;
    for (std::uint64_t i0 = 0; i0 < c.n; i0 += kBatch) {
      alder::PathStore::Batch b = s.begin_batch();
      if (i0 == 0) b.make_group("data");
      for (std::uint64_t i = i0; i < std::min(c.n, i0 + kBatch); ++i) {
        std::string target = "data/" + std::to_string(i);
        b.write(target, value_of(i));
        for (int level = 1; level <= links_of(i); ++level) {
          std::string name = link_name(i, level);
          b.make_link(target, name);
          target = std::move(name);
        }
      }
      b.commit();
    }
    r["link load"] = t.rate(c.n);
  }
  {
    Timer t;
    for (std::uint64_t i : p.link_order) {
      auto v = s.read(link_name(i, links_of(i)));
      if (!v || *v != value_of(i)) fail("path store link read miss " + std::to_string(i));
    }
    r["link read"] = t.rate(c.n);
  }
  auto cs = s.cache_stats();
  std::cout << "  path store resolution cache: " << cs.hits << " hits, " << cs.misses
            << " misses, " << cs.entries << " entries held\n";
  return r;
}

Results run_kv(const Config& c, const Plan& p, Kv& kv) {
  Results r;
  {
    Timer t;
    for (std::uint64_t i = 0; i < c.n; ++i) kv.put_one(key_name(i), value_of(i));
    r["write"] = t.rate(c.n);
  }
  std::string out;
  {
    Timer t;
    for (std::uint64_t i : p.read_order) {
      if (!kv.get_one(key_name(i), out) || out != value_of(i)) fail("kv read miss " + key_name(i));
    }
    r["read"] = t.rate(c.n);
  }
  {
    Timer t;
    std::uint64_t groups = (c.n + c.group - 1) / c.group;
    for (std::uint64_t g0 = 0; g0 < groups; g0 += kBatch / c.group) {
      kv.begin_batch();
      for (std::uint64_t g = g0; g < std::min(groups, g0 + kBatch / c.group); ++g) {
        for (std::uint64_t i = g * c.group; i < std::min(c.n, (g + 1) * c.group); ++i) {
          kv.put(group_name(g) + "/" + key_name(i), value_of(i));
        }
      }
      kv.commit_batch();
    }
    r["group load"] = t.rate(c.n);
  }
  {
    Timer t;
    std::vector<std::string> names;
    for (std::uint64_t g : p.list_groups) {
      names.clear();
      kv.list(group_name(g) + "/", names);
      if (names != expected_group(c, g)) fail("kv list " + group_name(g));
    }
    r["list"] = t.rate(c.lists);
  }
  {
    Timer t;
    for (std::uint64_t i0 = 0; i0 < c.n; i0 += kBatch) {
      kv.begin_batch();
      for (std::uint64_t i = i0; i < std::min(c.n, i0 + kBatch); ++i) {
        std::string target = "data/" + std::to_string(i);
        kv.put(target, value_of(i));
        for (int level = 1; level <= links_of(i); ++level) {
          std::string name = link_name(i, level);
          kv.put(name, "link:" + target);
          target = std::move(name);
        }
      }
      kv.commit_batch();
    }
    r["link load"] = t.rate(c.n);
  }
  {
    Timer t;
    for (std::uint64_t i : p.link_order) {
      if (!kv.get_through_links(link_name(i, links_of(i)), out) || out != value_of(i)) {
        fail("kv link read miss " + std::to_string(i));
      }
    }
    r["link read"] = t.rate(c.n);
  }
  return r;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::string fmt_rate(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  CLI::App app{"alder::PathStore vs plain get/put on alder and LMDB"};
  app.add_option("--n", c.n, "keys per workload")->check(CLI::PositiveNumber);
  app.add_option("--lists", c.lists, "random group listings")->check(CLI::PositiveNumber);
  app.add_option("--group", c.group, "keys per group")->check(CLI::Range(1, 1000));
  app.add_option("--seed", c.seed, "RNG seed");
  app.add_option("--dir", c.dir, "directory for the temporary stores");
  app.add_option("--cache", c.cache, "PathStore resolution cache entries (0: off)");
  CLI11_PARSE(app, argc, argv);

  std::cout << "command:";
  for (int i = 0; i < argc; ++i) std::cout << ' ' << argv[i];
  std::cout << "\nmachine: nproc " << std::thread::hardware_concurrency() << ", CPU "
            << cpu_model() << "\n";
  std::cout << "workload: n " << c.n << ", lists " << c.lists << ", group " << c.group
            << ", seed " << c.seed << ", PathStore resolution cache " << c.cache
            << " entries\n";
  std::cout << "durability: alder Durability::no_sync, LMDB MDB_NOSYNC (no fsync in any "
               "write phase); warm page cache; one txn per write/read/list unless "
               "'batches of 1000'\n";

  std::string tmpl = c.dir + "/path_store_bench_XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::cerr << "mkdtemp failed under " << c.dir << "\n";
    return 1;
  }
  fs::path root = tmpl;
  Plan p = make_plan(c);

  Results ps, al, an, lm;
  try {
    std::cout << "running PathStore...\n";
    ps = run_path_store(c, p, (root / "pathstore.alder").string());
    std::cout << "running alder get/put...\n";
    {
      AlderKv kv((root / "plain.alder").string(), false);
      al = run_kv(c, p, kv);
    }
    std::cout << "running alder get/put in a named db...\n";
    {
      AlderKv kv((root / "named.alder").string(), true);
      an = run_kv(c, p, kv);
    }
    std::cout << "running LMDB get/put...\n";
    {
      fs::create_directories(root / "lmdb");
      LmdbKv kv((root / "lmdb").string());
      lm = run_kv(c, p, kv);
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    fs::remove_all(root);
    return 1;
  }
  fs::remove_all(root);

  const char* rows[][2] = {
      {"write", "N writes of key-<i>, one commit each"},
      {"read", "N random reads, 0 misses"},
      {"group load", "N keys in groups, batches of 1000"},
      {"list", "random group lists, all keys present"},
      {"link load", "N values + 1-3 links each, batches of 1000"},
      {"link read", "N random reads through 1-3 links"},
  };
  std::printf("\n| %-10s | %-44s | %14s | %14s | %14s | %14s | %9s | %9s |\n", "phase", "what",
              "PathStore op/s", "alder kv op/s", "alder named", "LMDB kv op/s", "PS/LMDB",
              "PS/named");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(12, '-').c_str(),
              std::string(46, '-').c_str(), std::string(16, '-').c_str(),
              std::string(16, '-').c_str(), std::string(16, '-').c_str(),
              std::string(16, '-').c_str(), std::string(11, '-').c_str(),
              std::string(11, '-').c_str());
  for (auto& row : rows) {
    double a = ps[row[0]], b = al[row[0]], n = an[row[0]], l = lm[row[0]];
    std::printf("| %-10s | %-44s | %14s | %14s | %14s | %14s | %8.2fx | %8.2fx |\n", row[0],
                row[1], fmt_rate(a).c_str(), fmt_rate(b).c_str(), fmt_rate(n).c_str(),
                fmt_rate(l).c_str(), l > 0 ? a / l : 0.0, n > 0 ? a / n : 0.0);
  }
  std::cout << "\n(list ops are whole listings of one group; link load counts values, "
               "not links)\n";
  return 0;
}
