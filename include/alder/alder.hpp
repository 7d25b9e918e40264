// alder: an embedded, transactional, ordered key-value store.
//
// One memory-mapped file, a copy-on-write B+tree with checksums held in the
// parent (Merkle style), one writer and any number of lock-free MVCC readers.
// The vocabulary follows LMDB (env, txn, dbi, cursor); the file format is in
// docs/FORMAT.md and the durability guarantees in docs/DURABILITY.md.
//
// Thread-safety summary
//   * Env: every member function may be called from any thread concurrently,
//     except close() and the destructor, which must not race with other calls.
//   * Txn and Cursor: one thread at a time (they may move between threads).
//     Any number of read Txns may be live at once, in any threads; at most one
//     write Txn is live per Env.
//
// Errors: every failure throws alder::Error carrying an ErrorCode. A missing
// key is not an error: lookups return std::optional. A failed operation leaves
// the database as it was before the failing transaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace alder {

/// Why an operation failed. The numeric values are stable and match the C
/// API's ALDER_* codes (negated), see alder.h.
enum class ErrorCode : int {
  ok = 0,
  key_exists = 1,        ///< put(no_overwrite) on an existing key (C API only)
  not_found = 2,         ///< C API only: key or cursor position absent
  empty_key = 3,         ///< key of 0 bytes
  key_too_large = 4,     ///< key longer than Env::max_key_size()
  value_too_large = 5,   ///< value longer than kMaxValueSize
  read_only = 6,         ///< write through a read-only txn or read-only env
  txn_finished = 7,      ///< use of a committed or aborted txn
  env_closed = 8,        ///< use of a closed env
  unknown_db = 9,        ///< named db does not exist (and create not asked)
  busy = 10,             ///< another write txn is live (try_begin_write)
  corrupted = 11,        ///< a page or meta page failed a check
  not_alder_file = 12,   ///< empty, truncated or foreign file
  version_mismatch = 13, ///< file format version this build cannot read
  io_error = 14,         ///< a system call failed (errno in the message)
  no_space = 15,         ///< the disk is full (ENOSPC)
  map_full = 16,         ///< the file would exceed EnvOptions::max_size
  dbs_full = 17,         ///< more named dbs than EnvOptions::max_dbs
  invalid_argument = 18, ///< bad option or argument (message says which)
  locked = 19,           ///< the file is opened by another process
  bad_dbi = 20,          ///< Dbi not opened in this env
  append_order = 21,     ///< put(append) with a key not above the last key
  env_failed = 22,       ///< an earlier fsync/meta write failed: reopen
  bad_txn = 23,          ///< a write of this txn failed midway: abort it
};

/// Human-readable name of a code, e.g. "key too large". Never null.
const char* error_name(ErrorCode code) noexcept;

/// The only exception type alder throws (besides std::bad_alloc).
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& what)
      : std::runtime_error(what), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

/// Largest value accepted by put(), in bytes (4 GiB - 1 page header).
inline constexpr std::uint64_t kMaxValueSize = (std::uint64_t{1} << 32) - 64;

/// How a commit reaches stable storage. Names follow LMDB; see
/// docs/DURABILITY.md for what survives a process crash and a power loss.
enum class Durability {
  /// Commit returns after one fdatasync covering the data and the meta page.
  sync,
  /// Commit fdatasyncs its pages (which also makes the previous commit's meta
  /// durable) but not its own meta: a power loss may undo the last commit.
  no_meta_sync,
  /// Commit does not sync. Env::sync() makes everything durable. A process
  /// crash loses nothing; a power loss rolls back to the last synced commit,
  /// never to a corrupt file.
  no_sync,
};

