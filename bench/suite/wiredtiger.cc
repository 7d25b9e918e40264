// WiredTiger behind the bench interface.
//
// One row-store table "table:bench" with raw byte keys and values
// (key_format=u, value_format=u), logging on. durable: transaction_sync=
// (enabled=true,method=fsync), the log is fsync'd per commit ("sync=on").
// no-sync: transaction_sync disabled (the log is written, not synced;
// recovery replays it), then WT_SESSION::log_flush(sync=on). cache_size is
// the shared budget. Each Reader has its own session, cursor and snapshot
// transaction. Compaction: checkpoint, WT_SESSION::compact, checkpoint.
// Compressible-values rows: block_compressor=zstd, or snappy where the
// distribution ships no zstd extension (Debian 12: snappy and zlib), loaded
// from the path CMake found (bench/CMakeLists.txt); none if neither is there.
#include "adapter.h"

#include <wiredtiger.h>

#include <stdexcept>
#include <string>

namespace bench {
namespace {

constexpr const char* kUri = "table:bench";

void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string("WiredTiger ") + what + ": " + wiredtiger_strerror(rc));
}

WT_ITEM item(std::string_view s) {
  WT_ITEM i{};
  i.data = s.data();
  i.size = s.size();
  return i;
}

class WtReader final : public Reader {
 public:
  explicit WtReader(WT_CONNECTION* conn) {
    check(conn->open_session(conn, nullptr, nullptr, &s_), "open_session");
    check(s_->open_cursor(s_, kUri, nullptr, nullptr, &c_), "open_cursor");
    check(s_->begin_transaction(s_, "isolation=snapshot"), "begin_transaction");
  }
  ~WtReader() override { s_->close(s_, nullptr); }
  bool get(std::string_view key, std::string_view* value) override {
    WT_ITEM k = item(key), v{};
    c_->set_key(c_, &k);
    const int rc = c_->search(c_);
    if (rc == WT_NOTFOUND) return false;
    check(rc, "search");
    check(c_->get_value(c_, &v), "get_value");
    *value = {static_cast<const char*>(v.data), v.size};
    return true;
  }
  std::uint64_t scan(std::string_view start, std::uint64_t n, std::uint64_t* bytes) override {
    WT_ITEM k = item(start);
    c_->set_key(c_, &k);
    int exact = 0;
    int rc = c_->search_near(c_, &exact);
    if (rc == 0 && exact < 0) rc = c_->next(c_);
    std::uint64_t seen = 0;
    while (rc == 0 && seen < n) {
      WT_ITEM kk{}, vv{};
      check(c_->get_key(c_, &kk), "get_key");
      check(c_->get_value(c_, &vv), "get_value");
      *bytes += kk.size + vv.size;
      ++seen;
      if (seen < n) rc = c_->next(c_);
    }
    if (rc != 0 && rc != WT_NOTFOUND) check(rc, "scan");
    c_->reset(c_);
    return seen;
  }
  void refresh() override {
    c_->reset(c_);
    check(s_->rollback_transaction(s_, nullptr), "rollback_transaction");
    check(s_->begin_transaction(s_, "isolation=snapshot"), "begin_transaction");
  }

 private:
  WT_SESSION* s_ = nullptr;
  WT_CURSOR* c_ = nullptr;
};

// One thread's single-put commits on its own session and cursor (a
// session is single-threaded); with transaction_sync enabled, concurrent
// commits share log flushes (WiredTiger's log slots).
class WtWriter final : public Writer {
 public:
  explicit WtWriter(WT_CONNECTION* conn) {
    check(conn->open_session(conn, nullptr, nullptr, &s_), "open_session");
    check(s_->open_cursor(s_, kUri, nullptr, nullptr, &c_), "open_cursor");
  }
  ~WtWriter() override { s_->close(s_, nullptr); }
  void put_commit(std::string_view key, std::string_view value) override {
    check(s_->begin_transaction(s_, nullptr), "begin_transaction");
    WT_ITEM k = item(key), v = item(value);
    c_->set_key(c_, &k);
    c_->set_value(c_, &v);
    const int rc = c_->insert(c_);
    c_->reset(c_);
    if (rc != 0) s_->rollback_transaction(s_, nullptr);
    check(rc, "insert");
    check(s_->commit_transaction(s_, nullptr), "commit_transaction");
  }

