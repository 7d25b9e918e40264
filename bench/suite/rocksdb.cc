// RocksDB behind the bench interface.
//
// A write transaction is a WriteBatch applied by one DB::Write. durable:
// WriteOptions::sync = true with the WAL (fsync of the WAL per commit).
// no-sync: sync = false with the WAL on (the WAL is written at every commit
// but not synced; recovery replays it to a consistent point), then
// SyncWAL. Block cache: an LRU cache of the shared budget; bloom filters of
// 10 bits/key; compression off (the values are random bytes), except in the
// compressible-values rows: zstd (level 3, per 4 KiB block; snappy if this
// librocksdb lacks zstd), no dictionary, RocksDB's default. Readers hold
// a snapshot and one iterator. Compaction: CompactRange over everything, bottommost level forced.
#include "adapter.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace bench {
namespace {

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string("RocksDB ") + what + ": " + s.ToString());
}

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

class RocksReader final : public Reader {
 public:
  explicit RocksReader(rocksdb::DB* db) : db_(db) { take(); }
  ~RocksReader() override { drop(); }
  bool get(std::string_view key, std::string_view* value) override {
    val_.Reset();
    const rocksdb::Status s = db_->Get(ro_, db_->DefaultColumnFamily(), slice(key), &val_);
    if (s.IsNotFound()) return false;
    check(s, "Get");
    *value = {val_.data(), val_.size()};
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
    val_.Reset();
    db_->ReleaseSnapshot(ro_.snapshot);
    ro_.snapshot = nullptr;
  }
  rocksdb::DB* db_;
  rocksdb::ReadOptions ro_;
  std::unique_ptr<rocksdb::Iterator> it_;
  rocksdb::PinnableSlice val_;
};

// One thread's single-put commits: DB::Write is thread-safe, and concurrent
// writers are grouped by RocksDB's write thread (one WAL sync per group).
class RocksWriter final : public Writer {
 public:
  RocksWriter(rocksdb::DB* db, const rocksdb::WriteOptions& wo) : db_(db), wo_(wo) {}
  void put_commit(std::string_view key, std::string_view value) override {
    check(db_->Put(wo_, slice(key), slice(value)), "Put");
  }

 private:
  rocksdb::DB* db_;
  rocksdb::WriteOptions wo_;
};

class RocksEngine final : public Engine {
 public:
  std::string name() const override { return "RocksDB"; }
  std::string version() const override {
    return std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." +
           std::to_string(ROCKSDB_PATCH);
  }
  std::string settings(Mode mode) const override {
    return mode == Mode::durable ? "WAL on, WriteOptions::sync=true; LRU block cache = budget; bloom 10 bits/key; no compression outside the compressible-values rows"
                                 : "WAL on, WriteOptions::sync=false";
  }
  void open(Mode mode) override {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.compression = config().compress ? compressed_type() : rocksdb::kNoCompression;
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = rocksdb::NewLRUCache(config().cache_bytes);
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    wo_.sync = mode == Mode::durable;
    rocksdb::DB* db = nullptr;
    check(rocksdb::DB::Open(o, config().dir, &db), "Open");
    db_.reset(db);
  }
  std::string compression() const override {
    return compressed_type() == rocksdb::kZSTD ? "zstd (level 3) per 4 KiB block" : "snappy per 4 KiB block (no zstd in this build)";
  }
  void close() override {
    if (db_) check(db_->Close(), "Close");
    db_.reset();
  }
  void begin_write() override { batch_.Clear(); }
  void put(std::string_view key, std::string_view value, bool) override {
    check(batch_.Put(slice(key), slice(value)), "Put");
  }
  void del(std::string_view key) override { check(batch_.Delete(slice(key)), "Delete"); }
  void commit() override {
    check(db_->Write(wo_, &batch_), "Write");
    batch_.Clear();
  }
  void sync() override { check(db_->SyncWAL(), "SyncWAL"); }
  std::unique_ptr<Reader> reader() override { return std::make_unique<RocksReader>(db_.get()); }
  std::unique_ptr<Writer> writer() override { return std::make_unique<RocksWriter>(db_.get(), wo_); }
  std::string writer_note() const override { return "concurrent DB::Put; the write thread groups commits per WAL sync"; }
  bool is_log_file(const std::string& name) const override {
    return name.ends_with(".log") || name.starts_with("LOG");
  }
  void compact() override {
    rocksdb::CompactRangeOptions c;
    c.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    check(db_->CompactRange(c, nullptr, nullptr), "CompactRange");
  }

 private:
  static rocksdb::CompressionType compressed_type() {
    const std::vector<rocksdb::CompressionType> have = rocksdb::GetSupportedCompressions();
    return std::find(have.begin(), have.end(), rocksdb::kZSTD) != have.end() ? rocksdb::kZSTD
                                                                                : rocksdb::kSnappyCompression;
  }
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions wo_;
  rocksdb::WriteBatch batch_;
};

}  // namespace

/// Factory used by engines.cc.
std::unique_ptr<Engine> make_rocksdb() { return std::make_unique<RocksEngine>(); }

}  // namespace bench