/// Options for Env::open. All sizes in bytes.
struct EnvOptions {
  /// Page size used when the file is created: a power of two in [512, 65536].
  /// Ignored for an existing file (its own page size is used).
  std::uint32_t page_size = 4096;
  /// Largest the file may grow to; also the size of the virtual address
  /// reservation (no physical memory is used). Rounded up to a page.
  std::uint64_t max_size = std::uint64_t{1} << 40;  // 1 TiB
  /// Largest number of named dbs the env can open (the main db not counted).
  std::uint32_t max_dbs = 128;
  Durability durability = Durability::sync;
  /// Accepted for source compatibility with LMDB's MDB_WRITEMAP and
  /// ignored: a write txn always builds its pages in private buffers and
  /// writes them with pwritev at commit: no page faults, and faster commits
  /// than stores into a writable mapping (slower for single txns of
  /// hundreds of thousands of puts; docs/DECISIONS.md, "Dirty pages in
  /// private buffers", has both sets of numbers).
  bool write_map = false;
  /// LMDB's MDB_MAPASYNC: commits do not sync, as Durability::no_sync
  /// (which overrides `durability`). Kept as an alias.
  bool map_async = false;
  /// madvise(MADV_RANDOM) on the mapping (helps random reads on files much
  /// larger than RAM).
  bool no_readahead = false;
  /// Check every page a read reaches against the checksum its parent holds
  /// (RocksDB's ReadOptions::verify_checksums), so a get, a cursor or a
  /// value never hands back bytes from a damaged page: it throws corrupted
  /// naming the page instead. Costs one xxHash3 of each page visited (for a
  /// get: depth pages, plus the overflow run of a large value). Pages the
  /// running write txn wrote itself are not checked (not sealed yet).
  /// Off by default: verify() and recovery check pages either way.
  bool verify_checksums = false;
  /// Without a sync, pages that the last synced commit still references
  /// cannot be reused (that is what keeps a power loss harmless), so the
  /// file grows. With no_sync / no_meta_sync / map_async, a commit syncs by
  /// itself once such held-back pages exceed this many bytes. 0 (default):
  /// 1/8 of the file, at least 1 MiB. UINT64_MAX: never.
  std::uint64_t autosync_bytes = 0;
  /// Most bytes of dirty pages a write txn keeps in memory. Past it, after
  /// the write that crossed it, the txn writes its dirty pages to the file
  /// early ("spills" them, as libmdbx does) and frees their buffers; a page
  /// written again later is read back. Bounds a txn's memory to about this
  /// plus the pages of one write (a large value's overflow run). 0: 256 MiB.
  std::uint64_t spill_bytes = 0;
  /// A file that shrinks while it is open (docs/DURABILITY.md, "Shrinking
  /// the file"): once this many bytes of the file are free, commits now
  /// and then move live pages from the end of the file toward its front (a
  /// few hundred at most per commit) and cut the free end off with
  /// ftruncate, under the writer lock and without a reopen; readers of
  /// older snapshots keep working. 0 (default): 1/8 of the file, at least
  /// 2 MiB. UINT64_MAX: never (the file then shrinks only at close, by its
  /// free end, or with Env::compact()). The design follows libmdbx's
  /// shrink_threshold, plus moving pages, which libmdbx leaves to a copy.
  std::uint64_t shrink_threshold = 0;
  /// Open read-only: no write txn, no recovery writes, shared file lock.
  bool read_only = false;
  /// Create the file if it does not exist (atomically: never a half file).
  bool create = true;
  /// Permission bits for a new file.
  unsigned file_mode = 0644;
};

/// Figures for one B+tree (one db). Page counts are in pages.
struct DbStat {
  std::uint32_t page_size = 0;  ///< bytes
  std::uint32_t depth = 0;      ///< 0 for an empty tree
  std::uint64_t branch_pages = 0;
  std::uint64_t leaf_pages = 0;
  std::uint64_t overflow_pages = 0;
  std::uint64_t entries = 0;
};

/// Figures for the whole env, as of the latest commit.
struct EnvStat {
  DbStat main;                    ///< the unnamed main db
  std::uint32_t page_size = 0;    ///< bytes
  std::uint64_t file_size = 0;    ///< bytes, on disk now
  std::uint64_t used_pages = 0;   ///< high-water mark, including meta pages
  std::uint64_t free_pages = 0;   ///< pages recorded in the freelist
  std::uint64_t last_txn_id = 0;  ///< id of the latest commit
  std::uint64_t named_dbs = 0;    ///< number of named dbs
  std::uint32_t readers = 0;      ///< live read txns of this process
  /// Group commit (Durability::sync), since the env was opened: syncs run
  /// by commits, the commits they made durable, and the pages they wrote
  /// (the union of what each group's txns changed; meta pages not counted).
  /// commits_synced / group_syncs is the mean group size.
  std::uint64_t group_syncs = 0;
  std::uint64_t commits_synced = 0;
  std::uint64_t pages_synced = 0;
};

