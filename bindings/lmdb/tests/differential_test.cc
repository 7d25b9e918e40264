// Differential test: the same random operation streams go through the mdb_*
// API of the real liblmdb and of alder's liblmdb.so.0, side by side; every
// return code, every key and value handed back and every txn id must agree.
// Streams cover write txns (commit and abort), held read txns with reset and
// renew, named dbs (create, drop, clear, REVERSEKEY, INTEGERKEY), put flags
// (NOOVERWRITE with the value written back, APPEND), cursors moving across
// writes made through other cursors and mdb_put/mdb_del, and bad input.
// Data lives in named dbs only: LMDB's main db also holds the named dbs'
// records, alder's does not (docs/LMDB_COMPAT.md).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <memory>
#include <random>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "lmdb_api.h"

namespace {

using lmdb_test::Api;
using lmdb_test::TempDir;

std::string bytes(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

std::string show(const std::string& s) {
  std::ostringstream os;
  for (unsigned char c : s.substr(0, 24)) {
    if (c >= 0x20 && c < 0x7f) os << c;
    else os << "\\x" << std::hex << int(c) << std::dec;
  }
  if (s.size() > 24) os << "...";
  os << " (" << s.size() << ")";
  return os.str();
}

// One side (an Api and its open handles).
struct Side {
  Api& api;
  TempDir dir;
  MDB_env* env = nullptr;
  MDB_txn* w = nullptr;               // the write txn, if any
  MDB_txn* r = nullptr;               // a held read txn (may be reset)
  bool r_reset = false;
  std::map<std::string, MDB_dbi> dbi;  // name -> handle (committed or in w)
  std::vector<MDB_cursor*> cur;        // cursors of w, by slot (null: none)
  std::vector<std::string> cur_db;

  explicit Side(Api& a) : api(a) {
    EXPECT_EQ(api.mdb_env_create(&env), 0);
    EXPECT_EQ(api.mdb_env_set_maxdbs(env, 8), 0);
    EXPECT_EQ(api.mdb_env_set_mapsize(env, size_t{256} << 20), 0);
    EXPECT_EQ(api.mdb_env_open(env, dir.path.c_str(), MDB_NOTLS | MDB_NOSYNC, 0644), 0);
  }
  ~Side() {
    if (w) api.mdb_txn_abort(w);
    if (r) api.mdb_txn_abort(r);
    api.mdb_env_close(env);
  }
};

// Names with their LMDB flags; "i" keys are 4 or 8 byte integers.
const std::vector<std::pair<std::string, unsigned>> kDbs = {
    {"alpha", 0}, {"beta", 0}, {"rev", MDB_REVERSEKEY}, {"int", MDB_INTEGERKEY}};

// Calls compared, over all streams: success and error answers.
uint64_t ok_calls = 0, failed_calls = 0;

class Stream {
 public:
  Stream(uint64_t seed) : rng_(seed), a_(lmdb_test::real()), b_(lmdb_test::shim()) {}

  void run(int steps) {
    for (step_ = 0; step_ < steps && !::testing::Test::HasFailure(); step_++) one();
  }

 private:
  std::mt19937_64 rng_;
  Side a_, b_;
  int step_ = 0;
  std::vector<std::string> opened_in_w_;
  // Handles the held read txn may use: those open when it began or renewed
  // and not dropped since. (LMDB's answers for a handle dropped and opened
  // again under a live read txn depend on its internal sequence numbers;
  // alder answers EINVAL. Streams stay off that corner.)
  std::set<std::string> r_dbs_;
  bool hit_end_[3] = {};  // per cursor slot: LMDB's end-of-data flag is set
  bool wrote_since_end_[3] = {};
  bool fresh_[3] = {};  // not moved since opened: PREV acts as LAST
  void wrote() {
    for (bool& w : wrote_since_end_) w = true;
  }
  // Per cursor slot: its last SET/SET_KEY missed. LMDB leaves the cursor
  // at its search point, which alder matches for reads; what a delete or
  // a step does from there in LMDB depends on its page layout. Until the
  // cursor is positioned again, only positioning ops are compared.
  bool missed_[3] = {};

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool chance(int pct) { return int(pick(100)) < pct; }

  std::vector<std::string> log_;  // the last operations, shown on failure
  void note(const std::string& s) {
    if (log_.size() == 40) log_.erase(log_.begin());
    log_.push_back("step " + std::to_string(step_) + ": " + s);
  }
  std::string where() const {
    std::ostringstream os;
    os << "step " << step_ << "; last operations:\n";
    for (const std::string& l : log_) os << "  " << l << "\n";
    return os.str();
  }

  void same_rc(int ra, int rb, const char* what) {
    (ra == 0 ? ok_calls : failed_calls)++;
    note(std::string(what) + " -> " + std::to_string(ra));
    ASSERT_EQ(ra, rb) << where() << " " << what << ": liblmdb " << ra << " ("
                      << a_.api.mdb_strerror(ra) << "), alder " << rb << " ("
                      << b_.api.mdb_strerror(rb) << ")";
  }
  void same_val(const MDB_val& va, const MDB_val& vb, const char* what) {
    ASSERT_EQ(bytes(va), bytes(vb)) << where() << " " << what << ": liblmdb " << show(bytes(va))
                                    << " alder " << show(bytes(vb));
  }

  std::string key_for(const std::string& db) {
    if (db == "int") {
      if (chance(50)) {
        uint32_t v = uint32_t(pick(40)) * 1000003u;
        return std::string(reinterpret_cast<char*>(&v), 4);
      }
      // All keys of one INTEGERKEY db must have one width (LMDB's rule).
      uint32_t v = uint32_t(pick(40)) * 1000003u;
      return std::string(reinterpret_cast<char*>(&v), 4);
    }
    if (chance(2)) return std::string();                 // MDB_BAD_VALSIZE
    if (chance(2)) return std::string(512, 'k');         // over 511 bytes
    if (chance(3)) return std::string(511, char('a' + pick(3)));
    static const char* alphabet = "abcdefgh";
    std::string k(1 + pick(4), 'a');
    for (char& c : k) c = alphabet[pick(8)];
    return k;
  }
  std::string value() {
    size_t n = chance(5) ? 2000 + pick(6000) : pick(60);
    std::string v(n, 'v');
    for (size_t i = 0; i < n; i += 7) v[i] = char('0' + pick(10));
    return v;
  }
  static MDB_val val(const std::string& s) { return {s.size(), const_cast<char*>(s.data())}; }

  const std::string& some_db() { return kDbs[pick(kDbs.size())].first; }

  void one() {
    if (!a_.w) {
      if (chance(70)) return begin_write();
      return read_ops();
    }
    switch (pick(12)) {
      case 0: return end_write();
      case 1: return open_db(a_.w, b_.w);
      case 2: case 3: case 4: return put();
      case 5: return del();
      case 6: return get(a_.w, b_.w);
      case 7: case 8: case 9: return cursor_op();
      case 10: return read_ops();
      case 11: return chance(15) ? drop() : stat_and_flags();
    }
  }

  void begin_write() {
    int ra = a_.api.mdb_txn_begin(a_.env, nullptr, 0, &a_.w);
    int rb = b_.api.mdb_txn_begin(b_.env, nullptr, 0, &b_.w);
    same_rc(ra, rb, "txn_begin");
    ASSERT_EQ(a_.api.mdb_txn_id(a_.w), b_.api.mdb_txn_id(b_.w)) << where() << " write txn id";
    a_.cur.assign(3, nullptr);
    b_.cur.assign(3, nullptr);
    a_.cur_db.assign(3, "");
    b_.cur_db.assign(3, "");
    opened_in_w_.clear();
  }

  void end_write() {
    const bool commit = chance(75);
    if (commit) {
      same_rc(a_.api.mdb_txn_commit(a_.w), b_.api.mdb_txn_commit(b_.w), "txn_commit");
    } else {
      a_.api.mdb_txn_abort(a_.w);
      b_.api.mdb_txn_abort(b_.w);
      for (const std::string& n : opened_in_w_) {  // both drop the txn's handles
        a_.dbi.erase(n);
        b_.dbi.erase(n);
      }
    }
    a_.w = b_.w = nullptr;  // cursors of a write txn end with it
  }

  void open_db(MDB_txn* ta, MDB_txn* tb) {
    const auto& [name, flags] = kDbs[pick(kDbs.size())];
    const unsigned f = (chance(80) ? MDB_CREATE : 0) | flags;
    MDB_dbi da = 0, db = 0;
    int ra = a_.api.mdb_dbi_open(ta, name.c_str(), f, &da);
    int rb = b_.api.mdb_dbi_open(tb, name.c_str(), f, &db);
    same_rc(ra, rb, ("dbi_open " + name).c_str());
    if (ra == 0 && !a_.dbi.count(name)) {
      a_.dbi[name] = da;
      b_.dbi[name] = db;
      if (ta == a_.w) opened_in_w_.push_back(name);
    }
  }

  bool have(const std::string& db) { return a_.dbi.count(db) != 0; }

  void put() {
    const std::string& db = some_db();
    if (!have(db)) return open_db(a_.w, b_.w);
    std::string k = key_for(db), v = value();
    unsigned flags = chance(20) ? MDB_NOOVERWRITE : chance(10) ? MDB_APPEND : 0;
    MDB_val ka = val(k), kb = val(k), va = val(v), vb = val(v);
    wrote();
    int ra = a_.api.mdb_put(a_.w, a_.dbi[db], &ka, &va, flags);
    int rb = b_.api.mdb_put(b_.w, b_.dbi[db], &kb, &vb, flags);
    same_rc(ra, rb, ("put " + db + " " + show(k) + " flags " + std::to_string(flags)).c_str());
    if (ra == MDB_KEYEXIST && flags == MDB_NOOVERWRITE) same_val(va, vb, "put NOOVERWRITE value");
  }

  void del() {
    const std::string& db = some_db();
    if (!have(db)) return;
    std::string k = key_for(db);
    MDB_val ka = val(k), kb = val(k);
    wrote();
    same_rc(a_.api.mdb_del(a_.w, a_.dbi[db], &ka, nullptr),
            b_.api.mdb_del(b_.w, b_.dbi[db], &kb, nullptr), ("del " + db + " " + show(k)).c_str());
  }

  void get(MDB_txn* ta, MDB_txn* tb) {
    const std::string& db = some_db();
    if (!have(db) || (ta == a_.r && !r_dbs_.count(db))) return;
    std::string k = key_for(db);
    MDB_val ka = val(k), kb = val(k), va{}, vb{};
    int ra = a_.api.mdb_get(ta, a_.dbi[db], &ka, &va);
    int rb = b_.api.mdb_get(tb, b_.dbi[db], &kb, &vb);
    same_rc(ra, rb, ("get " + std::string(ta == a_.r ? "(read) " : "") + db + " " + show(k)).c_str());
    if (ra == 0) same_val(va, vb, "get value");
  }

  void drop() {
    const std::string& db = some_db();
    if (!have(db)) return;
    const int del = chance(50);
    wrote();
    same_rc(a_.api.mdb_drop(a_.w, a_.dbi[db], del), b_.api.mdb_drop(b_.w, b_.dbi[db], del),
            ("drop " + db + " del " + std::to_string(del)).c_str());
    // Cursors on a dropped db are not used again.
    for (size_t i = 0; i < a_.cur.size(); i++)
      if (a_.cur[i] && a_.cur_db[i] == db) {
        a_.api.mdb_cursor_close(a_.cur[i]);
        b_.api.mdb_cursor_close(b_.cur[i]);
        a_.cur[i] = b_.cur[i] = nullptr;
      }
    note("drop " + db + " del " + std::to_string(del));
    if (del) {
      r_dbs_.erase(db);
      a_.dbi.erase(db);
      b_.dbi.erase(db);
    }
  }

  void stat_and_flags() {
    const std::string& db = some_db();
    if (!have(db)) return;
    MDB_stat sa{}, sb{};
    same_rc(a_.api.mdb_stat(a_.w, a_.dbi[db], &sa), b_.api.mdb_stat(b_.w, b_.dbi[db], &sb), "stat");
    ASSERT_EQ(sa.ms_entries, sb.ms_entries) << where() << " entries of " << db;
    ASSERT_EQ(sa.ms_psize, sb.ms_psize);
    unsigned fa = 0, fb = 0;
    same_rc(a_.api.mdb_dbi_flags(a_.w, a_.dbi[db], &fa), b_.api.mdb_dbi_flags(b_.w, b_.dbi[db], &fb),
            "dbi_flags");
    ASSERT_EQ(fa, fb) << where() << " flags of " << db;
  }

  void cursor_op() {
    const size_t i = pick(3);
    if (!a_.cur[i]) {
      const std::string& db = some_db();
      if (!have(db)) return;
      same_rc(a_.api.mdb_cursor_open(a_.w, a_.dbi[db], &a_.cur[i]),
              b_.api.mdb_cursor_open(b_.w, b_.dbi[db], &b_.cur[i]), ("cursor " + std::to_string(i) + " open on " + db).c_str());
      a_.cur_db[i] = b_.cur_db[i] = db;
      hit_end_[i] = missed_[i] = false;
      fresh_[i] = true;
      return;
    }
    const std::string db = a_.cur_db[i];
    MDB_cursor* ca = a_.cur[i];
    MDB_cursor* cb = b_.cur[i];
    const int what = int(pick(20));
    if (missed_[i] && what < 4) return;
    if (what < 4) wrote();
    if (what < 2) {  // put through the cursor
      std::string k = key_for(db), v = value();
      unsigned flags = chance(20) ? MDB_NOOVERWRITE : chance(15) ? MDB_CURRENT : 0;
      if (flags == MDB_CURRENT) {
        // LMDB requires the current key (another one corrupts its order).
        MDB_val ca_k, ca_v, cb_k, cb_v;
        int ra = a_.api.mdb_cursor_get(ca, &ca_k, &ca_v, MDB_GET_CURRENT);
        same_rc(ra, b_.api.mdb_cursor_get(cb, &cb_k, &cb_v, MDB_GET_CURRENT), "get current for put");
        if (ra) return;
        k = bytes(ca_k);
      }
      MDB_val ka = val(k), kb = val(k), va = val(v), vb = val(v);
      int ra = a_.api.mdb_cursor_put(ca, &ka, &va, flags);
      int rb = b_.api.mdb_cursor_put(cb, &kb, &vb, flags);
      same_rc(ra, rb, ("cursor " + std::to_string(i) + " put " + show(k) + " flags " + std::to_string(flags)).c_str());
      if (ra == MDB_KEYEXIST) same_val(va, vb, "cursor_put NOOVERWRITE value");
      return;
    }
    if (what < 4) {
      same_rc(a_.api.mdb_cursor_del(ca, 0), b_.api.mdb_cursor_del(cb, 0), ("cursor " + std::to_string(i) + " del").c_str());
      return;
    }
    if (what == 4) {
      a_.api.mdb_cursor_close(ca);
      b_.api.mdb_cursor_close(cb);
      a_.cur[i] = b_.cur[i] = nullptr;
      note("cursor " + std::to_string(i) + " close");
      return;
    }
    static const MDB_cursor_op ops[] = {MDB_FIRST,   MDB_LAST,    MDB_NEXT,     MDB_NEXT,
                                        MDB_NEXT,    MDB_PREV,    MDB_PREV,     MDB_SET,
                                        MDB_SET_KEY, MDB_SET_RANGE, MDB_SET_RANGE, MDB_GET_CURRENT,
                                        MDB_NEXT_NODUP, MDB_PREV_NODUP};
    const MDB_cursor_op op = ops[pick(std::size(ops))];
    // After LAST (or a first PREV), or a NEXT or SET_RANGE that ran off the end, LMDB keeps an
    // end-of-data flag; what a NEXT answers once the txn wrote since
    // depends on its page layout (alder returns the following entry, if
    // any). Not compared.
    const bool is_next = op == MDB_NEXT || op == MDB_NEXT_NODUP;
    if (is_next && hit_end_[i] && wrote_since_end_[i]) return;
    const bool positions = op == MDB_FIRST || op == MDB_LAST || op == MDB_SET ||
                           op == MDB_SET_KEY || op == MDB_SET_RANGE;
    if (missed_[i] && !positions) return;
    std::string k = key_for(db);
    MDB_val ka = val(k), kb = val(k), va{}, vb{};
    int ra = a_.api.mdb_cursor_get(ca, &ka, &va, op);
    int rb = b_.api.mdb_cursor_get(cb, &kb, &vb, op);
    const std::string what_s = "cursor " + std::to_string(i) + " get op " + std::to_string(int(op)) + " " + show(k) + " on " + db;
    same_rc(ra, rb, what_s.c_str());
    const bool was_fresh = fresh_[i];
    fresh_[i] = false;
    if (positions) missed_[i] = ra != 0 && (op == MDB_SET || op == MDB_SET_KEY);
    const bool is_prev = op == MDB_PREV || op == MDB_PREV_NODUP;
    if ((is_next && ra == MDB_NOTFOUND) || (op == MDB_LAST && ra == 0) ||
        (op == MDB_SET_RANGE && ra == MDB_NOTFOUND) || (is_prev && was_fresh && ra == 0)) {
      hit_end_[i] = true;
      wrote_since_end_[i] = false;
    } else if (op != MDB_GET_CURRENT && ra == 0) {
      hit_end_[i] = false;
    }
    if (ra == 0) {
      if (bytes(ka) != bytes(kb)) {
        ADD_FAILURE() << "liblmdb's " << db << ": " << dump(a_, a_.w, a_.dbi[db]) << "\nalder's: "
                      << dump(b_, b_.w, b_.dbi[db]);
      }
      same_val(ka, kb, (what_s + " key").c_str());
      same_val(va, vb, (what_s + " value").c_str());
    }
  }

  static std::string dump(Side& side, MDB_txn* t, MDB_dbi d) {
    MDB_cursor* c;
    if (side.api.mdb_cursor_open(t, d, &c)) return "?";
    std::string out;
    MDB_val k, v;
    for (int rc = side.api.mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = side.api.mdb_cursor_get(c, &k, &v, MDB_NEXT))
      out += show(bytes(k)) + " ";
    side.api.mdb_cursor_close(c);
    return out;
  }

  // A held read txn: begin, reset, renew, gets and a full scan compared.
  void read_ops() {
    if (!a_.r) {
      same_rc(a_.api.mdb_txn_begin(a_.env, nullptr, MDB_RDONLY, &a_.r),
              b_.api.mdb_txn_begin(b_.env, nullptr, MDB_RDONLY, &b_.r), "read txn_begin");
      a_.r_reset = false;
      take_r_dbs();
    } else if (a_.r_reset) {
      same_rc(a_.api.mdb_txn_renew(a_.r), b_.api.mdb_txn_renew(b_.r), "txn_renew");
      a_.r_reset = false;
      take_r_dbs();
    } else if (chance(20)) {
      a_.api.mdb_txn_reset(a_.r);
      b_.api.mdb_txn_reset(b_.r);
      a_.r_reset = true;
      note("read txn reset");
      return;
    } else if (chance(10)) {
      a_.api.mdb_txn_abort(a_.r);
      b_.api.mdb_txn_abort(b_.r);
      a_.r = b_.r = nullptr;
      note("read txn abort");
      return;
    }
    ASSERT_EQ(a_.api.mdb_txn_id(a_.r), b_.api.mdb_txn_id(b_.r)) << where() << " read txn id";
    // Handles opened before this snapshot only (see the file comment).
    if (a_.w) return;
    get(a_.r, b_.r);
    scan(a_.r, b_.r);
  }

  void take_r_dbs() {
    r_dbs_.clear();
    for (const auto& [name, d] : a_.dbi)
      if (std::find(opened_in_w_.begin(), opened_in_w_.end(), name) == opened_in_w_.end() || !a_.w)
        r_dbs_.insert(name);
  }

  void scan(MDB_txn* ta, MDB_txn* tb) {
    const std::string& db = some_db();
    if (!have(db) || !r_dbs_.count(db)) return;
    MDB_cursor *ca = nullptr, *cb = nullptr;
    int ra = a_.api.mdb_cursor_open(ta, a_.dbi[db], &ca);
    int rb = b_.api.mdb_cursor_open(tb, b_.dbi[db], &cb);
    same_rc(ra, rb, "scan cursor_open");
    if (ra) return;
    const MDB_cursor_op first = chance(50) ? MDB_FIRST : MDB_LAST;
    const MDB_cursor_op step = first == MDB_FIRST ? MDB_NEXT : MDB_PREV;
    for (MDB_cursor_op op = first;; op = step) {
      MDB_val ka{}, kb{}, va{}, vb{};
      ra = a_.api.mdb_cursor_get(ca, &ka, &va, op);
      rb = b_.api.mdb_cursor_get(cb, &kb, &vb, op);
      same_rc(ra, rb, "scan");
      if (ra || ::testing::Test::HasFailure()) break;
      same_val(ka, kb, "scan key");
      same_val(va, vb, "scan value");
    }
    a_.api.mdb_cursor_close(ca);
    b_.api.mdb_cursor_close(cb);
  }
};

// ALDER_LMDB_DIFF_SEEDS / ALDER_LMDB_DIFF_STEPS run longer streams.
TEST(LmdbDifferential, RandomStreamsAgreeWithLiblmdb) {
  const char* seeds_env = std::getenv("ALDER_LMDB_DIFF_SEEDS");
  const char* steps_env = std::getenv("ALDER_LMDB_DIFF_STEPS");
  const uint64_t seeds = seeds_env ? std::stoull(seeds_env) : 64;
  const int steps = steps_env ? std::stoi(steps_env) : 3000;
  for (uint64_t seed = 1; seed <= seeds; seed++) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Stream(seed).run(steps);
    if (::testing::Test::HasFailure()) return;
  }
  std::cout << "compared " << ok_calls << " successful and " << failed_calls
            << " failing calls\n";
  EXPECT_GT(ok_calls, 1000u);
  EXPECT_GT(failed_calls, 100u);
}

// Bad input, one call at a time, same code from both.
TEST(LmdbDifferential, BadInputGetsLmdbsErrorCodes) {
  Api* apis[] = {&lmdb_test::real(), &lmdb_test::shim()};
  std::vector<std::vector<int>> codes(2);
  for (int s = 0; s < 2; s++) {
    Api& api = *apis[s];
    TempDir dir;
    std::vector<int>& rc = codes[s];
    MDB_env* env;
    MDB_txn *w, *r;
    MDB_dbi dbi, main;
    MDB_cursor* c;
    ASSERT_EQ(api.mdb_env_create(&env), 0);
    api.mdb_env_set_maxdbs(env, 2);
    ASSERT_EQ(api.mdb_env_open(env, dir.path.c_str(), MDB_NOTLS, 0644), 0);
    ASSERT_EQ(api.mdb_txn_begin(env, nullptr, 0, &w), 0);
    rc.push_back(api.mdb_dbi_open(w, "missing", 0, &dbi));           // NOTFOUND
    rc.push_back(api.mdb_dbi_open(w, "d", MDB_CREATE, &dbi));
    rc.push_back(api.mdb_dbi_open(w, nullptr, 0, &main));
    std::string big(512, 'x'), ok(511, 'x');
    MDB_val k0{0, (void*)""}, kbig{big.size(), big.data()}, kok{ok.size(), ok.data()};
    MDB_val v{1, (void*)"v"};
    rc.push_back(api.mdb_put(w, dbi, &k0, &v, 0));                   // BAD_VALSIZE
    rc.push_back(api.mdb_put(w, dbi, &kbig, &v, 0));                 // BAD_VALSIZE
    rc.push_back(api.mdb_put(w, dbi, &kok, &v, 0));                  // 511 is fine
    rc.push_back(api.mdb_put(w, 77, &kok, &v, 0));                   // EINVAL: unknown dbi
    rc.push_back(api.mdb_put(w, dbi, &kok, &v, MDB_CURRENT));        // EINVAL for mdb_put
    MDB_val v2{2, (void*)"v2"};
    rc.push_back(api.mdb_put(w, dbi, &kok, &v2, MDB_NOOVERWRITE));   // KEYEXIST
    rc.push_back(int(v2.mv_size));                                   // the existing value
    MDB_val a{1, (void*)"a"}, z{1, (void*)"z"};
    rc.push_back(api.mdb_put(w, dbi, &z, &v, MDB_APPEND));
    rc.push_back(api.mdb_put(w, dbi, &a, &v, MDB_APPEND));           // KEYEXIST: out of order
    rc.push_back(api.mdb_get(w, 77, &a, &v));                        // EINVAL
    rc.push_back(api.mdb_del(w, dbi, &a, nullptr));                  // NOTFOUND
    rc.push_back(api.mdb_cursor_open(w, dbi, &c));
    MDB_val kk, vv;
    rc.push_back(api.mdb_cursor_get(c, &kk, &vv, MDB_GET_CURRENT));  // EINVAL: unpositioned
    rc.push_back(api.mdb_cursor_del(c, 0));                          // EINVAL: unpositioned
    rc.push_back(api.mdb_cursor_get(c, &kk, &vv, MDB_FIRST));
    rc.push_back(api.mdb_cursor_get(c, &kk, &vv, MDB_PREV));         // NOTFOUND
    rc.push_back(api.mdb_cursor_get(c, &kk, &vv, MDB_GET_CURRENT));  // still on the first
    rc.push_back(int(kk.mv_size));
    rc.push_back(api.mdb_txn_commit(w));
    ASSERT_EQ(api.mdb_txn_begin(env, nullptr, MDB_RDONLY, &r), 0);
    rc.push_back(api.mdb_put(r, dbi, &a, &v, 0));                    // EACCES
    rc.push_back(api.mdb_del(r, dbi, &a, nullptr));                  // EACCES
    rc.push_back(api.mdb_drop(r, dbi, 0));                           // EACCES
    rc.push_back(api.mdb_dbi_open(r, "new", MDB_CREATE, &dbi));      // EACCES
    rc.push_back(int(api.mdb_txn_id(r)));
    api.mdb_txn_abort(r);
    api.mdb_env_close(env);
  }
  EXPECT_EQ(codes[0], codes[1]) << "liblmdb vs alder, call by call";
}

}  // namespace