 private:
  WT_SESSION* s_ = nullptr;
  WT_CURSOR* c_ = nullptr;
};

class WtEngine final : public Engine {
 public:
  ~WtEngine() override { close(); }
  std::string name() const override { return "WiredTiger"; }
  std::string version() const override {
    int a, b, c;
    wiredtiger_version(&a, &b, &c);
    return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c);
  }
  std::string settings(Mode mode) const override {
    return mode == Mode::durable
               ? "log on, transaction_sync=(enabled=true,method=fsync); cache_size = budget"
               : "log on, transaction_sync=(enabled=false)";
  }
  std::string compression() const override {
#ifdef ALDER_BENCH_WT_COMPRESSOR
    return ALDER_BENCH_WT_COMPRESSOR " per block (block_compressor; leaf pages up to 32 KiB)";
#else
    return "none (no WiredTiger compressor extension found)";
#endif
  }
  void open(Mode mode) override {
    std::string cfg =
        "create,cache_size=" + std::to_string(config().cache_bytes >> 20) +
        "M,log=(enabled=true),transaction_sync=(enabled=" +
        (mode == Mode::durable ? "true" : "false") + ",method=fsync)";
    std::string table = "key_format=u,value_format=u";
#ifdef ALDER_BENCH_WT_COMPRESSOR
    if (config().compress) {
      cfg += ",extensions=[\"" ALDER_BENCH_WT_COMPRESSOR_LIB "\"]";
      table += ",block_compressor=" ALDER_BENCH_WT_COMPRESSOR;
    }
#endif
    check(wiredtiger_open(config().dir.c_str(), nullptr, cfg.c_str(), &conn_), "open");
    check(conn_->open_session(conn_, nullptr, nullptr, &s_), "open_session");
    check(s_->create(s_, kUri, table.c_str()), "create");
    check(s_->open_cursor(s_, kUri, nullptr, nullptr, &c_), "open_cursor");
  }
  void close() override {
    if (conn_) check(conn_->close(conn_, nullptr), "close");
    conn_ = nullptr;
    s_ = nullptr;
    c_ = nullptr;
  }
  void begin_write() override { check(s_->begin_transaction(s_, nullptr), "begin_transaction"); }
  void put(std::string_view key, std::string_view value, bool) override {
    WT_ITEM k = item(key), v = item(value);
    c_->set_key(c_, &k);
    c_->set_value(c_, &v);
    check(c_->insert(c_), "insert");
  }
  void del(std::string_view key) override {
    WT_ITEM k = item(key);
    c_->set_key(c_, &k);
    const int rc = c_->remove(c_);
    if (rc != WT_NOTFOUND) check(rc, "remove");
  }
  void commit() override {
    c_->reset(c_);
    check(s_->commit_transaction(s_, nullptr), "commit_transaction");
  }
  void sync() override { check(s_->log_flush(s_, "sync=on"), "log_flush"); }
  std::unique_ptr<Reader> reader() override { return std::make_unique<WtReader>(conn_); }
  std::unique_ptr<Writer> writer() override { return std::make_unique<WtWriter>(conn_); }
  std::string writer_note() const override { return "a session per thread; concurrent commits share log flushes"; }
  bool is_log_file(const std::string& name) const override {
    return name.starts_with("WiredTigerLog.") || name.starts_with("WiredTigerPreplog.") ||
           name.starts_with("WiredTigerTmplog.");
  }
  void compact() override {
    check(s_->checkpoint(s_, nullptr), "checkpoint");
    check(s_->compact(s_, kUri, nullptr), "compact");
    check(s_->checkpoint(s_, nullptr), "checkpoint");
  }

 private:
  WT_CONNECTION* conn_ = nullptr;
  WT_SESSION* s_ = nullptr;
  WT_CURSOR* c_ = nullptr;
};

}  // namespace

/// Factory used by engines.cc.
std::unique_ptr<Engine> make_wiredtiger() { return std::make_unique<WtEngine>(); }

}  // namespace bench