/// One live read snapshot, from Env::readers().
struct ReaderInfo {
  std::uint32_t pid = 0;        ///< process holding it
  std::uint64_t thread = 0;     ///< OS thread id (gettid) that took it; 0: another process
  std::uint64_t txnid = 0;      ///< the commit it sees
  double age_seconds = -1;      ///< since it was taken, to the timer tick (a few ms); -1: unknown (another process)
  /// Freed pages that this snapshot alone keeps from being reused: ending
  /// it makes them free (at the next write txn), unless the last synced
  /// commit still needs them. Pages of the freelist's records whose only
  /// pin is this snapshot.
  std::uint64_t pages_held = 0;
};

/// Result of Env::verify(). ok() when every page checked out.
struct VerifyResult {
  bool ok() const { return error.empty(); }
  std::string error;                ///< first problem found, empty when none
  std::uint64_t bad_page = 0;       ///< page number of that problem
  std::string bad_page_kind;        ///< "branch", "leaf", "overflow", "meta"...
  std::uint64_t pages_checked = 0;  ///< pages whose checksum was verified
  std::uint64_t entries = 0;        ///< key/value pairs seen in all dbs
};

/// Handle to a db inside an env, valid for the env's lifetime once opened
/// (like LMDB's MDB_dbi). 0 is the unnamed main db.
using Dbi = std::uint32_t;
inline constexpr Dbi kMainDbi = 0;

/// Flags for Txn::open_db.
enum class DbFlags : unsigned { none = 0, create = 1 };

/// How a db stores its values (Txn::open_db with DbOptions).
enum class Compression : std::uint8_t { none = 0, lz4 = 1, zstd = 2 };

/// Name of a compression ("none", "lz4", "zstd"). Never null.
const char* compression_name(Compression c) noexcept;

/// Value compression of a db, chosen when the db is created and recorded
/// in the file (docs/FORMAT.md; a file holding a compressed db is format
/// version 2, which alder builds before it refuse with version_mismatch).
///
/// Each value is compressed on its own, as RocksDB and WiredTiger compress
/// each block; a value is the unit here because a get reads one value. A
/// zstd dictionary trained from the db's own values (zstd's advice for
/// small records, train_dictionary()) brings back most of what compressing
/// many values together would share. Values shorter than min_size bytes,
/// and values that compression shrinks by less than 1/16, are stored as
/// they are; a flag in each value's cell tells which is which.
///
/// Reads: an uncompressed value is returned zero copy, as in any db. A
/// compressed value is decompressed into memory owned by the txn: a view
/// from get() stays valid until the txn ends (or Txn::reset()), so a read
/// txn that gets many compressed values holds all of them (end it, or
/// reset() it, to let go); a cursor's value() is decompressed into the
/// cursor's own buffer, valid until the cursor moves (as its views always
/// are), so a scan does not accumulate. Costs: docs/DECISIONS.md, "Value
/// compression (issue #14, item 1)". Thread-safety: as any read (a txn is
/// used by one thread at a time); the codecs and dictionaries behind it are
/// shared by the env's txns, read-only, with one zstd context per thread.
struct DbOptions {
  Compression compression = Compression::none;
  /// zstd: -7..19, 0 for zstd's default (3). lz4: must be 0.
  int level = 0;
  /// Values shorter than this many bytes are stored raw (zero copy reads).
  std::uint32_t min_size = 64;
  /// zstd only: a dictionary (from train_dictionary(), or any bytes zstd
  /// accepts as one), at most 1 MiB, stored in the file once, in an
  /// overflow run of its own. Empty: none.
  std::string dictionary;
};

