// The one small interface every engine sits behind (issue #5).
//
// An Engine owns one database in one directory. Writes go through
// begin_write / put / del / commit (one transaction); reads go through a
// Reader, one per thread, which holds that engine's notion of a snapshot.
// Each adapter lives in its own file (alder.cc, lmdb.cc, ...) and is compiled
// in only when its library was found (ALDER_BENCH_WITH_<ENGINE>).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

/// How commits reach the disk. See settings() of each adapter for the exact
/// knobs; BENCHMARKS.md explains the matching.
enum class Mode {
  durable,  ///< every commit is on stable storage when commit() returns
  no_sync,  ///< the engine's fastest mode that still recovers consistently
};

/// Options shared by every engine.
struct EngineConfig {
  std::string dir;                 ///< fresh, empty directory for this db
  std::uint64_t cache_bytes = 0;   ///< cache budget, bytes (same for all)
  /// alder only: EnvOptions::autosync_bytes (0 = alder's default), to
  /// measure what autosync costs in no-sync mode.
  std::uint64_t alder_autosync_bytes = 0;
  /// The compressible-values rows (step load_text): values compressed with
  /// the engine's own option (compression() says which), else never.
  bool compress = false;
};

/// A per-thread read handle. Views returned by get() stay valid until the
/// next call on this Reader.
class Reader {
 public:
  virtual ~Reader() = default;
  /// Looks key up; on a hit stores a view of the value in *value.
  virtual bool get(std::string_view key, std::string_view* value) = 0;
  /// Visits up to n entries with key >= start, in order; returns how many.
  /// *bytes grows by the key + value bytes seen (so the data is touched).
  virtual std::uint64_t scan(std::string_view start, std::uint64_t n,
                             std::uint64_t* bytes) = 0;
  /// Moves to the newest committed state (a new snapshot where there is one).
  virtual void refresh() = 0;
};

/// A per-thread write handle for the thread-scaling durable writes: every
/// call is one transaction of one put, committed in the engine's open mode.
/// Each thread owns its own Writer; the engine decides how concurrent
/// commits meet (LMDB and alder wait for their single writer, RocksDB,
/// LevelDB and WiredTiger may group several commits into one log sync).
class Writer {
 public:
  virtual ~Writer() = default;
  virtual void put_commit(std::string_view key, std::string_view value) = 0;
};

/// One database engine behind a common face.
class Engine {
 public:
  virtual ~Engine() = default;
  /// Short name used in tables ("alder", "LMDB", ...).
  virtual std::string name() const = 0;
  /// Library version as a string.
  virtual std::string version() const = 0;
  /// What durable / no-sync and the cache budget mean for this engine.
  virtual std::string settings(Mode mode) const = 0;

  /// Opens (creating if needed) the db in config().dir with this mode.
  virtual void open(Mode mode) = 0;
  /// Closes the db; everything committed stays in the directory.
  virtual void close() = 0;

  /// Starts the single write transaction.
  virtual void begin_write() = 0;
  /// Stores key=value in the write transaction. append: the caller promises
  /// keys arrive in ascending order (engines with an append path use it).
  virtual void put(std::string_view key, std::string_view value, bool append) = 0;
  /// Removes key in the write transaction.
  virtual void del(std::string_view key) = 0;
  /// Commits the write transaction with the open mode's durability.
  virtual void commit() = 0;
  /// Makes every earlier commit durable (after no-sync commits).
  virtual void sync() = 0;

  /// A new reader for the calling thread (on the latest commit).
  virtual std::unique_ptr<Reader> reader() = 0;
  /// The engine's own compaction; the db stays open afterwards.
  virtual void compact() = 0;
  /// How values are compressed when config().compress is set (the
  /// compressible-values rows), for the report; "none" for an engine without
  /// compression.
  virtual std::string compression() const { return "none"; }
  /// Whether put(..., append = true) uses a real append path.
  virtual bool has_append() const { return false; }
  /// Whether a file of the db directory (name without directory) is a
  /// write-ahead log, journal or lock file rather than table data.
  virtual bool is_log_file(const std::string& name) const {
    (void)name;
    return false;
  }
  /// Whether several threads may each hold a Reader at once.
  virtual bool threaded_reads() const { return true; }
  /// A Writer for the calling thread. The default runs begin_write / put /
  /// commit of this Engine under one harness mutex (commits one at a time);
  /// adapters override it where the engine itself takes commits from
  /// several threads. Valid while the engine stays open.
  virtual std::unique_ptr<Writer> writer();
  /// How commits from several threads meet, for the report.
  virtual std::string writer_note() const { return "one commit at a time (harness mutex)"; }
  /// Depth of the main tree (0 = not known); alder's sets the floor row's
  /// page count (depth + 1 pages per single-put durable commit).
  virtual unsigned tree_depth() { return 0; }

  const EngineConfig& config() const { return config_; }
  void set_config(const EngineConfig& c) { config_ = c; }

 private:
  EngineConfig config_;
  std::mutex write_mutex_;  // the default writer(): one write txn at a time
  friend class SerialWriter;
};

/// Factory for one engine.
struct EngineInfo {
  std::string name;
  std::unique_ptr<Engine> (*make)();
};

/// Every engine compiled into this binary, alder first, LMDB second.
std::vector<EngineInfo> compiled_engines();

}  // namespace bench
