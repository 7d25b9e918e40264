// Model-based randomized test: the same random operation streams are applied
// to alder, to liblmdb (the reference implementation) and to a std::map
// model of committed + pending state. Every get, scan and cursor step must
// agree three ways. Streams include commits, aborts, named dbs (create, drop,
// clear), long-lived readers and close + reopen of the env. Seeds marked
// "compressed" create alder's dbs with value compression (issue #14, item 6:
// main zstd, alpha lz4, beta zstd with a dictionary, gamma raw) and draw
// mostly text-like values, so compressed and raw values (short, random)
// mix; LMDB and the model store them as they are.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <alder/alder.hpp>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using alder::Dbi;
using alder::Direction;
using alder::Durability;
using alder::ErrorCode;
using alder::PutFlags;

constexpr int kNumDbs = 4;
// Index 0 is alder's main db; LMDB keeps it in a named db, because LMDB's own
// main db holds the names of its named dbs.
const std::array<std::string, kNumDbs> kAlderNames = {"", "alpha", "beta", "gamma"};
const std::array<std::string, kNumDbs> kLmdbNames = {"__main", "alpha", "beta", "gamma"};

using DbMap = std::map<std::string, std::string>;
using DbPtr = std::shared_ptr<const DbMap>;
// nullptr: the named db does not exist (main always exists).
using State = std::array<DbPtr, kNumDbs>;
using Entries = std::vector<std::pair<std::string, std::string>>;

struct Divergence {
  std::string message;
};

std::string show(std::string_view s) {
  std::ostringstream os;
  os << '"';
  std::size_t n = std::min<std::size_t>(s.size(), 48);
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      os << c;
    } else {
      static const char* hex = "0123456789abcdef";
      os << "\\x" << hex[c >> 4] << hex[c & 15];
    }
  }
  if (s.size() > n) os << "...";
  os << "\" (" << s.size() << " bytes)";
  return os.str();
}

std::string show(const std::string& s) { return show(std::string_view(s)); }

std::string show(const std::optional<std::string>& v) {
  return v ? show(*v) : std::string("<absent>");
}

std::string show(const Entries& e) {
  std::ostringstream os;
  os << e.size() << " entries [";
  for (std::size_t i = 0; i < e.size() && i < 6; ++i) {
    os << (i ? ", " : "") << show(e[i].first);
  }
  if (e.size() > 6) os << ", ...";
  os << "]";
  return os.str();
}

std::optional<std::string> prefix_end(std::string p) {
  while (!p.empty() && static_cast<unsigned char>(p.back()) == 0xff) p.pop_back();
  if (p.empty()) return std::nullopt;
  p.back() = static_cast<char>(static_cast<unsigned char>(p.back()) + 1);
  return p;
}

Entries model_scan(const DbMap* m, const std::string& lo, const std::optional<std::string>& hi,
                   Direction dir, std::size_t limit) {
  Entries out;
  if (m == nullptr) return out;
  if (dir == Direction::forward) {
    for (auto it = m->lower_bound(lo);
         it != m->end() && (!hi || it->first < *hi) && out.size() < limit; ++it) {
      out.emplace_back(it->first, it->second);
    }
  } else {
    auto it = hi ? m->lower_bound(*hi) : m->end();
    while (it != m->begin() && out.size() < limit) {
      --it;
      if (it->first < lo) break;
      out.emplace_back(it->first, it->second);
    }
  }
  return out;
}

// ---------------------------------------------------------------- LMDB side