/// A zstd dictionary of at most max_bytes (256 .. 1 MiB; zstd suggests
/// about 100x smaller than the samples, e.g. 64 KiB from a few MiB) trained
/// from sample values by zstd's fastCover trainer, one pass with fixed
/// parameters (k = 200, d = 8; docs/DECISIONS.md: 4x faster than zstd's
/// parameter search for the same ratio). Throws
/// invalid_argument when zstd cannot train one (too few or too small
/// samples: give it hundreds of values). Thread-safe.
std::string train_dictionary(std::span<const std::string_view> samples,
                             std::size_t max_bytes = 64 * 1024);

/// Where a db's bytes go, from Txn::db_space() (a walk over every entry).
/// Sizes in bytes.
struct DbSpace {
  Compression compression = Compression::none;
  int level = 0;
  std::uint32_t min_size = 0;
  std::uint64_t dictionary_bytes = 0;  ///< 0: no dictionary
  std::uint64_t entries = 0;
  std::uint64_t compressed_values = 0;   ///< entries stored compressed
  std::uint64_t raw_value_bytes = 0;     ///< values as get() returns them
  std::uint64_t stored_value_bytes = 0;  ///< values as stored (compressed or raw)
  std::uint64_t overflow_values = 0;     ///< values on overflow runs
  /// Bytes of overflow runs that hold nothing: each run's last page past its
  /// value (the waste of issue #14, item 2).
  std::uint64_t overflow_slack_bytes = 0;
};

/// Flags for Txn::put (combine with |).
enum class PutFlags : unsigned {
  none = 0,
  no_overwrite = 1,  ///< keep an existing value; put returns false
  append = 2,        ///< key must be above every key in the db (bulk load)
};
constexpr PutFlags operator|(PutFlags a, PutFlags b) {
  return PutFlags(unsigned(a) | unsigned(b));
}

/// Flags for Txn::commit.
enum class CommitFlags : unsigned {
  none = 0,
  /// Durability::sync: return once the commit is the base of this env's
  /// next write txn, before it is durable (lmdb-js's overlapping sync,
  /// libmdbx's commit-then-sync). Readers do not see it until a sync
  /// covers it; Env::wait_durable(id) waits for that. The env starts that
  /// sync in the background. Other modes: as none.
  no_wait = 1,
};

/// Iteration direction for ranges.
enum class Direction { forward, reverse };

/// One key/value pair as views into the mapping (or the txn's dirty pages).
struct Entry {
  std::string_view key;
  std::string_view value;
};

class Env;
class Txn;
class Cursor;
class Range;

namespace detail {
class EnvImpl;
class TxnImpl;
class CursorImpl;
struct EnvAccess;  // internal: builds an Env around an EnvImpl (tests' fault hooks)
}  // namespace detail

/// A positioned iterator over one db in one txn (LMDB's MDB_cursor).
///
/// Views returned by key()/value() are valid until the cursor moves, the txn
/// writes (write txns only), or the txn ends; a compressed value (DbOptions)
/// is decompressed into the cursor's buffer, also valid until it moves. A cursor must not outlive its
/// txn. Positioning calls return false (and leave the cursor unpositioned)
/// when no entry qualifies.
class Cursor {
 public:
  Cursor(Cursor&&) noexcept;
  Cursor& operator=(Cursor&&) noexcept;
  ~Cursor();

  bool first();                     ///< smallest key
  bool last();                      ///< largest key
  bool next();                      ///< following key; false at the end
  bool prev();                      ///< preceding key; false at the start
  /// First key >= key (MDB_SET_RANGE); "" means the first key.
  bool seek(std::string_view key);
  /// Exactly key (MDB_SET_KEY); "" is never found.
  bool find(std::string_view key);
  bool valid() const;               ///< positioned on an entry
  std::string_view key() const;     ///< requires valid()
  std::string_view value() const;   ///< requires valid()
  Entry entry() const { return {key(), value()}; }

  /// Writes key=value through the cursor's txn and positions on key.
  /// Returns false (nothing written) with no_overwrite when key exists.
  /// Throws read_only in a read txn, plus every error of Txn::put.
  bool put(std::string_view key, std::string_view value,
           PutFlags flags = PutFlags::none);
  /// Deletes the current entry; the cursor moves to the following entry
  /// (valid() is false if it was the last). Throws read_only in a read txn.
  void del();

 private:
  friend class Txn;
  explicit Cursor(std::unique_ptr<detail::CursorImpl> impl);
  std::unique_ptr<detail::CursorImpl> impl_;
};

