// LMDB (liblmdb) behind the bench interface.
//
// durable: LMDB's default (data and meta fdatasync'd on every commit).
// no-sync: MDB_NOSYNC (no sync at commit; per LMDB's docs consistent after
// a system crash only if the filesystem keeps write order), then
// mdb_env_sync. MDB_NOTLS so read txns may be used by any thread; one read
// txn per Reader. Map size 64 GiB (address space only). No cache of its own:
// reads come from the OS page cache through the mapping.
// Compaction: mdb_env_copy2(MDB_CP_COMPACT) into a new directory, renamed
// over the data file.
#include "adapter.h"

#include <lmdb.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace bench {
namespace {

void check(int rc, const char* what) {
  if (rc != MDB_SUCCESS) throw std::runtime_error(std::string("LMDB ") + what + ": " + mdb_strerror(rc));
}

MDB_val mval(std::string_view s) {
  MDB_val v;
  v.mv_size = s.size();
  v.mv_data = const_cast<char*>(s.data());
  return v;
}

std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

class LmdbReader final : public Reader {
 public:
  LmdbReader(MDB_env* env, MDB_dbi dbi) : dbi_(dbi) {
    check(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn_), "txn_begin");
    check(mdb_cursor_open(txn_, dbi_, &cur_), "cursor_open");
  }
  ~LmdbReader() override {
    mdb_cursor_close(cur_);
    mdb_txn_abort(txn_);
  }
  bool get(std::string_view key, std::string_view* value) override {
    MDB_val k = mval(key), v;
    const int rc = mdb_get(txn_, dbi_, &k, &v);
    if (rc == MDB_NOTFOUND) return false;
    check(rc, "get");
    *value = view(v);
    return true;
  }
  std::uint64_t scan(std::string_view start, std::uint64_t n, std::uint64_t* bytes) override {
    MDB_val k = mval(start), v;
    std::uint64_t seen = 0;
    int rc = mdb_cursor_get(cur_, &k, &v, MDB_SET_RANGE);
    while (rc == MDB_SUCCESS && seen < n) {
      *bytes += k.mv_size + v.mv_size;
      ++seen;
      if (seen < n) rc = mdb_cursor_get(cur_, &k, &v, MDB_NEXT);
    }
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) check(rc, "cursor_get");
    return seen;
  }
  void refresh() override {
    mdb_txn_reset(txn_);
    check(mdb_txn_renew(txn_), "txn_renew");
    check(mdb_cursor_renew(txn_, cur_), "cursor_renew");
  }

 private:
  MDB_dbi dbi_;
  MDB_txn* txn_ = nullptr;
  MDB_cursor* cur_ = nullptr;
};

// One thread's single-put durable commits; mdb_txn_begin waits on LMDB's
// writer mutex (MDB_NOTLS lets any thread own a txn).
class LmdbWriter final : public Writer {
 public:
  LmdbWriter(MDB_env* env, MDB_dbi dbi) : env_(env), dbi_(dbi) {}
  void put_commit(std::string_view key, std::string_view value) override {
    MDB_txn* t = nullptr;
    check(mdb_txn_begin(env_, nullptr, 0, &t), "txn_begin");
    MDB_val k = mval(key), v = mval(value);
    const int rc = mdb_put(t, dbi_, &k, &v, 0);
    if (rc != MDB_SUCCESS) mdb_txn_abort(t);
    check(rc, "put");
    check(mdb_txn_commit(t), "txn_commit");
  }

 private:
  MDB_env* env_;
  MDB_dbi dbi_;
};

class LmdbEngine final : public Engine {
 public:
  ~LmdbEngine() override { close(); }
  std::string name() const override { return "LMDB"; }
  std::string version() const override {
    int a, b, c;
    mdb_version(&a, &b, &c);
    return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c);
  }
  std::string settings(Mode mode) const override {
    return mode == Mode::durable ? "default flags (fdatasync of data, then of meta, per commit), MDB_NOTLS; map 64 GiB"
                                 : "MDB_NOSYNC, MDB_NOTLS";
  }
  void open(Mode mode) override {
    mode_ = mode;
    check(mdb_env_create(&env_), "env_create");
    check(mdb_env_set_mapsize(env_, std::size_t{64} << 30), "set_mapsize");
    check(mdb_env_set_maxreaders(env_, 256), "set_maxreaders");
    unsigned flags = MDB_NOTLS | (mode == Mode::no_sync ? MDB_NOSYNC : 0);
    check(mdb_env_open(env_, config().dir.c_str(), flags, 0644), "env_open");
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin");
    check(mdb_dbi_open(txn, nullptr, 0, &dbi_), "dbi_open");
    check(mdb_txn_commit(txn), "txn_commit");
  }
  void close() override {
    if (txn_) mdb_txn_abort(txn_);
    txn_ = nullptr;
    if (env_) mdb_env_close(env_);
    env_ = nullptr;
  }
  void begin_write() override { check(mdb_txn_begin(env_, nullptr, 0, &txn_), "txn_begin"); }
  void put(std::string_view key, std::string_view value, bool append) override {
    MDB_val k = mval(key), v = mval(value);
    check(mdb_put(txn_, dbi_, &k, &v, append ? MDB_APPEND : 0), "put");
  }
  void del(std::string_view key) override {
    MDB_val k = mval(key);
    const int rc = mdb_del(txn_, dbi_, &k, nullptr);
    if (rc != MDB_NOTFOUND) check(rc, "del");
  }
  void commit() override {
    MDB_txn* t = txn_;
    txn_ = nullptr;
    check(mdb_txn_commit(t), "txn_commit");
  }
  void sync() override { check(mdb_env_sync(env_, 1), "env_sync"); }
  std::unique_ptr<Reader> reader() override { return std::make_unique<LmdbReader>(env_, dbi_); }
  bool has_append() const override { return true; }
  std::unique_ptr<Writer> writer() override { return std::make_unique<LmdbWriter>(env_, dbi_); }
  std::string writer_note() const override { return "one writer: mdb_txn_begin waits on LMDB's writer mutex"; }
  bool is_log_file(const std::string& name) const override { return name == "lock.mdb"; }
  void compact() override {
    namespace fs = std::filesystem;
    const fs::path tmp = fs::path(config().dir) / "compact";
    fs::create_directories(tmp);
    check(mdb_env_copy2(env_, tmp.c_str(), MDB_CP_COMPACT), "env_copy2");
    close();
    fs::rename(tmp / "data.mdb", fs::path(config().dir) / "data.mdb");
    fs::remove_all(tmp);
    open(mode_);
  }

 private:
  Mode mode_ = Mode::durable;
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  MDB_txn* txn_ = nullptr;
};

}  // namespace

/// Factory used by engines.cc.
std::unique_ptr<Engine> make_lmdb() { return std::make_unique<LmdbEngine>(); }

}  // namespace bench
