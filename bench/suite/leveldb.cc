// LevelDB behind the bench interface.
//
// A write transaction is a WriteBatch applied by one DB::Write. durable:
// WriteOptions::sync = true (the log is fsync'd per commit). no-sync:
// sync = false (the log is written but not synced; recovery replays it),
// then one synced empty write. Block cache: an LRU cache of the shared
// budget; bloom filters of 10 bits/key; compression off (the values are
// random bytes), except in the compressible-values rows: snappy per 4 KiB
// block (LevelDB's default and its only codec). Readers hold a snapshot and one iterator. Compaction: CompactRange(nullptr, nullptr).
#include "adapter.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include <stdexcept>
#include <string>

namespace bench {
namespace {

void check(const leveldb::Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string("LevelDB ") + what + ": " + s.ToString());
}

leveldb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

class LevelReader final : public Reader {
 public:
  explicit LevelReader(leveldb::DB* db) : db_(db) { take(); }
  ~LevelReader() override { drop(); }
  bool get(std::string_view key, std::string_view* value) override {
    const leveldb::Status s = db_->Get(ro_, slice(key), &val_);
    if (s.IsNotFound()) return false;
    check(s, "Get");
    *value = val_;
    return true;
  }
  std::uint64_t scan(std::string_view start, std::uint64_t n, std::uint64_t* bytes) override {
    std::uint64_t seen = 0;
    for (it_->Seek(slice(start)); it_->Valid() && seen < n; ++seen) {
      *bytes += it_->key().size() + it_->value().size();
      if (seen + 1 < n) it_->Next();
    }
    check(it_->status(), "iterator");
    return seen;
  }
  void refresh() override {
    drop();
    take();
  }

 private:
  void take() {
    ro_.snapshot = db_->GetSnapshot();
    it_.reset(db_->NewIterator(ro_));
  }
  void drop() {
    it_.reset();
    db_->ReleaseSnapshot(ro_.snapshot);
    ro_.snapshot = nullptr;
  }
  leveldb::DB* db_;
  leveldb::ReadOptions ro_;
  std::unique_ptr<leveldb::Iterator> it_;
  std::string val_;
};

// One thread's single-put commits: DB::Write is thread-safe; LevelDB
// groups queued writers into one log write and sync.
class LevelWriter final : public Writer {
 public:
  LevelWriter(leveldb::DB* db, const leveldb::WriteOptions& wo) : db_(db), wo_(wo) {}
  void put_commit(std::string_view key, std::string_view value) override {
    check(db_->Put(wo_, slice(key), slice(value)), "Put");
  }

 private:
  leveldb::DB* db_;
  leveldb::WriteOptions wo_;
};

class LevelEngine final : public Engine {
 public:
  ~LevelEngine() override { close(); }
  std::string name() const override { return "LevelDB"; }
  std::string version() const override {
    return std::to_string(leveldb::kMajorVersion) + "." + std::to_string(leveldb::kMinorVersion);
  }
  std::string settings(Mode mode) const override {
    return mode == Mode::durable ? "WriteOptions::sync=true; LRU block cache = budget; bloom 10 bits/key; no compression outside the compressible-values rows"
                                 : "WriteOptions::sync=false";
  }
  void open(Mode mode) override {
    cache_.reset(leveldb::NewLRUCache(config().cache_bytes));
    filter_.reset(leveldb::NewBloomFilterPolicy(10));
    leveldb::Options o;
    o.create_if_missing = true;
    o.compression = config().compress ? leveldb::kSnappyCompression : leveldb::kNoCompression;
    o.block_cache = cache_.get();
    o.filter_policy = filter_.get();
    wo_.sync = mode == Mode::durable;
    leveldb::DB* db = nullptr;
    check(leveldb::DB::Open(o, config().dir, &db), "Open");
    db_.reset(db);
  }
  void close() override {
    db_.reset();
    cache_.reset();
    filter_.reset();
  }
  void begin_write() override { batch_.Clear(); }
  void put(std::string_view key, std::string_view value, bool) override {
    batch_.Put(slice(key), slice(value));
  }
  void del(std::string_view key) override { batch_.Delete(slice(key)); }
  void commit() override {
    check(db_->Write(wo_, &batch_), "Write");
    batch_.Clear();
  }
  void sync() override {
    leveldb::WriteOptions w;
    w.sync = true;
    leveldb::WriteBatch empty;
    check(db_->Write(w, &empty), "Write(sync)");
  }
  std::unique_ptr<Reader> reader() override { return std::make_unique<LevelReader>(db_.get()); }
  std::unique_ptr<Writer> writer() override { return std::make_unique<LevelWriter>(db_.get(), wo_); }
  std::string writer_note() const override { return "concurrent DB::Put; queued writers share one log write and sync"; }
  std::string compression() const override { return "snappy per 4 KiB block"; }
  bool is_log_file(const std::string& name) const override {
    return name.ends_with(".log") || name.starts_with("LOG");
  }
  void compact() override { db_->CompactRange(nullptr, nullptr); }

 private:
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
  leveldb::WriteOptions wo_;
  leveldb::WriteBatch batch_;
};

}  // namespace

/// Factory used by engines.cc.
std::unique_ptr<Engine> make_leveldb() { return std::make_unique<LevelEngine>(); }

}  // namespace bench