/// A C++ range over [lo, hi) of one db, for range-for loops; hi = nullopt
/// means "to the end" (an empty hi selects nothing: no key is below "").
/// Built by Txn::range / Txn::prefix. Valid while its txn is.
class Range {
 public:
  class iterator {
   public:
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    Entry operator*() const { return cur_->entry(); }
    iterator& operator++();
    bool operator==(const iterator& o) const { return done_ == o.done_; }

   private:
    friend class Range;
    Cursor* cur_ = nullptr;
    const Range* range_ = nullptr;
    bool done_ = true;
  };
  iterator begin();
  iterator end() { return iterator{}; }

 private:
  friend class Txn;
  Range(Cursor c, std::string lo, std::optional<std::string> hi, Direction d)
      : cursor_(std::move(c)), lo_(std::move(lo)), hi_(std::move(hi)), dir_(d) {}
  bool in_range() const;
  Cursor cursor_;
  std::string lo_;
  std::optional<std::string> hi_;
  Direction dir_;
};

/// A transaction: a read-only snapshot, or the single writer.
///
/// Move-only. Destroying an unfinished Txn aborts it. After commit() or
/// abort() every call but the destructor throws txn_finished. Views returned
/// by get() live until the txn ends; in a write txn, only until its next
/// write (a dirty page's buffer is changed in place, or spilled and
/// reused: EnvOptions::spill_bytes).
///
/// A write rejected up front (empty_key, key_too_large, value_too_large,
/// read_only, unknown_db, bad_dbi, append_order) changes nothing and the txn
/// goes on. A write that fails midway (map_full, no_space, io_error,
/// corrupted) may have left the txn's tree half changed: every later call
/// but abort() then throws bad_txn, and commit() aborts. Either way the
/// database stays as it was before the txn (LMDB's MDB_BAD_TXN).
class Txn {
 public:
  Txn(Txn&&) noexcept;
  Txn& operator=(Txn&&) noexcept;
  ~Txn();

  /// Throws txn_finished after commit/abort.
  bool read_only() const;
  /// Snapshot id: for a read txn the commit it sees; for a write txn the id
  /// its commit will get. Throws txn_finished after commit/abort.
  std::uint64_t id() const;
  /// Write txns: how many bytes of pages this txn can still dirty before a
  /// write has to do file I/O, that is write its dirty pages early
  /// (EnvOptions::spill_bytes) or grow the file (a posix_fallocate); 0 for
  /// a read txn. A put dirties at most its value (rounded up to pages, in
  /// an overflow run) plus two pages per tree level (copies and splits),
  /// so a caller that must not block (an Erlang NIF on a normal scheduler,
  /// bindings/erlang) writes inline while this leaves room and hands the
  /// write to a thread that may block otherwise. The figure changes with
  /// every write. Throws txn_finished after commit/abort. Thread-safety: as
  /// every call of the txn (one thread at a time).
  std::uint64_t write_room() const;
  /// Write txns: whether commit() would call fdatasync, that is wait for
  /// the disk: always with Durability::sync (commit() waits for its
  /// group's sync; commit(CommitFlags::no_wait) does not) and
  /// no_meta_sync; with no_sync when this commit may pass the autosync
  /// bound (EnvOptions::autosync_bytes). Conservative: false means the
  /// commit surely makes no sync (its page and meta writes go to the page
  /// cache), true that it may. False for a read txn and for a write txn
  /// that wrote nothing. For a caller that must not block (an Erlang NIF
  /// on a normal scheduler, bindings/erlang), beside write_room(). The
  /// answer changes with every write. Throws txn_finished after
  /// commit/abort. Thread-safety: as every call of the txn.
  bool commit_needs_sync() const;
  /// Write txns: grows the file now, as a write that needs the pages would
  /// (posix_fallocate, in steps of 1/8 of the file, at least 1 MiB), so
  /// that write_room() covers `bytes` as far as max_size allows, and
  /// returns write_room() (still short of `bytes` near max_size, or when
  /// the dirty-page bound EnvOptions::spill_bytes is what limits it). For
  /// a caller that grows the file where it may block (a dirty scheduler),
  /// so that the writes after it fit where they must not block. Throws
  /// read_only for a read txn, no_space / io_error when the growth fails
  /// (the txn stays usable: nothing was written), txn_finished.
  /// Thread-safety: as every call of the txn.
  std::uint64_t reserve_room(std::uint64_t bytes);

