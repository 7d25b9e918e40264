// SQLite behind the bench interface.
//
// One table kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID (the B-tree is
// keyed by k, like the other engines), journal_mode=WAL. durable:
// synchronous=FULL (the WAL is fsync'd at every commit). no-sync:
// synchronous=NORMAL (WAL mode: no sync at commit, consistent after a power
// loss; the last commits may be lost), then a FULL wal_checkpoint.
// cache_size is the shared budget, per connection. Each Reader has its own
// connection with a read transaction (BEGIN) as its snapshot.
// Compaction: VACUUM, then wal_checkpoint(TRUNCATE).
#include "adapter.h"

#include <sqlite3.h>

#include <stdexcept>
#include <string>

namespace bench {
namespace {

void check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
    throw std::runtime_error(std::string("SQLite ") + what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
}

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error("SQLite " + sql + ": " + msg);
  }
}

sqlite3* open_db(const std::string& path, std::uint64_t cache_bytes) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  check(db, rc, "open");
  sqlite3_busy_timeout(db, 60000);
  exec(db, "PRAGMA cache_size=-" + std::to_string(cache_bytes >> 10));
  return db;
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  check(db, sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr), sql);
  return st;
}

void bind(sqlite3_stmt* st, int i, std::string_view s) {
  sqlite3_bind_blob(st, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}

class SqliteReader final : public Reader {
 public:
  SqliteReader(const std::string& path, std::uint64_t cache_bytes) : db_(open_db(path, cache_bytes)) {
    get_ = prepare(db_, "SELECT v FROM kv WHERE k = ?");
    scan_ = prepare(db_, "SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT ?");
    exec(db_, "BEGIN");
  }
  ~SqliteReader() override {
    sqlite3_finalize(get_);
    sqlite3_finalize(scan_);
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db_);
  }
  bool get(std::string_view key, std::string_view* value) override {
    sqlite3_reset(get_);
    bind(get_, 1, key);
    const int rc = sqlite3_step(get_);
    check(db_, rc, "get");
    if (rc != SQLITE_ROW) return false;
    *value = {static_cast<const char*>(sqlite3_column_blob(get_, 0)),
              static_cast<std::size_t>(sqlite3_column_bytes(get_, 0))};
    return true;
  }
  std::uint64_t scan(std::string_view start, std::uint64_t n, std::uint64_t* bytes) override {
    sqlite3_reset(scan_);
    bind(scan_, 1, start);
    sqlite3_bind_int64(scan_, 2, static_cast<sqlite3_int64>(n));
    std::uint64_t seen = 0;
    int rc;
    while ((rc = sqlite3_step(scan_)) == SQLITE_ROW) {
      sqlite3_column_blob(scan_, 0);
      sqlite3_column_blob(scan_, 1);
      *bytes += static_cast<std::uint64_t>(sqlite3_column_bytes(scan_, 0) + sqlite3_column_bytes(scan_, 1));
      ++seen;
    }
    check(db_, rc, "scan");
    sqlite3_reset(scan_);
    return seen;
  }
  void refresh() override {
    sqlite3_reset(get_);
    exec(db_, "COMMIT");
    exec(db_, "BEGIN");
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* get_ = nullptr;
  sqlite3_stmt* scan_ = nullptr;
};

class SqliteEngine final : public Engine {
 public:
  ~SqliteEngine() override { close(); }
  std::string name() const override { return "SQLite"; }
  std::string version() const override { return sqlite3_libversion(); }
  std::string settings(Mode mode) const override {
    return mode == Mode::durable
               ? "WAL, synchronous=FULL; WITHOUT ROWID table, BLOB primary key; cache_size = budget"
               : "WAL, synchronous=NORMAL";
  }
  void open(Mode mode) override {
    db_ = open_db(path(), config().cache_bytes);
    exec(db_, "PRAGMA journal_mode=WAL");
    exec(db_, mode == Mode::durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    exec(db_, "CREATE TABLE IF NOT EXISTS kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID");
    put_ = prepare(db_, "INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)");
    del_ = prepare(db_, "DELETE FROM kv WHERE k = ?");
  }
  void close() override {
    if (!db_) return;
    sqlite3_finalize(put_);
    sqlite3_finalize(del_);
    check(db_, sqlite3_close(db_), "close");
    db_ = nullptr;
  }
  void begin_write() override { exec(db_, "BEGIN IMMEDIATE"); }
  void put(std::string_view key, std::string_view value, bool) override {
    sqlite3_reset(put_);
    bind(put_, 1, key);
    bind(put_, 2, value);
    check(db_, sqlite3_step(put_), "put");
  }
  void del(std::string_view key) override {
    sqlite3_reset(del_);
    bind(del_, 1, key);
    check(db_, sqlite3_step(del_), "del");
  }
  void commit() override {
    sqlite3_reset(put_);
    sqlite3_reset(del_);
    exec(db_, "COMMIT");
  }
  void sync() override { exec(db_, "PRAGMA wal_checkpoint(FULL)"); }
  std::unique_ptr<Reader> reader() override {
    return std::make_unique<SqliteReader>(path(), config().cache_bytes);
  }
  // writer(): the default, this connection under one mutex. Per-thread
  // connections would also serialize (SQLite has one writer) but wait in
  // the busy handler's sleeps (1 ms to 100 ms), which would time the
  // back-off rather than the engine.
  std::string writer_note() const override { return "one connection, one commit at a time (harness mutex)"; }
  bool is_log_file(const std::string& name) const override {
    return name.ends_with("-wal") || name.ends_with("-shm");
  }
  void compact() override {
    exec(db_, "VACUUM");
    exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)");
  }

 private:
  std::string path() const { return config().dir + "/data.sqlite"; }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* del_ = nullptr;
};

}  // namespace

/// Factory used by engines.cc.
std::unique_ptr<Engine> make_sqlite() { return std::make_unique<SqliteEngine>(); }

}  // namespace bench
