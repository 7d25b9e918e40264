// alder behind the bench interface.
//
// durable: Durability::sync (one fdatasync per commit). no-sync:
// Durability::no_sync (a power loss rolls back to the last synced commit,
// never to a corrupt file; autosync at its default). alder has no cache of
// its own: reads come from the OS page cache through the mapping.
// Compaction: Env::copy copies pages as they are (free pages included), so
// this adapter does what alder's docs prescribe for a dense copy and what
// `alder compact` does: every entry of one read snapshot appended in key
// order into a new file, which is then renamed over the old one.
//
// Compressible-values rows (config().compress): the main db is created with
// zstd and a 64 KiB dictionary trained from the first 6.4 MB of values (at
// most; fewer when the load is smaller), what `alder load-debian --compress
// zstd-dict` does (tools/loader.cc): the puts wait in memory until the
// dictionary exists. The compacting copy keeps the db's options.
#include "adapter.h"

#include <alder/alder.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#ifndef ALDER_BENCH_VERSION
#define ALDER_BENCH_VERSION "unknown"
#endif

namespace bench {
namespace {

class AlderReader final : public Reader {
 public:
  explicit AlderReader(alder::Env& env) : env_(env), txn_(env.begin_read()), cur_(txn_.cursor()) {}
  bool get(std::string_view key, std::string_view* value) override {
    const std::optional<std::string_view> v = txn_.get(key);
    if (!v) return false;
    *value = *v;
    return true;
  }
  std::uint64_t scan(std::string_view start, std::uint64_t n, std::uint64_t* bytes) override {
    std::uint64_t seen = 0;
    for (bool ok = cur_->seek(start); ok;) {
      *bytes += cur_->key().size() + cur_->value().size();
      if (++seen == n) break;
      ok = cur_->next();
    }
    return seen;
  }
  void refresh() override {
    cur_.reset();
    txn_.abort();
    txn_ = env_.begin_read();
    cur_.emplace(txn_.cursor());
  }

 private:
  alder::Env& env_;
  alder::Txn txn_;
  std::optional<alder::Cursor> cur_;  // one cursor per snapshot, like LMDB's
};

// One thread's single-put durable commits; Env::begin_write waits while
// another thread's write txn is live (alder has one writer).
class AlderWriter final : public Writer {
 public:
  explicit AlderWriter(alder::Env& env) : env_(env) {}
  void put_commit(std::string_view key, std::string_view value) override {
    alder::Txn t = env_.begin_write();
    t.put(key, value);
    t.commit();
  }

 private:
  alder::Env& env_;
};

class AlderEngine final : public Engine {
 public:
  std::string name() const override { return "alder"; }
  std::string version() const override { return ALDER_BENCH_VERSION; }
  std::string settings(Mode mode) const override {
    return mode == Mode::durable ? "Durability::sync (one fdatasync per commit), 4 KiB pages"
                                 : "Durability::no_sync (autosync default)";
  }
  std::string compression() const override {
    return "zstd (level 3) with a 64 KiB dictionary trained from the first 6.4 MB of values, per value";
  }
  void open(Mode mode) override {
    mode_ = mode;
    alder::EnvOptions o;
    o.durability = mode == Mode::durable ? alder::Durability::sync : alder::Durability::no_sync;
    o.autosync_bytes = config().alder_autosync_bytes;
    env_.emplace(alder::Env::open(path(), o));
    if (config().compress) {
      alder::Txn r = env_->begin_read();
      held_.emplace();  // until the main db has its compression
      if (r.db_options(alder::kMainDbi).compression != alder::Compression::none) held_.reset();
    }
  }
  void close() override {
    txn_.reset();
    held_.reset();
    held_bytes_ = 0;
    if (env_) env_->close();
    env_.reset();
  }
  void begin_write() override { txn_.emplace(env_->begin_write()); }
  void put(std::string_view key, std::string_view value, bool append) override {
    if (held_) {
      held_->emplace_back(key, value);
      held_bytes_ += value.size();
      if (held_bytes_ >= kSampleBytes) compress_main();
      return;
    }
    txn_->put(alder::kMainDbi, key, value, append ? alder::PutFlags::append : alder::PutFlags::none);
  }
  void del(std::string_view key) override { txn_->del(key); }
  void commit() override {
    if (held_) compress_main();
    txn_->commit();
    txn_.reset();
  }
  void sync() override { env_->sync(); }
  std::unique_ptr<Reader> reader() override { return std::make_unique<AlderReader>(*env_); }
  bool has_append() const override { return true; }
  std::unique_ptr<Writer> writer() override { return std::make_unique<AlderWriter>(*env_); }
  std::string writer_note() const override { return "one writer: Env::begin_write waits for the live write txn"; }
  unsigned tree_depth() override { return env_->stat().main.depth; }

  void compact() override {
    const std::string tmp = path() + ".compact";
    {
      alder::EnvOptions o;
      o.durability = alder::Durability::no_sync;
      alder::Env dst = alder::Env::open(tmp, o);
      alder::Txn src = env_->begin_read();
      alder::Txn w = dst.begin_write();
      const alder::DbOptions main = src.db_options(alder::kMainDbi);
      if (main.compression != alder::Compression::none) w.open_db("", alder::DbFlags::create, main);
      alder::Cursor c = src.cursor();
      for (bool ok = c.first(); ok; ok = c.next()) {
        w.put(alder::kMainDbi, c.key(), c.value(), alder::PutFlags::append);
      }
      w.commit();
      dst.sync();
      dst.close();
    }
    close();
    std::filesystem::rename(tmp, path());
    open(mode_);
  }

 private:
  static constexpr std::size_t kDictBytes = 64 * 1024, kSampleBytes = 100 * kDictBytes;

  // Trains the dictionary from the held values (zstd alone when they are too
  // few to train on), gives the main db its compression, then puts them.
  void compress_main() {
    std::vector<std::string_view> samples;
    for (const auto& kv : *held_) samples.push_back(kv.second);
    alder::DbOptions o;
    o.compression = alder::Compression::zstd;
    try {
      // zstd's advice: a dictionary about 1/100 of its samples.
      o.dictionary = alder::train_dictionary(samples, std::clamp<std::size_t>(held_bytes_ / 100, 1024, kDictBytes));
    } catch (const alder::Error& e) {
      if (e.code() != alder::ErrorCode::invalid_argument) throw;
    }
    txn_->open_db("", alder::DbFlags::create, o);
    for (const auto& [k, v] : *held_) txn_->put(alder::kMainDbi, k, v);
    held_.reset();
    held_bytes_ = 0;
  }

  std::string path() const { return config().dir + "/data.alder"; }
  Mode mode_ = Mode::durable;
  // Compressible rows: puts held until the dictionary is trained.
  std::optional<std::vector<std::pair<std::string, std::string>>> held_;
  std::size_t held_bytes_ = 0;
  std::optional<alder::Env> env_;
  std::optional<alder::Txn> txn_;
};

}  // namespace

/// Factory used by engines.cc.
std::unique_ptr<Engine> make_alder() { return std::make_unique<AlderEngine>(); }

}  // namespace bench