  /// Opens a named db, creating it with DbFlags::create (write txn only).
  /// An empty name returns the main db. Throws unknown_db, dbs_full,
  /// read_only (create in a read txn), invalid_argument (name > 511 bytes).
  /// A db opened this way keeps the compression it was created with.
  Dbi open_db(std::string_view name, DbFlags flags = DbFlags::none);
  /// open_db() with value compression (DbOptions). A db created here gets
  /// `options`, its dictionary written to the file in this txn. An
  /// existing db must have been created with the same compression, level
  /// and min_size (and the same dictionary, if one is given); the main db
  /// ("") takes options only while it is empty and has none yet. Throws
  /// invalid_argument, with nothing changed, for an unknown codec, a level
  /// out of range, a dictionary with lz4 or over 1 MiB, or options that
  /// differ from the db's; plus open_db()'s errors.
  Dbi open_db(std::string_view name, DbFlags flags, const DbOptions& options);
  /// A db's compression and the bytes its values take, raw and stored;
  /// walks every entry of the db (reads each compressed value's length,
  /// not the value). Throws open_db()'s errors and corrupted.
  DbSpace db_space(Dbi dbi);
  /// The options a db was created with, its dictionary included (what
  /// open_db(name, flags, options) takes to make a db like it: `alder
  /// copy --compact` does). compression none for a db stored raw.
  DbOptions db_options(Dbi dbi);
  /// Names of all named dbs, sorted.
  std::vector<std::string> list_dbs();
  /// Deletes a named db and frees its pages. Throws unknown_db, read_only.
  void drop_db(Dbi dbi);
  /// Removes every entry of a db, keeping the db. Throws read_only.
  void clear_db(Dbi dbi);
  DbStat db_stat(Dbi dbi);

  /// Value of key, or nullopt. The view points into the mapping (zero
  /// copy), or, for a value stored compressed (DbOptions), into memory the
  /// txn owns until it ends. Throws corrupted when a compressed value does
  /// not decompress.
  std::optional<std::string_view> get(Dbi dbi, std::string_view key);
  std::optional<std::string_view> get(std::string_view key) {
    return get(kMainDbi, key);
  }
  /// get() for many keys under one snapshot; result[i] answers keys[i].
  std::vector<std::optional<std::string_view>> get_many(
      Dbi dbi, std::span<const std::string_view> keys);

  /// Stores key=value. Returns false only with no_overwrite when the key
  /// exists (nothing written). Throws read_only, empty_key, key_too_large,
  /// value_too_large, append_order, map_full, no_space, io_error.
  bool put(Dbi dbi, std::string_view key, std::string_view value,
           PutFlags flags = PutFlags::none);
  bool put(std::string_view key, std::string_view value) {
    return put(kMainDbi, key, value);
  }
  /// Removes key. Returns whether it existed. Throws read_only, empty_key,
  /// key_too_large.
  bool del(Dbi dbi, std::string_view key);
  bool del(std::string_view key) { return del(kMainDbi, key); }

  Cursor cursor(Dbi dbi = kMainDbi);
  /// Entries with lo <= key < hi (hi = nullopt: no upper bound), in order.
  Range range(Dbi dbi, std::string_view lo,
              std::optional<std::string_view> hi,
              Direction dir = Direction::forward);
  /// Entries whose key starts with prefix, in order.
  Range prefix(Dbi dbi, std::string_view prefix,
               Direction dir = Direction::forward);