namespace {

std::string slurp(const std::string& path) {
  std::string out;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

// In LMDB's directory layout each library refuses the other's files with
// MDB_INVALID and leaves them as they were: alder's data.mdb-lock is not a
// name real LMDB uses (it makes its own lock.mdb beside it).
TEST(LmdbDifferential, EachRefusesTheOthersDirectory) {
  Api& real = lmdb_test::real();
  Api& shim = lmdb_test::shim();
  TempDir alder_dir, lmdb_dir;
  auto make = [](Api& api, const std::string& dir) {
    MDB_env* env;
    MDB_txn* txn;
    MDB_dbi dbi;
    ASSERT_EQ(api.mdb_env_create(&env), 0);
    ASSERT_EQ(api.mdb_env_open(env, dir.c_str(), 0, 0644), 0);
    ASSERT_EQ(api.mdb_txn_begin(env, nullptr, 0, &txn), 0);
    ASSERT_EQ(api.mdb_dbi_open(txn, nullptr, 0, &dbi), 0);
    MDB_val k{1, (void*)"k"}, v{1, (void*)"v"};
    ASSERT_EQ(api.mdb_put(txn, dbi, &k, &v, 0), 0);
    ASSERT_EQ(api.mdb_txn_commit(txn), 0);
    api.mdb_env_close(env);
  };
  make(shim, alder_dir.path);
  make(real, lmdb_dir.path);
  const std::string alder_data = slurp(alder_dir.path + "/data.mdb");
  const std::string alder_lock = slurp(alder_dir.path + "/data.mdb-lock");
  const std::string lmdb_data = slurp(lmdb_dir.path + "/data.mdb");
  for (auto [api, dir] : {std::pair{&real, &alder_dir.path}, std::pair{&shim, &lmdb_dir.path}}) {
    MDB_env* env;
    ASSERT_EQ(api->mdb_env_create(&env), 0);
    EXPECT_EQ(api->mdb_env_open(env, dir->c_str(), 0, 0644), MDB_INVALID) << api->name;
    api->mdb_env_close(env);
  }
  EXPECT_EQ(slurp(alder_dir.path + "/data.mdb"), alder_data);
  EXPECT_EQ(slurp(alder_dir.path + "/data.mdb-lock"), alder_lock);
  EXPECT_EQ(slurp(lmdb_dir.path + "/data.mdb"), lmdb_data);
  make(shim, alder_dir.path);  // alder's env still opens and writes
}

}  // namespace