#define LMDB_OK(expr)                                                          \
  do {                                                                         \
    int rc_ = (expr);                                                          \
    if (rc_ != 0) {                                                            \
      throw std::runtime_error(std::string(#expr) + ": " + mdb_strerror(rc_)); \
    }                                                                          \
  } while (0)

MDB_val mval(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string sval(const MDB_val& v) {
  return std::string(static_cast<const char*>(v.mv_data), v.mv_size);
}

class Lmdb {
 public:
  explicit Lmdb(std::string path) : path_(std::move(path)) {}
  ~Lmdb() { close(); }

  void open() {
    LMDB_OK(mdb_env_create(&env_));
    LMDB_OK(mdb_env_set_mapsize(env_, std::size_t{1} << 30));
    LMDB_OK(mdb_env_set_maxdbs(env_, 8));
    LMDB_OK(mdb_env_open(env_, path_.c_str(), MDB_NOSUBDIR | MDB_NOSYNC | MDB_NOTLS, 0644));
    MDB_txn* t = nullptr;
    LMDB_OK(mdb_txn_begin(env_, nullptr, 0, &t));
    for (int i = 0; i < kNumDbs; ++i) {
      LMDB_OK(mdb_dbi_open(t, kLmdbNames[i].c_str(), MDB_CREATE, &dbi_[i]));
    }
    LMDB_OK(mdb_txn_commit(t));
  }
  void close() {
    if (w_) mdb_txn_abort(w_), w_ = nullptr;
    if (env_) mdb_env_close(env_), env_ = nullptr;
  }

  MDB_txn* begin_read() {
    MDB_txn* t = nullptr;
    LMDB_OK(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &t));
    return t;
  }
  void begin_write() { LMDB_OK(mdb_txn_begin(env_, nullptr, 0, &w_)); }
  void commit() {
    MDB_txn* t = w_;
    w_ = nullptr;
    LMDB_OK(mdb_txn_commit(t));
  }
  void abort() {
    mdb_txn_abort(w_);
    w_ = nullptr;
  }
  MDB_txn* w() const { return w_; }

  // Returns false when no_overwrite and the key exists.
  bool put(int db, std::string_view k, std::string_view v, unsigned flags) {
    MDB_val key = mval(k), val = mval(v);
    int rc = mdb_put(w_, dbi_[db], &key, &val, flags);
    if (rc == MDB_KEYEXIST && (flags & MDB_NOOVERWRITE)) return false;
    LMDB_OK(rc);
    return true;
  }
  bool del(int db, std::string_view k) {
    MDB_val key = mval(k);
    int rc = mdb_del(w_, dbi_[db], &key, nullptr);
    if (rc == MDB_NOTFOUND) return false;
    LMDB_OK(rc);
    return true;
  }
  void clear(int db) { LMDB_OK(mdb_drop(w_, dbi_[db], 0)); }

  std::optional<std::string> get(MDB_txn* t, int db, std::string_view k) {
    MDB_val key = mval(k), val{};
    int rc = mdb_get(t, dbi_[db], &key, &val);
    if (rc == MDB_NOTFOUND) return std::nullopt;
    LMDB_OK(rc);
    return sval(val);
  }

  Entries scan(MDB_txn* t, int db, const std::string& lo, const std::optional<std::string>& hi,
               Direction dir, std::size_t limit) {
    Entries out;
    MDB_cursor* c = nullptr;
    LMDB_OK(mdb_cursor_open(t, dbi_[db], &c));
    MDB_val k{}, v{};
    int rc;
    if (dir == Direction::forward) {
      if (lo.empty()) {
        rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
      } else {
        k = mval(lo);
        rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
      }
      while (rc == 0 && out.size() < limit) {
        std::string key = sval(k);
        if (hi && !(key < *hi)) break;
        out.emplace_back(std::move(key), sval(v));
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
      }
    } else {
      if (hi && !hi->empty()) {
        k = mval(*hi);
        rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
        if (rc == 0) {
          rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
        } else if (rc == MDB_NOTFOUND) {
          rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
        }
      } else if (hi) {
        rc = MDB_NOTFOUND;  // hi == "": nothing is below it
      } else {
        rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
      }
      while (rc == 0 && out.size() < limit) {
        std::string key = sval(k);
        if (key < lo) break;
        out.emplace_back(std::move(key), sval(v));
        rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
      }
    }
    mdb_cursor_close(c);
    if (rc != 0 && rc != MDB_NOTFOUND) LMDB_OK(rc);
    return out;
  }

  MDB_dbi dbi(int db) const { return dbi_[db]; }

 private:
  std::string path_;
  MDB_env* env_ = nullptr;
  MDB_txn* w_ = nullptr;
  std::array<MDB_dbi, kNumDbs> dbi_{};
};

// ---------------------------------------------------------------- the run

struct SeedConfig {
  std::uint64_t seed;
  int ops;
  std::uint32_t page_size;
  Durability durability;
  bool spill;  // a tiny EnvOptions::spill_bytes: txns spill all the time
  bool compressed = false;  // compressed dbs and text-like values
};
void PrintTo(const SeedConfig& c, std::ostream* os) {
  *os << "seed " << c.seed << ", " << c.ops << " ops, page " << c.page_size
      << (c.durability == Durability::sync           ? ", sync"
          : c.durability == Durability::no_meta_sync ? ", no_meta_sync"
                                                     : ", no_sync")
      << (c.spill ? ", spill" : "") << (c.compressed ? ", compressed" : "");
}

// The DbOptions of db i (kAlderNames) in a compressed run.
alder::DbOptions compressed_db_options(int i) {
  switch (i) {
    case 0: {
      alder::DbOptions o;
      o.compression = alder::Compression::zstd;
      return o;
    }
    case 1:
      return alder_test::compression_options(alder_test::kLz4);
    case 2:
      return alder_test::compression_options(alder_test::kZstdDict);
    default:
      return {};
  }
}

// What one read-only view needs: an alder txn, an LMDB txn, the model state
// both should show, and the alder dbis valid in that txn.
struct View {
  alder::Txn* txn;
  MDB_txn* ltxn;
  const State* state;
  std::array<std::optional<Dbi>, kNumDbs> dbis;
};

class ModelRun {
 public:
  ModelRun(const SeedConfig& cfg, const alder_test::TempDir& dir)
      : cfg_(cfg),
        rng_(cfg.seed),
        alder_path_(dir.file("model.alder")),
        lmdb_(dir.file("model.lmdb")) {
    for (auto& d : committed_) d = nullptr;
    committed_[0] = std::make_shared<DbMap>();
    pending_ = committed_;
    make_pool();
  }

  // Runs the whole stream; returns the number of operations done.
  int run() {
    open_envs();
    if (cfg_.compressed) {  // the main db's compression, set while it is empty
      alder::Txn w = env_->begin_write();
      w.open_db(kAlderNames[0], alder::DbFlags::create, compressed_db_options(0));
      w.commit();
    }
    for (op_no_ = 0; op_no_ < cfg_.ops; ++op_no_) step();
    finish_txns();
    full_compare("end of stream");
    close_envs();
    open_envs();
    full_compare("after final reopen");
    if (cfg_.compressed) check_value_forms();
    close_envs();
    return op_no_;
  }

 private:
  // ------------------------------------------------------------ plumbing
  [[noreturn]] void diverge(const std::string& what) {
    std::ostringstream os;
    os << "seed " << cfg_.seed << " (page " << cfg_.page_size << "), op #" << op_no_ << " [" << op_
       << "]: " << what;
    throw Divergence{os.str()};
  }

  template <class T>
  void agree(const T& a, const T& l, const T& m, const char* what) {
    if (a == m && l == m) return;
    diverge(std::string(what) + ": alder " + show(a) + ", lmdb " + show(l) + ", model " + show(m));
  }

  alder::EnvOptions options() const {
    alder::EnvOptions o;
    o.page_size = cfg_.page_size;
    o.durability = cfg_.durability;
    if (cfg_.spill) o.spill_bytes = 3 * cfg_.page_size;
    return o;
  }

  void open_envs() {
    env_.emplace(alder::Env::open(alder_path_, options()));
    lmdb_.open();
  }
  void close_envs() {
    env_->close();
    env_.reset();
    lmdb_.close();
  }

  std::uint64_t r(std::uint64_t n) { return rng_() % n; }
  bool chance(double p) { return static_cast<double>(rng_() >> 11) * 0x1.0p-53 < p; }

  void make_pool() {
    for (int i = 0; i < 3000; ++i) {
      std::uint64_t kind = r(10);
      std::string k;
      if (kind < 6) {
        // Short keys over a small alphabet: many shared prefixes.
        static const char* kAlpha = "abcde";
        std::size_t len = 1 + r(12);
        for (std::size_t j = 0; j < len; ++j) k.push_back(kAlpha[r(5)]);
      } else if (kind < 8) {
        k = alder_test::num_key(r(100000), 6, "n");
      } else {
        k = alder_test::random_bytes(rng_, 1 + r(60));
      }
      pool_.push_back(std::move(k));
    }
  }

  std::string pick_key() {
    if (chance(0.03)) return alder_test::random_bytes(rng_, 1 + r(30));
    return pool_[r(pool_.size())];
  }

  std::string make_value() {
    // Compressed runs: mostly text (values under min_size, 64, stay raw).
    const bool text = cfg_.compressed && !chance(0.15);
    std::uint64_t p = r(100);
    std::size_t len;
    if (p < 60) {
      len = r(33);
    } else if (p < 90) {
      len = 33 + r(268);
    } else if (p < 98) {
      len = 300 + r(2700);
    } else {
      len = 3000 + r(37000);
    }
    return text ? alder_test::text_value(rng_, len) : alder_test::random_bytes(rng_, len);
  }

  // A bound for a range: empty, a pool key, a prefix of one, or random.
  std::string pick_bound() {
    std::uint64_t p = r(10);
    if (p == 0) return "";
    std::string k = pool_[r(pool_.size())];
    if (p < 4) return k.substr(0, 1 + r(k.size()));
    if (p < 9) return k;
    return alder_test::random_bytes(rng_, 1 + r(4));
  }

  int pick_db() { return chance(0.5) ? 0 : 1 + static_cast<int>(r(kNumDbs - 1)); }

  // ------------------------------------------------------------ model state
  DbMap& mutate(int db) {
    if (!owned_[db]) {
      pending_[db] =
          pending_[db] ? std::make_shared<DbMap>(*pending_[db]) : std::make_shared<DbMap>();
      owned_[db] = true;
    }
    return const_cast<DbMap&>(*pending_[db]);
  }

  // The alder dbi of db in txn, checking existence against the model.
  std::optional<Dbi> dbi_in(alder::Txn& txn, int db, bool exists) {
    if (db == 0) return alder::kMainDbi;
    try {
      // A compressed db opens with no options or with its own, alike.
      Dbi d = cfg_.compressed && chance(0.5)
                  ? txn.open_db(kAlderNames[db], alder::DbFlags::none, compressed_db_options(db))
                  : txn.open_db(kAlderNames[db]);
      if (!exists)
        diverge("open_db(" + kAlderNames[db] + ") found a db the model says does not exist");
      return d;
    } catch (const alder::Error& e) {
      if (e.code() == ErrorCode::unknown_db && !exists) return std::nullopt;
      diverge("open_db(" + kAlderNames[db] + ") threw " + alder::error_name(e.code()) + ": " +
              e.what());
    }
  }

  // ------------------------------------------------------------ write txn
  void ensure_write() {
    if (wtxn_) return;
    op_ += " (begin write)";
    wtxn_.emplace(env_->begin_write());
    lmdb_.begin_write();
    if (wtxn_->read_only()) diverge("begin_write gave a read-only txn");
    if (have_commit_id_ && wtxn_->id() <= last_commit_id_) {
      diverge("write txn id " + std::to_string(wtxn_->id()) + " not above last commit " +
              std::to_string(last_commit_id_));
    }
    dirty_ = false;
    for (int i = 0; i < kNumDbs; ++i) {
      wdbi_[i] = dbi_in(*wtxn_, i, pending_[i] != nullptr);
    }
  }

  // Makes sure db exists in the write txn (creating it like LMDB would).
  Dbi writable_db(int db) {
    ensure_write();
    if (!wdbi_[db]) {
      wdbi_[db] = cfg_.compressed
                      ? wtxn_->open_db(kAlderNames[db], alder::DbFlags::create, compressed_db_options(db))
                      : wtxn_->open_db(kAlderNames[db], alder::DbFlags::create);
      mutate(db);
      dirty_ = true;
    }
    return *wdbi_[db];
  }

  void commit() {
    if (!wtxn_) return;
    std::uint64_t id = wtxn_->id();
    wtxn_->commit();
    wtxn_.reset();
    lmdb_.commit();
    committed_ = pending_;
    owned_.fill(false);
    if (verify_each_commit_) {
      auto vr = env_->verify();
      if (!vr.ok()) {
        diverge("verify after commit: " + vr.error + " (page " + std::to_string(vr.bad_page) + " " +
                vr.bad_page_kind + ")");
      }
    }
    if (dirty_) {
      last_commit_id_ = id;
      have_commit_id_ = true;
    }
  }

  void abort() {
    if (!wtxn_) return;
    wtxn_->abort();
    wtxn_.reset();
    lmdb_.abort();
    pending_ = committed_;
    owned_.fill(false);
  }

  void finish_txns() {
    if (chance(0.5)) {
      commit();
    } else {
      abort();
    }
    close_reader();
  }

  // ------------------------------------------------------------ reads
  // Runs f on the current view: the write txn when one is open, else a
  // fresh read txn on the latest commit.
  template <class F>
  void with_view(F&& f) {
    if (wtxn_) {
      View v{&*wtxn_, lmdb_.w(), &pending_, wdbi_};
      f(v);
      return;
    }
    alder::Txn t = env_->begin_read();
    check_read_id(t);
    MDB_txn* lt = lmdb_.begin_read();
    View v{&t, lt, &committed_, {}};
    for (int i = 0; i < kNumDbs; ++i) v.dbis[i] = dbi_in(t, i, committed_[i] != nullptr);
    try {
      f(v);
    } catch (...) {
      mdb_txn_abort(lt);
      throw;
    }
    mdb_txn_abort(lt);
  }

  void check_read_id(alder::Txn& t) {
    if (!t.read_only()) diverge("begin_read gave a writable txn");
    std::uint64_t id = t.id();
    if (id < last_read_id_) {
      diverge("read txn id went backwards: " + std::to_string(id) + " after " +
              std::to_string(last_read_id_));
    }
    if (have_commit_id_ && id < last_commit_id_) {
      diverge("read txn id " + std::to_string(id) + " older than the last commit " +
              std::to_string(last_commit_id_));
    }
    last_read_id_ = id;
  }

  std::optional<std::string> alder_get(View& v, int db, std::string_view k) {
    if (!v.dbis[db]) return std::nullopt;
    auto g = v.txn->get(*v.dbis[db], k);
    if (!g) return std::nullopt;
    return std::string(*g);
  }

  std::optional<std::string> model_get(const State& s, int db, const std::string& k) {
    if (!s[db]) return std::nullopt;
    auto it = s[db]->find(k);
    if (it == s[db]->end()) return std::nullopt;
    return it->second;
  }

  void op_get(View& v, int db) {
    std::string k = pick_key();
    op_ += " key " + show(k);
    agree(alder_get(v, db, k), lmdb_.get(v.ltxn, db, k), model_get(*v.state, db, k), "get");
  }

  void op_get_many(View& v, int db) {
    std::vector<std::string> keys(1 + r(16));
    for (auto& k : keys) k = pick_key();
    std::vector<std::string_view> views(keys.begin(), keys.end());
    std::vector<std::optional<std::string>> got(keys.size());
    if (v.dbis[db]) {
      auto res = v.txn->get_many(*v.dbis[db], views);
      if (res.size() != keys.size()) diverge("get_many returned a wrong count");
      for (std::size_t i = 0; i < res.size(); ++i) {
        if (res[i]) got[i] = std::string(*res[i]);
      }
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
      agree(got[i], lmdb_.get(v.ltxn, db, keys[i]), model_get(*v.state, db, keys[i]), "get_many");
    }
  }

  Entries alder_scan(alder::Range range, std::size_t limit) {
    Entries out;
    for (auto e : range) {
      if (out.size() >= limit) break;
      out.emplace_back(std::string(e.key), std::string(e.value));
    }
    return out;
  }

  void op_range(View& v, int db) {
    std::string lo = pick_bound();
    std::optional<std::string> hi;
    // hi = "" is left out: the header calls an empty hi "to the end" in one
    // place and "lo <= key < hi" in another.
    if (!chance(0.3)) hi = pick_bound();
    if (hi && hi->empty()) hi.reset();
    if (hi && chance(0.5) && *hi < lo) std::swap(*hi, lo);
    Direction dir = chance(0.5) ? Direction::forward : Direction::reverse;
    std::size_t limit = 1 + r(60);
    op_ += " lo " + show(lo) + " hi " + (hi ? show(*hi) : "none") +
           (dir == Direction::forward ? " fwd" : " rev") + " limit " + std::to_string(limit);
    Entries a;
    if (v.dbis[db]) {
      std::optional<std::string_view> h;
      if (hi) h = *hi;
      a = alder_scan(v.txn->range(*v.dbis[db], lo, h, dir), limit);
    }
    agree(a, lmdb_.scan(v.ltxn, db, lo, hi, dir, limit),
          model_scan((*v.state)[db].get(), lo, hi, dir, limit), "range");
  }

  void op_prefix(View& v, int db) {
    std::string k = pool_[r(pool_.size())];
    std::string p = k.substr(0, 1 + r(std::min<std::size_t>(k.size(), 4)));
    Direction dir = chance(0.5) ? Direction::forward : Direction::reverse;
    std::size_t limit = 1 + r(80);
    op_ += " prefix " + show(p) + (dir == Direction::forward ? " fwd" : " rev");
    Entries a;
    if (v.dbis[db]) a = alder_scan(v.txn->prefix(*v.dbis[db], p, dir), limit);
    auto hi = prefix_end(p);
    agree(a, lmdb_.scan(v.ltxn, db, p, hi, dir, limit),
          model_scan((*v.state)[db].get(), p, hi, dir, limit), "prefix");
  }

  // Random cursor walk, compared after every step.
  void op_cursor_walk(View& v, int db) {
    const DbMap* m = (*v.state)[db].get();
    static const DbMap kEmpty;
    if (!m) m = &kEmpty;
    std::optional<alder::Cursor> ac;
    if (v.dbis[db]) ac.emplace(v.txn->cursor(*v.dbis[db]));
    MDB_cursor* lc = nullptr;
    LMDB_OK(mdb_cursor_open(v.ltxn, lmdb_.dbi(db), &lc));
    struct Closer {
      MDB_cursor* c;
      ~Closer() { mdb_cursor_close(c); }
    } closer{lc};

    DbMap::const_iterator it = m->end();
    bool mvalid = false;
    auto compare = [&](bool aok, int lrc, const std::string& step) {
      bool lok = lrc == 0;
      if (lrc != 0 && lrc != MDB_NOTFOUND)
        diverge("lmdb cursor: " + std::string(mdb_strerror(lrc)));
      if (aok != mvalid || lok != mvalid) {
        diverge("cursor " + step + ": alder " + (aok ? "valid" : "end") + ", lmdb " +
                (lok ? "valid" : "end") + ", model " + (mvalid ? "valid" : "end"));
      }
      if (!mvalid) return;
      if (ac && !ac->valid()) diverge("cursor " + step + " returned true but valid() is false");
      MDB_val k{}, val{};
      LMDB_OK(mdb_cursor_get(lc, &k, &val, MDB_GET_CURRENT));
      std::optional<std::string> ak, av;
      if (ac) ak = std::string(ac->key()), av = std::string(ac->value());
      agree(ak, std::optional<std::string>(sval(k)), std::optional<std::string>(it->first),
            ("cursor key after " + step).c_str());
      agree(av, std::optional<std::string>(sval(val)), std::optional<std::string>(it->second),
            ("cursor value after " + step).c_str());
    };

    MDB_val k{}, val{};
    std::uint64_t start = r(4);
    std::string s;
    bool aok = false;
    int lrc;
    if (start == 0) {
      op_ += " first";
      if (ac) aok = ac->first();
      lrc = mdb_cursor_get(lc, &k, &val, MDB_FIRST);
      it = m->begin();
      mvalid = it != m->end();
      compare(aok, lrc, "first");
    } else if (start == 1) {
      op_ += " last";
      if (ac) aok = ac->last();
      lrc = mdb_cursor_get(lc, &k, &val, MDB_LAST);
      mvalid = !m->empty();
      if (mvalid) it = std::prev(m->end());
      compare(aok, lrc, "last");
    } else if (start == 2) {
      s = pick_bound();
      if (s.empty()) s = pool_[r(pool_.size())];  // seek("") is not asked
      op_ += " seek " + show(s);
      if (ac) aok = ac->seek(s);
      k = mval(s);
      lrc = mdb_cursor_get(lc, &k, &val, MDB_SET_RANGE);
      it = m->lower_bound(s);
      mvalid = it != m->end();
      compare(aok, lrc, "seek");
    } else {
      s = pick_key();
      op_ += " find " + show(s);
      if (ac) aok = ac->find(s);
      k = mval(s);
      lrc = mdb_cursor_get(lc, &k, &val, MDB_SET_KEY);
      it = m->find(s);
      mvalid = it != m->end();
      compare(aok, lrc, "find");
    }
    bool forward = chance(0.5);
    int steps = 1 + static_cast<int>(r(30));
    for (int i = 0; i < steps && mvalid; ++i) {
      if (chance(0.15)) forward = !forward;
      if (forward) {
        if (ac) aok = ac->next();
        lrc = mdb_cursor_get(lc, &k, &val, MDB_NEXT);
        ++it;
        mvalid = it != m->end();
        compare(aok, lrc, "next");
      } else {
        if (ac) aok = ac->prev();
        lrc = mdb_cursor_get(lc, &k, &val, MDB_PREV);
        if (it == m->begin()) {
          mvalid = false;
        } else {
          --it;
        }
        compare(aok, lrc, "prev");
      }
    }
  }

  void op_list_dbs(View& v) {
    std::vector<std::string> want;
    for (int i = 1; i < kNumDbs; ++i) {
      if ((*v.state)[i]) want.push_back(kAlderNames[i]);
    }
    auto got = v.txn->list_dbs();
    if (got != want) {
      std::string g, w;
      for (auto& n : got) g += n + " ";
      for (auto& n : want) w += n + " ";
      diverge("list_dbs: alder [" + g + "], model [" + w + "]");
    }
  }

  void read_op(View& v) {
    int db = pick_db();
    op_ += " db " + std::to_string(db);
    std::uint64_t p = r(100);
    if (p < 50) {
      op_ += " get";
      op_get(v, db);
    } else if (p < 58) {
      op_ += " get_many";
      op_get_many(v, db);
    } else if (p < 75) {
      op_ += " range";
      op_range(v, db);
    } else if (p < 85) {
      op_ += " prefix";
      op_prefix(v, db);
    } else if (p < 97) {
      op_ += " cursor";
      op_cursor_walk(v, db);
    } else {
      op_ += " list_dbs";
      op_list_dbs(v);
    }
  }

  // ------------------------------------------------------------ writes
  void op_put(PutFlags flags) {
    int db = pick_db();
    std::string k;
    const DbMap* cur = pending_[db].get();
    if (flags == PutFlags::append) {
      // A key above every key of the db.
      k = (cur && !cur->empty()) ? cur->rbegin()->first : std::string("a");
      k += alder_test::random_bytes(rng_, 1 + r(3));
      if (k.size() > 100) return;  // keep keys small; skip this one
    } else {
      k = pick_key();
    }
    std::string v = make_value();
    op_ +=
        " db " + std::to_string(db) + " key " + show(k) + " value size " + std::to_string(v.size());
    Dbi d = writable_db(db);
    bool a = wtxn_->put(d, k, v, flags);
    unsigned lflags = flags == PutFlags::no_overwrite ? MDB_NOOVERWRITE
                      : flags == PutFlags::append     ? MDB_APPEND
                                                      : 0u;
    bool l = lmdb_.put(db, k, v, lflags);
    DbMap& m = mutate(db);
    bool want = true;
    if (flags == PutFlags::no_overwrite && m.count(k)) {
      want = false;
    } else {
      m[k] = v;
      dirty_ = true;
    }
    if (a != want || l != want) {
      diverge(std::string("put returned: alder ") + (a ? "true" : "false") + ", lmdb " +
              (l ? "true" : "false") + ", model " + (want ? "true" : "false"));
    }
  }

  void op_del() {
    int db = pick_db();
    std::string k = pick_key();
    op_ += " db " + std::to_string(db) + " key " + show(k);
    Dbi d = writable_db(db);
    bool a = wtxn_->del(d, k);
    bool l = lmdb_.del(db, k);
    bool want = mutate(db).erase(k) > 0;
    if (want) dirty_ = true;
    if (a != want || l != want) {
      diverge(std::string("del returned: alder ") + (a ? "true" : "false") + ", lmdb " +
              (l ? "true" : "false") + ", model " + (want ? "true" : "false"));
    }
  }

  // Deletes up to n entries from a seek position through alder's cursor.
  void op_cursor_del() {
    int db = pick_db();
    std::string s = pick_bound();
    std::size_t n = 1 + r(12);
    op_ += " db " + std::to_string(db) + " from " + show(s) + " n " + std::to_string(n);
    Dbi d = writable_db(db);
    DbMap& m = mutate(db);
    std::vector<std::string> victims;
    for (auto it = m.lower_bound(s); it != m.end() && victims.size() < n; ++it) {
      victims.push_back(it->first);
    }
    alder::Cursor c = wtxn_->cursor(d);
    bool ok = s.empty() ? c.first() : c.seek(s);
    if (ok != !victims.empty()) diverge("cursor seek before delete disagrees");
    for (auto& key : victims) {
      if (!c.valid() || c.key() != key) {
        diverge("cursor delete walk: expected " + show(key) + ", cursor " +
                (c.valid() ? show(c.key()) : std::string("<end>")));
      }
      c.del();
      if (!lmdb_.del(db, key)) diverge("lmdb lacks " + show(key));
      m.erase(key);
      dirty_ = true;
    }
    auto next = m.lower_bound(s);
    if (victims.empty()) return;
    bool want_valid = next != m.end();
    if (c.valid() != want_valid) {
      diverge(std::string("after cursor deletes valid() is ") + (c.valid() ? "true" : "false"));
    }
    if (want_valid && c.key() != next->first) {
      diverge("after cursor deletes the cursor is on " + show(c.key()) + ", want " +
              show(next->first));
    }
  }

  void op_cursor_put() {
    int db = pick_db();
    std::string k = pick_key();
    std::string v = make_value();
    op_ += " db " + std::to_string(db) + " key " + show(k);
    Dbi d = writable_db(db);
    alder::Cursor c = wtxn_->cursor(d);
    if (!c.put(k, v)) diverge("cursor put without flags returned false");
    lmdb_.put(db, k, v, 0);
    DbMap& m = mutate(db);
    m[k] = v;
    dirty_ = true;
    if (!c.valid() || c.key() != k || c.value() != v) {
      diverge("cursor put: cursor not on the new entry");
    }
    auto it = m.upper_bound(k);
    bool ok = c.next();
    if (ok != (it != m.end()) || (ok && c.key() != it->first)) {
      diverge("cursor put: next() after put disagrees with the model");
    }
  }

  void op_drop_or_clear(bool drop) {
    int db = drop ? 1 + static_cast<int>(r(kNumDbs - 1)) : pick_db();
    op_ += " db " + std::to_string(db);
    ensure_write();
    if (!wdbi_[db]) return;  // does not exist: nothing to do
    if (drop) {
      wtxn_->drop_db(*wdbi_[db]);
      wdbi_[db].reset();
      pending_[db] = nullptr;
      owned_[db] = false;
    } else {
      wtxn_->clear_db(*wdbi_[db]);
      mutate(db).clear();
    }
    lmdb_.clear(db);
    dirty_ = true;
  }

  // ------------------------------------------------------------ readers
  void open_reader() {
    if (reader_) return;
    reader_.emplace(env_->begin_read());
    check_read_id(*reader_);
    reader_state_ = committed_;
    lreader_ = lmdb_.begin_read();
    for (int i = 0; i < kNumDbs; ++i) {
      reader_dbis_[i] = dbi_in(*reader_, i, reader_state_[i] != nullptr);
    }
  }
  void close_reader() {
    if (!reader_) return;
    reader_.reset();
    mdb_txn_abort(lreader_);
    lreader_ = nullptr;
  }
  void check_reader() {
    if (!reader_) return;
    View v{&*reader_, lreader_, &reader_state_, reader_dbis_};
    for (int i = 0; i < 3; ++i) read_op(v);
  }

  // ------------------------------------------------------------ reopen
  void full_compare(const char* when) {
    op_ = when;
    alder::Txn t = env_->begin_read();
    check_read_id(t);
    MDB_txn* lt = lmdb_.begin_read();
    struct Abort {
      MDB_txn* t;
      ~Abort() { mdb_txn_abort(t); }
    } guard{lt};
    for (int db = 0; db < kNumDbs; ++db) {
      auto d = dbi_in(t, db, committed_[db] != nullptr);
      Entries a;
      if (d) {
        a = alder_test::dump_forward(t, *d);
        Entries rev = alder_test::dump_reverse(t, *d);
        if (rev != a) diverge("reverse full scan differs from forward in db " + std::to_string(db));
        if (t.db_stat(*d).entries != a.size())
          diverge("db_stat entries wrong in db " + std::to_string(db));
      }
      const std::size_t all = ~std::size_t{0};
      agree(a, lmdb_.scan(lt, db, "", std::nullopt, Direction::forward, all),
            model_scan(committed_[db].get(), "", std::nullopt, Direction::forward, all),
            "full scan");
    }
  }

  // A compressed run holds compressed and raw values, each db the
  // compression it was created with, or it tested nothing new.
  void check_value_forms() {
    op_ = "value forms after final reopen";
    alder::Txn t = env_->begin_read();
    std::uint64_t compressed = 0, raw = 0;
    for (int db = 0; db < kNumDbs; ++db) {
      auto d = dbi_in(t, db, committed_[db] != nullptr);
      if (!d) continue;
      const alder::DbSpace sp = t.db_space(*d);
      if (sp.compression != compressed_db_options(db).compression)
        diverge("db " + std::to_string(db) + " lost its compression");
      compressed += sp.compressed_values;
      raw += sp.entries - sp.compressed_values;
    }
    if (compressed == 0 || raw == 0)
      diverge(std::to_string(compressed) + " values stored compressed, " + std::to_string(raw) +
              " raw: not a mix");
  }

  void reopen() {
    finish_txns();
    const std::uint64_t before = env_->stat().last_txn_id;
    close_envs();
    open_envs();
    const std::uint64_t after = env_->stat().last_txn_id;
    if (after != before) {
      diverge("last_txn_id was " + std::to_string(before) + " before close, " +
              std::to_string(after) + " after reopen");
    }
    auto vr = env_->verify();
    if (!vr.ok()) {
      diverge("verify after reopen: " + vr.error + " (page " + std::to_string(vr.bad_page) + " " +
              vr.bad_page_kind + ")");
    }
    full_compare("after reopen");
  }

  // ------------------------------------------------------------ one step
  void step() {
    op_.clear();
    std::uint64_t p = r(10000);
    try {
      if (p < 3000) {
        op_ = "put";
        ensure_write();
        op_put(PutFlags::none);
      } else if (p < 3300) {
        op_ = "put no_overwrite";
        ensure_write();
        op_put(PutFlags::no_overwrite);
      } else if (p < 3400) {
        op_ = "put append";
        ensure_write();
        op_put(PutFlags::append);
      } else if (p < 4600) {
        op_ = "del";
        op_del();
      } else if (p < 4700) {
        op_ = "cursor del";
        op_cursor_del();
      } else if (p < 4800) {
        op_ = "cursor put";
        op_cursor_put();
      } else if (p < 8500) {
        op_ = "read";
        with_view([&](View& v) { read_op(v); });
      } else if (p < 8800) {
        op_ = "commit";
        commit();
      } else if (p < 8900) {
        op_ = "abort";
        abort();
      } else if (p < 9200) {
        op_ = "reader";
        open_reader();
        check_reader();
      } else if (p < 9350) {
        op_ = "close reader";
        check_reader();
        close_reader();
      } else if (p < 9365) {
        op_ = "drop_db";
        op_drop_or_clear(true);
      } else if (p < 9372) {
        op_ = "clear_db";
        op_drop_or_clear(false);
      } else if (p < 9377) {
        op_ = "reopen";
        reopen();
      } else {
        op_ = "read (in a fresh read txn)";
        // Reads of the committed state even while a write txn is open.
        alder::Txn t = env_->begin_read();
        check_read_id(t);
        MDB_txn* lt = lmdb_.begin_read();
        View v{&t, lt, &committed_, {}};
        for (int i = 0; i < kNumDbs; ++i) v.dbis[i] = dbi_in(t, i, committed_[i] != nullptr);
        try {
          read_op(v);
        } catch (...) {
          mdb_txn_abort(lt);
          throw;
        }
        mdb_txn_abort(lt);
      }
    } catch (const alder::Error& e) {
      diverge(std::string("unexpected alder::Error ") + alder::error_name(e.code()) + ": " +
              e.what());
    }
  }

  SeedConfig cfg_;
  // Debug aid: ALDER_MODEL_VERIFY=1 runs verify() after every commit.
  const bool verify_each_commit_ = std::getenv("ALDER_MODEL_VERIFY") != nullptr;
  std::mt19937_64 rng_;
  std::string alder_path_;
  Lmdb lmdb_;
  std::vector<std::string> pool_;

  std::optional<alder::Env> env_;
  std::optional<alder::Txn> wtxn_;
  std::array<std::optional<Dbi>, kNumDbs> wdbi_;
  bool dirty_ = false;

  State committed_{};
  State pending_{};
  std::array<bool, kNumDbs> owned_{};

  std::optional<alder::Txn> reader_;
  MDB_txn* lreader_ = nullptr;
  State reader_state_{};
  std::array<std::optional<Dbi>, kNumDbs> reader_dbis_;

  std::uint64_t last_commit_id_ = 0;
  bool have_commit_id_ = false;
  std::uint64_t last_read_id_ = 0;

  int op_no_ = 0;
  std::string op_;
};

class ModelTest : public ::testing::TestWithParam<SeedConfig> {};

TEST_P(ModelTest, AlderLmdbAndMapAgree) {
  const SeedConfig& cfg = GetParam();
  alder_test::TempDir dir;
  ModelRun run(cfg, dir);
  try {
    int done = run.run();
    EXPECT_EQ(done, cfg.ops);
  } catch (const Divergence& d) {
    FAIL() << "divergence: " << d.message;
  }
}

// 4 x 50,000 no_sync operations plus 6,000 with fully synced commits (the
// required minimum), then three more page sizes / modes, then two with
// compressed dbs (4 KiB pages; 512-byte pages, where most compressed values
// go to overflow runs, spilling).
INSTANTIATE_TEST_SUITE_P(Seeds, ModelTest,
                         ::testing::Values(SeedConfig{1, 50000, 4096, Durability::no_sync, false},
                                           SeedConfig{2, 50000, 512, Durability::no_sync, false},
                                           SeedConfig{3, 50000, 16384, Durability::no_sync, false},
                                           SeedConfig{4, 50000, 4096, Durability::no_sync, true},
                                           SeedConfig{5, 6000, 4096, Durability::sync, false},
                                           SeedConfig{6, 40000, 1024, Durability::no_sync, false},
                                           SeedConfig{7, 25000, 65536, Durability::no_sync, false},
                                           SeedConfig{8, 40000, 4096, Durability::no_meta_sync,
                                                      false},
                                           SeedConfig{9, 40000, 4096, Durability::no_sync, false,
                                                      true},
                                           SeedConfig{10, 25000, 512, Durability::no_sync, true,
                                                      true}),
                         [](const ::testing::TestParamInfo<SeedConfig>& info) {
                           const SeedConfig& c = info.param;
                           std::string name = "seed" + std::to_string(c.seed) + "_page" +
                                              std::to_string(c.page_size);
                           name += c.durability == Durability::sync           ? "_sync"
                                   : c.durability == Durability::no_meta_sync ? "_nometasync"
                                                                              : "_nosync";
                           if (c.spill) name += "_spill";
                           if (c.compressed) name += "_compressed";
                           return name;
                         });

}  // namespace