  /// Makes the txn's writes durable per the env's Durability and ends it.
  /// A read txn's commit just ends it. On failure the txn is aborted and
  /// the database is as it was before the txn.
  ///
  /// With Durability::sync, commits of many threads share fdatasyncs
  /// (group commit, docs/DURABILITY.md): the txn writes its pages, hands
  /// the writer lock on, and returns when a sync covers it, so the next
  /// txn is built while this one syncs. It still returns only when durable.
  /// If that sync fails, commit throws env_failed, the txn is not
  /// committed (it does not reappear on reopen) and the env refuses
  /// further writes (reopen it); the same holds for every txn committed
  /// after it and before the failure.
  void commit();
  /// commit() with flags (CommitFlags::no_wait: see there). Returns the
  /// txn's id (the id Env::wait_durable takes); for a read txn, or a write
  /// txn that wrote nothing, its snapshot id. With no_wait, a failure of
  /// the later sync is reported by Env::wait_durable and by every later
  /// write (env_failed), not here.
  std::uint64_t commit(CommitFlags flags);
  /// Discards the txn's writes and ends it. Never throws.
  void abort() noexcept;

  /// Read txns (LMDB's mdb_txn_reset / mdb_txn_renew): reset() lets go of
  /// the snapshot, so it no longer keeps pages from being reused, but
  /// keeps the txn and its reader slot; renew() then takes the newest
  /// commit as a fresh snapshot, without a new slot or allocation. For a
  /// long-lived reader thread that reads now and then. Between the two,
  /// every call but renew(), reset() (a no-op) and abort() throws
  /// txn_finished; views and cursors taken before reset() must not be
  /// used after it (a cursor's calls throw txn_finished; open a new one).
  /// Throw invalid_argument for a write txn, txn_finished after
  /// commit/abort; renew() throws env_closed when the env was closed.
  /// Not thread-safe (one thread uses a txn at a time).
  void reset();
  void renew();

 private:
  friend class Env;
  friend class Cursor;
  explicit Txn(std::unique_ptr<detail::TxnImpl> impl);
  detail::TxnImpl& impl();
  std::unique_ptr<detail::TxnImpl> impl_;
};

/// An open database file (LMDB's MDB_env). Move-only; destroying it closes it.
class Env {
 public:
  /// Opens (and with options.create, creates) the file at path, recovering
  /// from a crash if needed. Also opens, creating it if needed, the lock
  /// file lock_path(path), whose shared reader table lets read-only envs of
  /// other processes read while one process writes (docs/FORMAT.md).
  /// Throws not_alder_file (empty, truncated, foreign), version_mismatch,
  /// corrupted (no meta page survives its checks), locked (another env has
  /// it open for writing; or, for a writer, a read-only env that could not
  /// open the lock file holds it; or another program held the lock file's
  /// byte 0 exclusively for 2 s), invalid_argument (bad page size),
  /// io_error.
  static Env open(const std::string& path, const EnvOptions& options = {});
  /// The lock file of the data file at `path`: path + "-lock" (LMDB's
  /// name with MDB_NOSUBDIR). It holds no data; delete it only when no env
  /// has the file open. Each open env holds a shared fcntl lock on its byte
  /// 0, so real LMDB never takes it for its own (docs/FORMAT.md).
  static std::string lock_path(const std::string& path);

  Env(Env&&) noexcept;
  Env& operator=(Env&&) noexcept;
  ~Env();

  /// A read txn on the latest commit. Never blocks. Throws env_closed.
  Txn begin_read();
  /// The write txn; waits while another is live. Throws read_only,
  /// env_closed, env_failed.
  Txn begin_write();
  /// The write txn, or nullopt when another is live (never waits).
  std::optional<Txn> try_begin_write();

