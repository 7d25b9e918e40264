// fuzz_ops: libFuzzer target (b) of issue #3. The input is an operation
// stream (format in fuzz_common.h) run on one env — page size 512 or 1024 so
// splits and merges come quickly, 64 keys so operations collide — and
// checked against a std::map model of the committed state plus the write
// txn's pending writes:
//   * every get, scan (forward/reverse, bounded/unbounded), cursor step,
//     list_dbs, put/del return value and held read snapshot (MVCC) agrees
//     with the model;
//   * errors: input rejected up front (empty_key, key_too_large, unknown_db,
//     append_order, dbs_full) leaves the txn usable; a write that fails
//     midway breaks the txn (every later call but abort throws bad_txn, its
//     commit throws bad_txn); io_error/no_space only when the hook injected a
//     fault during that call; env_failed only after a failed commit/sync;
//     any other exception is a finding;
//   * faults (FuzzHook): a failed commit is not visible, neither to readers
//     of this env nor after reopen; after close + open (faults off) the file
//     holds exactly the last successfully committed state and verify() is ok.
//     Every input ends with such a reopen and check.
// A violated expectation calls finding() (abort: libFuzzer saves the input).

#include <alder/alder.hpp>
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "env/testing.h"
#include "fuzz_common.h"

namespace {

using alder::Dbi;
using alder::ErrorCode;
using namespace alder_fuzz;
using Db = std::map<std::string, std::string>;
constexpr int kDbs = 4;
// Index 0: the main db (always exists); 1..3: named dbs (nullopt: absent).
using State = std::array<std::optional<Db>, kDbs>;
const char* const kDbNames[kDbs] = {"", "alpha", "beta", "gamma"};

// Value compression of each db, fixed by its name so the model needs no
// notion of it: beta lz4, gamma zstd with a (raw content) dictionary; values
// of 64 bytes and more compress (value_of makes them repetitive).
alder::DbOptions db_options(int db) {
  alder::DbOptions o;
  if (db == 2) o.compression = alder::Compression::lz4;
  if (db == 3) {
    o.compression = alder::Compression::zstd;
    for (int i = 0; i < 12; i++) o.dictionary += "abcdefghijklmnopqrstuvwxyz0123456789";
  }
  return o;
}

std::string show(const std::string& s) {
  std::string out;
  for (unsigned char c : s.substr(0, 40)) {
    if (c >= 0x20 && c < 0x7f) {
      out += char(c);
    } else {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    }
  }
  if (s.size() > 40) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

class Input {
 public:
  Input(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool done() const { return i_ >= n_; }
  uint8_t byte() { return i_ < n_ ? d_[i_++] : 0; }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t i_ = 0;
};

State initial_state() {
  State s;
  s[0].emplace();
  return s;
}

class Runner {
 public:
  explicit Runner(uint8_t config) {
    opts_.page_size = (config & ops::kPage1024) ? 1024 : 512;
    switch ((config >> ops::kDurShift) & 3) {
      case 0: opts_.durability = alder::Durability::sync; break;
      case 1: opts_.durability = alder::Durability::no_meta_sync; break;
      case 2: opts_.durability = alder::Durability::no_sync; break;
      default:
        opts_.durability = alder::Durability::no_sync;
        opts_.autosync_bytes = 8 * opts_.page_size;
        break;
    }
    if (config & ops::kSpill) opts_.spill_bytes = 2 * opts_.page_size;
    opts_.write_map = opts_.map_async = config & ops::kMapAsync;
    small_map_ = config & ops::kSmallMap;
    opts_.max_size = small_map_ ? 48ull * opts_.page_size : 16ull << 20;
    opts_.max_dbs = (config & ops::kFewDbs) ? 2 : 8;
    const char* tr = std::getenv("ALDER_FUZZ_TRACE");
    trace_ = tr && *tr == '1';
    path_ = scratch_dir() + "/ops.alder";
    clean_scratch();
    committed_ = initial_state();
    open_env();
  }

  ~Runner() {
    w_.reset();
    snaps_[0].reset();
    snaps_[1].reset();
    env_.reset();  // before hook_ (a member declared first) goes away
  }

  void run(Input& in) {
    while (!in.done()) {
      step_++;
      uint8_t op = in.byte() % ops::kNumOps;
      if (trace_)
        std::fprintf(stderr, "step %llu: op %u (fault hook: %s, %llu fired)\n",
                     (unsigned long long)step_, op, hook_.armed() ? "armed" : "off",
                     (unsigned long long)hook_.fired());
      switch (op) {
        case ops::kPut: op_put(in.byte() % kDbs, key_of(in.byte()), value_of(in.byte()), 0); break;
        case ops::kDel: op_del(in.byte() % kDbs, key_of(in.byte())); break;
        case ops::kGet: {
          int db = in.byte() % kDbs;
          std::string k = key_of(in.byte());
          uint8_t f = in.byte();
          op_get(db, k, f & 1, f & 2);
          break;
        }
        case ops::kScan: {
          int db = in.byte() % kDbs;
          std::string lo = key_of(in.byte() % 64), hi = key_of(in.byte() % 64);
          op_scan(db, lo, hi, in.byte());
          break;
        }
        case ops::kCommit: op_commit(); break;
        case ops::kAbort: op_abort(); break;
        case ops::kReopen: reopen(); break;
        case ops::kOpenDb: op_open_db(in.byte() % kDbs); break;
        case ops::kDropDb: {
          int db = in.byte() % kDbs;
          op_drop(db, in.byte() & 1);
          break;
        }
        case ops::kSync: op_sync(); break;
        case ops::kFault: {
          static const int kWhich[8] = {FuzzHook::kAnyOp,
                                        int(alder::io::IoOp::sync),
                                        int(alder::io::IoOp::grow),
                                        int(alder::io::IoOp::truncate),
                                        int(alder::io::IoOp::map),
                                        int(alder::io::IoOp::open),
                                        int(alder::io::IoOp::read),
                                        int(alder::io::IoOp::create)};
          int which = kWhich[in.byte() % 8];
          unsigned countdown = in.byte() % 8;
          uint8_t f = in.byte();
          hook_.arm(which, countdown, (f & 1) ? ENOSPC : EIO, f & 2);
          break;
        }
        case ops::kSnapBegin: op_snap_begin(in.byte() % 2); break;
        case ops::kSnapCheck: {
          int slot = in.byte() % 2;
          int db = in.byte() % kDbs;
          op_snap_check(slot, db, in.byte() & 1);
          break;
        }
        case ops::kCursor: {
          int db = in.byte() % kDbs;
          std::string k = key_of(in.byte() % 64);
          int action = in.byte() % 4;
          op_cursor(db, k, action, value_of(in.byte()));
          break;
        }
        case ops::kPutFlags: {
          int db = in.byte() % kDbs;
          std::string k = key_of(in.byte());
          std::string v = value_of(in.byte());
          op_put(db, k, v, in.byte() & 3);
          break;
        }
        case ops::kVerify: op_verify(); break;
        case ops::kPutMany: {
          int db = in.byte() % kDbs;
          unsigned k0 = in.byte() % 64, n = in.byte() % 16;
          uint8_t vl = in.byte();
          for (unsigned i = 0; i < n; i++) op_put(db, key_of(uint8_t((k0 + i) % 64)), value_of(vl), 0);
          break;
        }
        case ops::kDelMany: {
          int db = in.byte() % kDbs;
          unsigned k0 = in.byte() % 64, n = in.byte() % 16;
          for (unsigned i = 0; i < n; i++) op_del(db, key_of(uint8_t((k0 + i) % 64)));
          break;
        }
        default: break;
      }
    }
    // Every stream ends with: the last commit (if any) left pending is
    // dropped, then close + open without faults shows the committed state.
    hook_.disarm();
    reopen();
  }

 private:
  // ---- inputs -------------------------------------------------------------

  std::string key_of(uint8_t b) {
    if (b == 255) return std::string();
    if (b == 254) return std::string(max_key_ + 1, 'K');
    unsigned i = b % 64;
    char buf[8];
    std::snprintf(buf, sizeof buf, "k%02u", i);
    std::string k = buf;
    switch (i % 8) {
      case 5: k += "/sub"; break;
      case 6: k += std::string(12 + i % 5, char('a' + i % 26)); break;  // shared prefixes
      case 7: k += std::string(std::min<size_t>(max_key_ - 3, 90 + i), 'x'); break;  // long keys
      default: break;
    }
    return k;
  }

  // A value of a length class chosen by b; its bytes depend on a counter, so
  // every written value is distinct and a stale read cannot pass for a new one.
  std::string value_of(uint8_t b) {
    size_t len;
    switch (b % 8) {
      case 0: len = 0; break;
      case 4: len = 60 + b % 80; break;       // around the inline limit
      case 5: len = 200 + size_t(b) * 2; break;  // one overflow page or two
      case 6: len = 1000 + size_t(b) * 8; break; // a multi-page overflow run
      default: len = 1 + (b >> 3) % 24; break;
    }
    uint64_t n = ++value_counter_;
    std::string v(len, '\0');
    for (size_t i = 0; i < len; i++) v[i] = char('a' + (n * 7 + i) % 26);
    std::string tag = std::to_string(n);
    std::memcpy(v.data(), tag.data(), std::min(tag.size(), len));
    return v;
  }

  // ---- error classification ---------------------------------------------

  static bool rejected_up_front(ErrorCode c) {
    return c == ErrorCode::empty_key || c == ErrorCode::key_too_large ||
           c == ErrorCode::value_too_large || c == ErrorCode::unknown_db ||
           c == ErrorCode::append_order || c == ErrorCode::dbs_full ||
           c == ErrorCode::bad_dbi || c == ErrorCode::invalid_argument;
  }

  // Whether e may come from a fault (or a full map), given the hook's fired
  // count before the call.
  bool fault_error_ok(const alder::Error& e, uint64_t fired_before) const {
    switch (e.code()) {
      case ErrorCode::io_error:
      case ErrorCode::no_space: return hook_.fired() > fired_before;
      case ErrorCode::map_full: return true;
      case ErrorCode::env_failed: return maybe_failed_ || hook_.fired() > fired_before;
      default: return false;
    }
  }

  [[noreturn]] void unexpected(const char* what, const alder::Error& e) {
    finding("step %llu: %s threw unexpected %s (%s)", (unsigned long long)step_, what,
            alder::error_name(e.code()), e.what());
  }

  // Input checks the model can predict for a key: the error it must raise.
  std::optional<ErrorCode> key_error(const std::string& k) const {
    if (k.empty()) return ErrorCode::empty_key;
    if (k.size() > max_key_) return ErrorCode::key_too_large;
    return std::nullopt;
  }

  // ---- env and txn management -------------------------------------------

  void open_env() {
    uint64_t before = hook_.fired();
    for (int attempt = 0;; attempt++) {
      try {
        env_.emplace(alder::detail::EnvAccess::open_with_hook(path_, opts_, &hook_));
        break;
      } catch (const alder::Error& e) {
        // Only an injected fault may make an open fail; then open again
        // without faults (which must work).
        if (attempt > 0 || hook_.fired() == before ||
            !(e.code() == ErrorCode::io_error || e.code() == ErrorCode::no_space))
          unexpected(attempt ? "open without faults" : "open", e);
        hook_.disarm();
      }
    }
    max_key_ = env_->max_key_size();
    maybe_failed_ = false;
    dbis_.fill(std::nullopt);
  }

  // Finishes every txn, closes (faults may make close throw), opens again
  // and checks the whole state and verify().
  void reopen() {
    w_.reset();
    snaps_[0].reset();
    snaps_[1].reset();
    uint64_t before = hook_.fired();
    try {
      env_->close();
    } catch (const alder::Error& e) {
      if (!fault_error_ok(e, before)) unexpected("close", e);
    }
    env_.reset();
    open_env();
    hook_.disarm();  // the checks below must not fail on a fault
    try {
      State got = dump_all();
      if (got != committed_) {
        finding("step %llu: after reopen the file does not hold the last committed state%s: %s",
                (unsigned long long)step_,
                failed_commit_ && got == *failed_commit_
                    ? " (it holds the state of a commit that threw)"
                    : "",
                diff(got, committed_).c_str());
      }
      alder::VerifyResult v = env_->verify();
      if (!v.ok())
        finding("step %llu: verify after reopen: %s (page %llu, %s)", (unsigned long long)step_,
                v.error.c_str(), (unsigned long long)v.bad_page, v.bad_page_kind.c_str());
    } catch (const alder::Error& e) {
      unexpected("check after reopen", e);
    }
    failed_commit_.reset();
  }

  // Begins the write txn if none is live. An env failed by an earlier
  // commit refuses (env_failed): it is reopened, as the contract asks.
  bool ensure_write() {
    if (w_) return true;
    for (int attempt = 0;; attempt++) {
      try {
        w_.emplace(env_->begin_write());
        pending_ = committed_;
        broken_ = false;
        return true;
      } catch (const alder::Error& e) {
        if (!(e.code() == ErrorCode::env_failed && maybe_failed_ && attempt == 0))
          unexpected("begin_write", e);
        reopen();
      }
    }
  }

  // The dbi of db in txn t whose model view is `view`; nullopt when the db
  // does not exist there (open_db must then throw unknown_db).
  std::optional<Dbi> dbi_in(alder::Txn& t, int db, const State& view) {
    if (db == 0) return alder::kMainDbi;
    if (dbis_[db]) return dbis_[db];
    try {
      Dbi d = t.open_db(kDbNames[db]);
      if (!view[db]) finding("step %llu: open_db(%s) found a db that does not exist",
                             (unsigned long long)step_, kDbNames[db]);
      dbis_[db] = d;
      return d;
    } catch (const alder::Error& e) {
      if (e.code() == ErrorCode::unknown_db && !view[db]) return std::nullopt;
      if (e.code() == ErrorCode::bad_txn && broken_ && w_ && &t == &*w_) return std::nullopt;
      unexpected("open_db", e);
    }
  }

  // ---- operations ---------------------------------------------------------

  // The write-op wrapper: runs f in the write txn and classifies its error.
  // f returns normally only on success. Returns whether it succeeded.
  template <class F>
  bool write_op(const char* what, std::optional<ErrorCode> predicted, F&& f) {
    uint64_t before = hook_.fired();
    bool was_broken = broken_;
    try {
      f();
    } catch (const alder::Error& e) {
      if (trace_) std::fprintf(stderr, "  %s threw %s: %s\n", what, alder::error_name(e.code()), e.what());
      if (was_broken) {
        if (e.code() != ErrorCode::bad_txn) unexpected(what, e);
        return false;
      }
      // append_order is checked at the leaf, after the path down was copied:
      // a full map or failed grow on the way comes first (and breaks the txn).
      if (predicted && !(*predicted == ErrorCode::append_order && fault_error_ok(e, before))) {
        if (e.code() != *predicted) unexpected(what, e);
        return false;
      }
      if (!fault_error_ok(e, before)) unexpected(what, e);
      broken_ = true;  // failed midway: the txn is broken
      return false;
    }
    if (was_broken) finding("step %llu: %s succeeded in a broken txn", (unsigned long long)step_, what);
    if (predicted)
      finding("step %llu: %s succeeded, expected %s", (unsigned long long)step_, what,
              alder::error_name(*predicted));
    return true;
  }

  void op_put(int db, const std::string& k, const std::string& v, unsigned flags) {
    if (!ensure_write()) return;
    const bool no_overwrite = flags & 1, append = flags & 2;
    std::optional<ErrorCode> predicted = key_error(k);
    std::optional<Dbi> d;
    if (!broken_) {
      d = dbi_in(*w_, db, pending_);
      if (!predicted && !pending_[db]) predicted = ErrorCode::unknown_db;
      // no_overwrite on an existing key keeps it (returns false) before the
      // append order is looked at.
      if (!predicted && append && !(no_overwrite && pending_[db]->count(k)) &&
          !pending_[db]->empty() && pending_[db]->rbegin()->first >= k)
        predicted = ErrorCode::append_order;
    }
    bool ret = false;
    alder::PutFlags pf = alder::PutFlags::none;
    if (no_overwrite) pf = pf | alder::PutFlags::no_overwrite;
    if (append) pf = pf | alder::PutFlags::append;
    Dbi dd = d.value_or(dbis_[db].value_or(alder::kMainDbi));
    if (!d && !broken_) return;  // no handle: the db does not exist (open_db said so)
    if (!write_op("put", predicted, [&] { ret = w_->put(dd, k, v, pf); })) return;
    Db& m = *pending_[db];
    bool exists = m.count(k);
    bool want = !(no_overwrite && exists);
    if (ret != want)
      finding("step %llu: put(%s) returned %d, model says %d", (unsigned long long)step_,
              show(k).c_str(), ret, want);
    if (want) m[k] = v;
  }

  void op_del(int db, const std::string& k) {
    if (!ensure_write()) return;
    std::optional<ErrorCode> predicted = key_error(k);
    std::optional<Dbi> d;
    if (!broken_) {
      d = dbi_in(*w_, db, pending_);
      if (!d) return;  // db absent: nothing to call with
    }
    if (!broken_ && !predicted && !pending_[db]) predicted = ErrorCode::unknown_db;
    bool ret = false;
    Dbi dd = d.value_or(alder::kMainDbi);
    if (!write_op("del", predicted, [&] { ret = w_->del(dd, k); })) return;
    bool want = pending_[db]->erase(k) > 0;
    if (ret != want)
      finding("step %llu: del(%s) returned %d, model says %d", (unsigned long long)step_,
              show(k).c_str(), ret, want);
  }

  // Runs f(txn, view) in the write txn (or, with fresh, in a new read txn
  // on the committed state); read ops never fail, except for bad_txn in a
  // broken write txn.
  template <class F>
  void read_op(const char* what, bool fresh, F&& f) {
    if (fresh || !w_) {
      try {
        alder::Txn r = env_->begin_read();
        f(r, committed_);
      } catch (const alder::Error& e) {
        unexpected(what, e);
      }
      return;
    }
    if (broken_) {  // a broken txn answers every call but abort with bad_txn
      try {
        (void)w_->get(alder::kMainDbi, "k00");
      } catch (const alder::Error& e) {
        if (e.code() != ErrorCode::bad_txn) unexpected(what, e);
        return;
      }
      finding("step %llu: %s succeeded in a broken txn", (unsigned long long)step_, what);
    }
    try {
      f(*w_, pending_);
    } catch (const alder::Error& e) {
      unexpected(what, e);
    }
  }

  void op_get(int db, const std::string& k, bool fresh, bool by_find) {
    read_op("get", fresh, [&](alder::Txn& t, const State& view) {
      std::optional<Dbi> d = dbi_in(t, db, view);
      if (!d) return;
      std::optional<ErrorCode> pred = key_error(k);
      if (by_find) {  // the cursor needs the db first; find("") is never found, no error
        if (k.empty()) pred.reset();
        if (!view[db]) pred = ErrorCode::unknown_db;
      }
      if (!pred && !view[db]) pred = ErrorCode::unknown_db;
      std::optional<std::string_view> got;
      std::optional<alder::Cursor> c;  // keeps a find()'s view alive
      try {
        if (by_find) {
          c.emplace(t.cursor(*d));
          if (c->find(k)) got = c->value();
        } else {
          got = t.get(*d, k);
        }
      } catch (const alder::Error& e) {
        if (pred && e.code() == *pred) return;
        throw;
      }
      if (pred) finding("step %llu: get succeeded, expected %s", (unsigned long long)step_,
                        alder::error_name(*pred));
      auto it = view[db]->find(k);
      if (bool(got) != (it != view[db]->end()) || (got && *got != it->second))
        finding("step %llu: get(%s, %s) = %s, model: %s", (unsigned long long)step_, kDbNames[db],
                show(k).c_str(), got ? show(std::string(*got)).c_str() : "<none>",
                it != view[db]->end() ? show(it->second).c_str() : "<none>");
    });
  }

  void op_scan(int db, std::string lo, std::string hi, uint8_t flags) {
    const bool reverse = flags & 1, fresh = flags & 2;
    if (flags & 4) lo.clear();
    const bool unbounded = flags & 8, by_prefix = flags & 16;
    read_op("scan", fresh, [&](alder::Txn& t, const State& view) {
      std::optional<Dbi> d = dbi_in(t, db, view);
      if (!d) return;
      if (!view[db]) {
        try {
          for (alder::Entry e : t.range(*d, lo, std::nullopt)) (void)e;
        } catch (const alder::Error& e) {
          if (e.code() == ErrorCode::unknown_db) return;
          throw;
        }
        finding("step %llu: scan of a dropped db succeeded", (unsigned long long)step_);
      }
      std::vector<std::pair<std::string, std::string>> got, want;
      std::optional<std::string_view> h;
      if (!unbounded) h = hi;
      const auto dir = reverse ? alder::Direction::reverse : alder::Direction::forward;
      if (by_prefix) {  // keys starting with lo's first 2 bytes
        lo = lo.substr(0, 2);
        for (alder::Entry e : t.prefix(*d, lo, dir))
          got.emplace_back(std::string(e.key), std::string(e.value));
        for (const auto& [k, v] : *view[db])
          if (k.compare(0, lo.size(), lo) == 0) want.emplace_back(k, v);
      } else {
        for (alder::Entry e : t.range(*d, lo, h, dir))
          got.emplace_back(std::string(e.key), std::string(e.value));
        for (const auto& [k, v] : *view[db])
          if (k >= lo && (unbounded || k < hi)) want.emplace_back(k, v);
      }
      if (uint64_t n = t.db_stat(*d).entries; n != view[db]->size())
        finding("step %llu: db_stat(%s).entries = %llu, model %zu", (unsigned long long)step_,
                kDbNames[db], (unsigned long long)n, view[db]->size());
      if (reverse) std::reverse(want.begin(), want.end());
      if (got != want)
        finding("step %llu: %s %s [%s, %s)%s: %zu entries, model %zu%s", (unsigned long long)step_,
                by_prefix ? "prefix scan" : "scan", kDbNames[db], show(lo).c_str(),
                unbounded ? "end" : show(hi).c_str(), reverse ? " reverse" : "", got.size(),
                want.size(), first_diff(got, want).c_str());
    });
  }

  void op_commit() {
    if (!w_) return;
    uint64_t before = hook_.fired();
    const bool was_broken = broken_;
    try {
      w_->commit();
    } catch (const alder::Error& e) {
      w_.reset();
      if (trace_) std::fprintf(stderr, "  commit threw %s: %s\n", alder::error_name(e.code()), e.what());
      if (was_broken) {
        if (e.code() != ErrorCode::bad_txn) unexpected("commit of a broken txn", e);
        return;
      }
      if (!fault_error_ok(e, before)) unexpected("commit", e);
      if (e.code() != ErrorCode::map_full) maybe_failed_ = true;
      failed_commit_ = pending_;
      // Not committed: readers of this env still see the previous commit.
      try {
        State got = dump_all();
        if (got != committed_)
          finding("step %llu: a commit that threw (%s) is visible to new readers: %s",
                  (unsigned long long)step_, e.what(), diff(got, committed_).c_str());
      } catch (const alder::Error& e2) {
        unexpected("read after a failed commit", e2);
      }
      return;
    }
    w_.reset();
    if (was_broken) finding("step %llu: commit of a broken txn succeeded", (unsigned long long)step_);
    committed_ = pending_;
  }

  void op_abort() {
    if (!w_) return;
    w_->abort();
    w_.reset();
  }

  void op_open_db(int db) {
    if (db == 0 || !ensure_write()) return;
    std::optional<ErrorCode> predicted;
    if (!pending_[db]) {
      int n = 0;
      for (int i = 1; i < kDbs; i++) n += pending_[i].has_value();
      if (n >= int(opts_.max_dbs)) predicted = ErrorCode::dbs_full;
    }
    Dbi d = 0;
    if (!write_op("open_db(create)", predicted,
                  [&] { d = w_->open_db(kDbNames[db], alder::DbFlags::create, db_options(db)); }))
      return;
    if (dbis_[db] && *dbis_[db] != d)
      finding("step %llu: open_db(%s) returned another dbi", (unsigned long long)step_, kDbNames[db]);
    dbis_[db] = d;
    if (!pending_[db]) pending_[db].emplace();
  }

  void op_drop(int db, bool clear) {
    if (!ensure_write()) return;
    std::optional<Dbi> d;
    if (!broken_) {
      d = dbi_in(*w_, db, pending_);
      if (!d) return;
    }
    std::optional<ErrorCode> predicted;
    if (!broken_) {
      if (!pending_[db]) predicted = ErrorCode::unknown_db;
      else if (db == 0 && !clear) predicted = ErrorCode::invalid_argument;
    }
    Dbi dd = d.value_or(alder::kMainDbi);
    if (!write_op(clear ? "clear_db" : "drop_db", predicted, [&] {
          if (clear) w_->clear_db(dd);
          else w_->drop_db(dd);
        }))
      return;
    if (clear) pending_[db]->clear();
    else pending_[db].reset();
  }

  void op_sync() {
    if (w_) {  // Env::sync waits for the writer: not with our own txn live
      try {
        if (env_->try_begin_write())
          finding("step %llu: try_begin_write succeeded beside a live write txn",
                  (unsigned long long)step_);
      } catch (const alder::Error& e) {
        unexpected("try_begin_write", e);
      }
      return;
    }
    uint64_t before = hook_.fired();
    try {
      env_->sync();
    } catch (const alder::Error& e) {
      if (!fault_error_ok(e, before)) unexpected("sync", e);
      maybe_failed_ = true;
    }
  }

  void op_snap_begin(int slot) {
    try {
      snaps_[slot].reset();
      snaps_[slot].emplace(env_->begin_read());
      snap_state_[slot] = committed_;
    } catch (const alder::Error& e) {
      unexpected("begin_read", e);
    }
  }

  // A held read txn still sees its snapshot: full forward and backward walk
  // with a cursor, and list_dbs.
  void op_snap_check(int slot, int db, bool release) {
    if (!snaps_[slot]) return;
    alder::Txn& t = *snaps_[slot];
    const State& view = snap_state_[slot];
    try {
      std::vector<std::string> names = t.list_dbs(), want_names;
      for (int i = 1; i < kDbs; i++)
        if (view[i]) want_names.push_back(kDbNames[i]);
      if (names != want_names)
        finding("step %llu: snapshot list_dbs has %zu names, model %zu", (unsigned long long)step_,
                names.size(), want_names.size());
      std::optional<Dbi> d = dbi_in(t, db, view);
      if (d && view[db]) {
        std::vector<std::pair<std::string, std::string>> fwd, back, want(view[db]->begin(), view[db]->end());
        alder::Cursor c = t.cursor(*d);
        for (bool ok = c.first(); ok; ok = c.next()) fwd.emplace_back(c.key(), c.value());
        for (bool ok = c.last(); ok; ok = c.prev()) back.emplace_back(c.key(), c.value());
        std::reverse(back.begin(), back.end());
        if (fwd != want || back != want)
          finding("step %llu: snapshot of %s: forward %zu / backward %zu entries, model %zu%s",
                  (unsigned long long)step_, kDbNames[db], fwd.size(), back.size(), want.size(),
                  first_diff(fwd, want).c_str());
      }
    } catch (const alder::Error& e) {
      if (!(e.code() == ErrorCode::unknown_db && !view[db])) unexpected("snapshot check", e);
    }
    if (release) snaps_[slot].reset();
  }

  // Cursor positioning and writes through (and beside) a cursor in the
  // write txn: after a write, next()/prev() continue from the key the cursor
  // was on (re-seeking when the txn changed), so they land on the model's
  // first key above / last key below it.
  void op_cursor(int db, const std::string& k, int action, const std::string& v) {
    if (!ensure_write() || broken_) return;
    std::optional<Dbi> d = dbi_in(*w_, db, pending_);
    if (!d || !pending_[db]) return;
    Db& m = *pending_[db];
    uint64_t before = hook_.fired();
    const char* what = "cursor";
    try {
      alder::Cursor c = w_->cursor(*d);
      bool ok = c.seek(k);
      auto it = m.lower_bound(k);
      expect_pos(c, ok, it, m, "seek");
      if (!ok) return;
      std::string cur(c.key());
      switch (action) {
        case 0: {  // del through the cursor: it moves to the following key
          what = "cursor del";
          c.del();
          m.erase(cur);
          expect_pos(c, c.valid(), m.upper_bound(cur), m, "after del");
          break;
        }
        case 1: {  // put of another key beside the cursor, then next()
          what = "put beside a cursor";
          std::string other = key_of(uint8_t(value_counter_ % 64));
          w_->put(*d, other, v);
          m[other] = v;
          ok = c.next();
          expect_pos(c, ok, m.upper_bound(cur), m, "next after put");
          break;
        }
        case 2: {  // del of the cursor's key beside it, then prev()
          what = "del beside a cursor";
          w_->del(*d, cur);
          m.erase(cur);
          ok = c.prev();
          auto lb = m.lower_bound(cur);
          expect_pos(c, ok, lb == m.begin() ? m.end() : std::prev(lb), m, "prev after del");
          break;
        }
        default: {  // put through the cursor: it lands on the key written
          what = "cursor put";
          std::string nk = key_of(uint8_t((value_counter_ * 5) % 64));
          bool ret = c.put(nk, v);
          if (!ret) finding("step %llu: cursor put returned false", (unsigned long long)step_);
          m[nk] = v;
          expect_pos(c, c.valid(), m.find(nk), m, "after cursor put");
          break;
        }
      }
    } catch (const alder::Error& e) {
      if (!fault_error_ok(e, before)) unexpected(what, e);
      broken_ = true;
    }
  }

  void expect_pos(alder::Cursor& c, bool ok, Db::const_iterator it, const Db& m, const char* what) {
    bool want = it != m.end();
    if (ok != want || c.valid() != want)
      finding("step %llu: cursor %s: positioned %d (valid %d), model %d", (unsigned long long)step_,
              what, ok, c.valid(), want);
    if (want && (c.key() != it->first || c.value() != it->second))
      finding("step %llu: cursor %s on %s, model %s", (unsigned long long)step_, what,
              show(std::string(c.key())).c_str(), show(it->first).c_str());
  }

  void op_verify() {
    try {
      alder::VerifyResult v = env_->verify();
      if (!v.ok())
        finding("step %llu: verify: %s (page %llu, %s)", (unsigned long long)step_, v.error.c_str(),
                (unsigned long long)v.bad_page, v.bad_page_kind.c_str());
    } catch (const alder::Error& e) {
      unexpected("verify", e);
    }
  }

  // ---- whole-state helpers --------------------------------------------------

  // Everything a new read txn sees: every db, via list_dbs and cursors.
  State dump_all() {
    State s;
    alder::Txn r = env_->begin_read();
    std::vector<std::string> names = r.list_dbs();
    for (int i = 0; i < kDbs; i++) {
      if (i > 0 && std::find(names.begin(), names.end(), kDbNames[i]) == names.end()) continue;
      s[i].emplace();
      Dbi d = r.open_db(kDbNames[i]);
      dbis_[i] = d;
      alder::Cursor c = r.cursor(d);
      for (bool ok = c.first(); ok; ok = c.next()) (*s[i])[std::string(c.key())] = c.value();
    }
    if (names.size() != size_t(std::count_if(s.begin() + 1, s.end(), [](auto& x) { return bool(x); })))
      finding("step %llu: list_dbs names %zu dbs, some unknown to the model", (unsigned long long)step_,
              names.size());
    return s;
  }

  static std::string first_diff(const std::vector<std::pair<std::string, std::string>>& got,
                                const std::vector<std::pair<std::string, std::string>>& want) {
    for (size_t i = 0; i < std::min(got.size(), want.size()); i++) {
      if (got[i] != want[i])
        return "; first difference at " + std::to_string(i) + ": got " + show(got[i].first) + "=" +
               show(got[i].second) + ", model " + show(want[i].first) + "=" + show(want[i].second);
    }
    return "";
  }

  static std::string diff(const State& got, const State& want) {
    for (int i = 0; i < kDbs; i++) {
      if (bool(got[i]) != bool(want[i]))
        return std::string("db '") + kDbNames[i] + "' " + (got[i] ? "exists" : "is missing") +
               ", model: " + (want[i] ? "exists" : "absent");
      if (got[i] && *got[i] != *want[i])
        return std::string("db '") + kDbNames[i] + "': " + std::to_string(got[i]->size()) +
               " entries, model " + std::to_string(want[i]->size()) +
               first_diff({got[i]->begin(), got[i]->end()}, {want[i]->begin(), want[i]->end()});
    }
    return "no difference";
  }

  FuzzHook hook_;  // first: outlives the env and its txns
  alder::EnvOptions opts_;
  std::string path_;
  bool small_map_ = false;
  bool trace_ = false;  // ALDER_FUZZ_TRACE=1: print each op and error (to replay a finding)
  std::optional<alder::Env> env_;
  std::optional<alder::Txn> w_;
  std::array<std::optional<alder::Txn>, 2> snaps_;
  std::array<State, 2> snap_state_;
  std::array<std::optional<Dbi>, kDbs> dbis_;
  State committed_, pending_;
  std::optional<State> failed_commit_;  // pending state of the last commit that threw
  bool broken_ = false;
  bool maybe_failed_ = false;
  size_t max_key_ = 0;
  uint64_t value_counter_ = 0;
  uint64_t step_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Input in(data + 1, size - 1);
  try {
    {
      Runner r(data[0]);
      r.run(in);
    }
    clean_scratch();  // the next input starts from no file, and tmpfs stays small
  } catch (const alder::Error& e) {
    finding("uncaught alder::Error %s: %s", alder::error_name(e.code()), e.what());
  } catch (const std::exception& e) {
    finding("non-alder exception: %s", e.what());
  }
  return 0;
}