  /// fdatasync everything committed so far; needed only with
  /// Durability::no_sync / no_meta_sync / map_async, or after commits with
  /// CommitFlags::no_wait. Throws io_error, env_failed.
  void sync();
  /// Shrinks the file as far as the live pages allow, online: runs write
  /// txns that each move up to 1,024 pages from the end of the file to free
  /// pages nearer its front (copy-on-write, as any write), syncs after
  /// each, and finally cuts the free end off (ftruncate), until the file
  /// stops shrinking. Between those txns other writers go ahead and
  /// readers never wait, so nobody waits longer than one such commit.
  /// Readers of older snapshots keep reading what they see; the pages they
  /// hold stay, so the file may end larger than the live pages (see
  /// readers()). Returns the file's size in bytes afterwards. Throws
  /// read_only, env_failed, io_error, no_space (each txn is a commit: what
  /// committed before the error stays). Thread-safe. docs/DURABILITY.md,
  /// "Shrinking the file"; EnvOptions::shrink_threshold does the same a
  /// little at a time during commits.
  std::uint64_t compact();
  /// Blocks until the commit with id `txnid` (Txn::commit's result) is
  /// durable, syncing if needed; returns at once if it is. With no_sync or
  /// no_meta_sync this is sync() when txnid is not yet durable. Throws
  /// env_failed when the sync that was to cover it failed, invalid_argument
  /// when no commit has that id yet. Thread-safe; must not be called by a
  /// thread whose write txn is live (that txn holds the writer lock the
  /// sync needs).
  void wait_durable(std::uint64_t txnid);
  EnvStat stat();
  /// Every live read snapshot: this env's read txns, and those other
  /// processes registered in the lock file (read-only envs). Reset read
  /// txns (Txn::reset) hold none and are not listed. Sorted by txnid
  /// (oldest first). Reads the freelist of the latest commit to compute
  /// pages_held (a read txn, like verify(); cost grows with the freelist).
  /// Thread-safe; a snapshot may end while the list is built. Follows
  /// LMDB's mdb_reader_list, plus what each reader costs.
  std::vector<ReaderInfo> readers();
  /// Watches for slow readers (libmdbx's mdbx_env_set_hsr, here as a
  /// notification): after a write txn's commit() returns, at most once per
  /// `check_every_ms` milliseconds (0: after every commit), the committing
  /// thread runs readers() and calls `fn` for every snapshot whose
  /// pages_held is at least `pages`, so the application can end it (reset()
  /// or finish the txn; another process: its pid). `fn` runs with no alder
  /// lock held and may call this env, but not on a txn of the calling
  /// thread that is still open; an exception from it is caught and
  /// dropped (the commit has happened). Checks run on one thread at a time:
  /// a commit that finds one running skips its own. `pages` 0 or an empty
  /// `fn` turns the watch off. Thread-safe; replaces an earlier setting.
  /// Cost: one readers() walk per check (grows with the freelist).
  void set_slow_reader(std::uint64_t pages, std::function<void(const ReaderInfo&)> fn,
                       std::uint32_t check_every_ms = 100);
  /// Frees the lock file's reader slots held by processes that no longer
  /// exist (a reader that crashed or exited inside a read txn) and returns
  /// how many it freed (LMDB's mdb_reader_check). Never needed for
  /// correctness: such slots pin nothing, and the writer frees them itself
  /// whenever it looks for reusable pages. Thread-safe; throws env_closed.
  std::size_t clear_stale_readers();
  /// Walks every page reachable from the latest commit: checksums in the
  /// parents, page types, key order, bounds, that every page is used or
  /// free exactly once, and that every value stored compressed
  /// (DbOptions) decompresses. Reads the whole file; takes a read txn.
  VerifyResult verify();
  /// Writes a consistent copy of the latest commit to a new file at
  /// `dst_path` (LMDB's mdb_env_copy): the snapshot's pages, both meta
  /// slots holding its meta, fsynced, then linked into place, so `dst_path`
  /// is either absent or complete. Free pages are copied as they are (for a
  /// dense copy, re-insert the entries: `alder copy --compact`). Runs
  /// beside the writer, in this process or another (it is one read txn).
  /// `progress`, if set, is called with bytes written and bytes in all
  /// after each chunk of about 1 MiB. Throws invalid_argument when dst_path
  /// exists (it is never replaced), io_error / no_space on I/O failure (the
  /// temporary file is removed), env_closed. Thread-safe.
  void copy(const std::string& dst_path,
            const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});
  /// Largest key accepted, in bytes: (page_size - 16) / 3 - 44; 1316 at 4 KiB.
  std::size_t max_key_size() const;
  std::uint32_t page_size() const;
  const std::string& path() const;

  /// Syncs and closes. Live txns must be finished first (throws busy
  /// otherwise). Idempotent; later calls on the Env throw env_closed.
  void close();

 private:
  friend struct detail::EnvAccess;
  explicit Env(std::shared_ptr<detail::EnvImpl> impl);
  std::shared_ptr<detail::EnvImpl> impl_;
};

}  // namespace alder
