// alder::PathStore: a hierarchical path store on top of alder — the storage
// model of an Erlang/HyperBEAM node (values, groups, links, path resolution,
// listing, match). It uses only the public engine API (alder.hpp); the
// on-disk layout and the decisions behind it are in docs/PATH_STORE.md.
//
// Paths
//   A path is a byte string of segments separated by '/'. A path given as a
//   list of segments is joined with '/'. Paths are normalised: empty segments
//   are dropped, so "a//b/", "/a/b" and "a/b" name the same entry; "" and "/"
//   name the root. Segments are opaque bytes ("." and ".." are ordinary
//   names). A path must not contain a NUL byte (invalid_argument), and a
//   normalised path may be at most max_path_size() bytes (key_too_large).
//
// Entries are of three kinds: a value (any bytes, 0 or more), a group (a
// directory-like node without a value) and a link (a pointer to another
// path). The kind is stored out of band, so a value may be any bytes: a value
// equal to "group" or starting with "link:" reads back exactly as written.
// The root is always a group and cannot be written, grouped or linked.
//
// Resolution
//   resolve(p) rewrites p prefix by prefix: the first prefix that is a link
//   is replaced by the link's target and resolution starts again on the new
//   path. The last segment is followed too. Reads, type() and list() act on
//   the resolved path. Writes (write, make_group, make_link) resolve the
//   *parent* of the path and then store at resolved-parent/name, so writing
//   over a link replaces the link itself, while writing below a linked
//   group lands in the link's target (POSIX symlink semantics). More than
//   PathStoreOptions::max_link_hops link hops in one resolution is treated
//   as a cycle: reads give not_found, writes throw invalid_argument. The
//   resolution is iterative: no input can hang it or overflow the stack.
//
// Errors: every failure throws alder::Error (see alder.hpp). Besides the
// engine's own codes (io_error, map_full, env_closed, ...):
//   invalid_argument  empty path where a non-root path is needed, NUL byte in
//                     a path, a write whose parent runs into a link cycle,
//                     empty match() pairs, limit 0 in a paged list
//   key_too_large     a normalised (or resolved) path longer than
//                     max_path_size()
//   busy              a PathStore write method called from the thread that
//                     has an open Batch on the same PathStore (use the Batch)
//   corrupted         an entry of the store's dbs has an unknown kind byte
//   version_mismatch  the file holds a path store of a layout version this
//                     build does not read (layout 1 is converted on open,
//                     but not through a read-only env)
//   read_only         a write through a read-only env, or a PathStore built
//                     on a read-only env that holds no path store yet
//   txn_finished      use of a committed or aborted Batch
// A failed operation leaves the database as it was before it. Inside a
// Batch, argument errors are found before anything is written; after an
// engine error (no_space, map_full, io_error) abort the batch.
//
// Thread-safety: every PathStore member function may be called from any
// number of threads at once (each call runs in its own transaction; calls
// that write are serialised by the engine's single writer). A Batch is used
// by one thread at a time. Results are always owned copies: no returned
// value points into the database.
#pragma once

#include <alder/alder.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace alder {

namespace detail {
struct PathStoreImpl;
struct PathBatchImpl;
struct PathSnapshotImpl;
}  // namespace detail

/// What type() reports (HyperBEAM's simple / composite / not_found).
enum class PathType {
  not_found,  ///< no entry, a link to a missing path, or a link cycle
  simple,     ///< a value
  composite,  ///< a group (made by make_group or make_link), or the root
};

/// A path argument: one byte string, or a list of segments joined with '/'.
/// Built implicitly, e.g. store.read("a/b") or store.read({"a", "b"}). It
/// refers to (does not copy) a string argument, so it must not outlive it;
/// a segment list is joined into an owned string. Not copyable.
class PathRef {
 public:
  PathRef(std::string_view path) : view_(path) {}
  PathRef(const char* path) : view_(path) {}
  PathRef(const std::string& path) : view_(path) {}
  PathRef(std::initializer_list<std::string_view> segments);
  PathRef(std::span<const std::string> segments);
  PathRef(const std::vector<std::string>& segments)
      : PathRef(std::span<const std::string>(segments)) {}
  PathRef(const PathRef&) = delete;
  PathRef& operator=(const PathRef&) = delete;

  /// The path as given (segments joined with '/'), not yet normalised.
  std::string_view str() const { return view_; }

 private:
  std::string owned_;
  std::string_view view_;
};

/// Options for PathStore. Sizes in entries / hops.
struct PathStoreOptions {
  /// Capacity of the resolution cache (normalised path -> resolved path), in
  /// entries, least recently used evicted first. 0 disables the cache.
  std::size_t resolve_cache_entries = 4096;
  /// Most link hops one resolution may take before it is treated as a cycle
  /// (1 to 4096).
  std::uint32_t max_link_hops = 64;
};

/// One page of a paged listing.
struct ListPage {
  std::vector<std::string> names;  ///< child names, in the page's direction
  bool more = false;  ///< more children follow in that direction
};

/// What is stored at one path itself (PathStore::Snapshot::entry).
struct PathEntry {
  enum class Kind { value, group, link };
  Kind kind = Kind::value;
  std::string data;  ///< the value, or the link's normalised target; empty for a group
};

/// Counters of the resolution cache since the PathStore was built.
struct ResolveCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t invalidations = 0;  ///< times the cache was emptied by a link change
  std::size_t entries = 0;          ///< entries held now
};

/// The hierarchical path store. Move-only. The Env must outlive it.
class PathStore {
 public:
  class Batch;
  class Snapshot;

  /// Opens (creating, in one write txn, when the env is writable) the
  /// store's named dbs "path_store.tree", "path_store.links" and
  /// "path_store.meta" in env (layout 2, docs/PATH_STORE.md). A store of
  /// layout 1 (alder 0.1 before layout 2: "path_store.entries" and
  /// "path_store.children") is converted in that one write txn, all or
  /// nothing. Several PathStores may share one Env (each has its own cache;
  /// they stay coherent). Throws invalid_argument (bad options),
  /// version_mismatch (a layout this build does not know, or a layout-1
  /// store in a read-only env, which cannot be converted: open it writable
  /// once), read_only (read-only env without a store), corrupted (a
  /// layout-1 entry that cannot be converted; the file is left as it was),
  /// and the engine's open_db/put/commit errors.
  explicit PathStore(Env& env, const PathStoreOptions& options = {});
  PathStore(PathStore&&) noexcept;
  PathStore& operator=(PathStore&&) noexcept;
  ~PathStore();

  /// Longest normalised path accepted, in bytes:
  /// (env.max_key_size() - 2) / 2, i.e. 657 with 4 KiB pages.
  std::size_t max_path_size() const;

  // ----------------------------------------------------------------- writes
  // Each runs in its own write txn and is committed (with the env's
  // Durability) before it returns, so the next read in this process sees it.

  /// Stores value at path (replacing a value, group or link there). Does not
  /// create parent groups. Throws invalid_argument for the root.
  void write(const PathRef& path, std::string_view value);
  /// Makes path a group. A no-op when it is already one; replaces a value or
  /// a link. Does not create parent groups. Throws invalid_argument for the
  /// root.
  void make_group(const PathRef& path);
  /// Makes new_path a link to existing (stored normalised, not resolved:
  /// relinking a prefix of existing later changes what the link reaches).
  /// existing need not exist. Creates missing parent groups of new_path.
  /// Replaces a value, group or link at new_path. Throws invalid_argument if
  /// either path is the root.
  void make_link(const PathRef& existing, const PathRef& new_path);

  // ------------------------------------------------------------------ reads
  // Each runs in its own read txn (one snapshot).

  /// The value reached by resolving path, or nullopt when that is a group,
  /// missing, or a cycle.
  std::optional<std::string> read(const PathRef& path);
  /// read() without the copy: calls `sink` with a view of the value, valid
  /// only during the call (it points into the read txn's snapshot), and
  /// returns true; returns false without calling it when read() would give
  /// nullopt. For bindings that copy the value into their own buffer once
  /// (the Erlang NIF). `sink` must not call this PathStore. Errors as read().
  bool read_with(const PathRef& path, const std::function<void(std::string_view)>& sink);
  /// Values of many paths read under one snapshot; result[i] answers paths[i].
  std::vector<std::optional<std::string>> read_many(std::span<const std::string_view> paths);
  std::vector<std::optional<std::string>> read_many(const std::vector<std::string>& paths);
  /// Kind of what path resolves to; see PathType. A path that only has
  /// children written below it (write does not create parent groups) and no
  /// entry of its own is not_found, although list() lists its children.
  PathType type(const PathRef& path);
  /// The resolved path (normalised, "" for the root): path itself, normalised,
  /// when no prefix is a link; nullopt for a cycle.
  std::optional<std::string> resolve(const PathRef& path);
  /// Names of the immediate children of what path resolves to, each once,
  /// sorted bytewise. An empty group (or the root of an empty store) gives
  /// an empty list; nullopt when the resolved path is a cycle, or is neither
  /// a group nor has children (missing, or a value). Costs one seek and a
  /// cursor step per child, plus one seek per child that has entries below
  /// it (a skip-scan of the tree: docs/PATH_STORE.md, "Layout").
  std::optional<std::vector<std::string>> list(const PathRef& path);
  /// Paged list(): at most limit names. Forward: names > from, ascending;
  /// reverse: names < from, descending; an empty from starts at the first
  /// (forward) or last (reverse) child. Continue with from = the last name
  /// of the previous page while `more`. nullopt as for list(). Costs as
  /// list() for `limit` names plus one seek. Throws invalid_argument for
  /// limit 0, or a `from` holding '/' or NUL.
  std::optional<ListPage> list(const PathRef& path, std::string_view from, std::size_t limit,
                               Direction direction = Direction::forward);
  /// The ids X (non-root paths, sorted, unique) such that for every
  /// (key, target) pair X/key is stored as a link whose target is exactly
  /// target (both normalised; links compared as written, not resolved).
  /// Answered from the link index: one prefix scan for the first pair, then
  /// one lookup per candidate and further pair. Throws invalid_argument for
  /// no pairs or an empty key.
  std::vector<std::string> match(const std::vector<std::pair<std::string, std::string>>& pairs);

  // ---------------------------------------------------------------- batches

  /// Opens a batch: a write txn whose writes commit together (commit_batch)
  /// or not at all. Waits while another write is running. The Batch's reads
  /// see its own writes. While it is open, writes of other threads wait, and
  /// write methods of this PathStore called from the batch's thread throw
  /// busy (use the Batch instead).
  Batch begin_batch();
  /// begin_batch() without the wait: nullopt when another write txn of
  /// the env is running (Env::try_begin_write). For a caller that must not
  /// block (the Erlang binding's normal schedulers). Throws as
  /// begin_batch().
  std::optional<Batch> try_begin_batch();
  /// Commits b atomically; same as b.commit().
  void commit_batch(Batch& b);

  // -------------------------------------------------------------- snapshots

  /// A read txn on the latest commit, kept open for many reads (see
  /// Snapshot). Never blocks. Throws env_closed.
  Snapshot snapshot();

  /// Cache counters (for tests and tuning).
  ResolveCacheStats cache_stats() const;

  /// Joins segments with '/' (no normalisation).
  static std::string join(std::span<const std::string_view> segments);
  /// The normalised form of path (see "Paths" above). Throws invalid_argument
  /// for a NUL byte.
  static std::string normalise(std::string_view path);

 private:
  std::unique_ptr<detail::PathStoreImpl> impl_;
};

/// A group of writes that commit atomically. Move-only; destroying an open
/// Batch aborts it. Every call after commit()/abort() throws txn_finished.
/// The PathStore must outlive it. One thread at a time.
class PathStore::Batch {
 public:
  Batch(Batch&&) noexcept;
  Batch& operator=(Batch&&) noexcept;
  ~Batch();

  void write(const PathRef& path, std::string_view value);  ///< as PathStore::write
  void make_group(const PathRef& path);                      ///< as PathStore::make_group
  void make_link(const PathRef& existing, const PathRef& new_path);  ///< as PathStore::make_link
  std::optional<std::string> read(const PathRef& path);      ///< sees this batch's writes
  PathType type(const PathRef& path);                        ///< sees this batch's writes
  std::optional<std::string> resolve(const PathRef& path);   ///< sees this batch's writes
  std::optional<std::vector<std::string>> list(const PathRef& path);  ///< sees this batch's writes

  /// Commits every write of the batch at once (env's Durability). On
  /// failure nothing of the batch is applied, and the Batch is finished.
  void commit();
  /// commit() with flags (Txn::commit(CommitFlags)): with
  /// CommitFlags::no_wait it returns once the batch is the base of the
  /// next write, before it is durable; Env::wait_durable(id) waits. Returns
  /// the commit's txn id.
  std::uint64_t commit(CommitFlags flags);
  /// Discards the batch. Never throws.
  void abort() noexcept;
  /// Still open (neither committed nor aborted).
  bool open() const noexcept;
  /// Whether write() of a value of `value_bytes` bytes surely does no
  /// file I/O in this batch now: its txn's Txn::write_room() holds the
  /// value's pages plus, for six tree updates (a store write makes at most
  /// four: entry, link index, link generation), a copy and a split
  /// per level of the deepest of the store's trees and a new root. For a
  /// caller that must not block (the Erlang binding's normal schedulers).
  /// Throws txn_finished when the batch is finished.
  bool write_fits(std::size_t value_bytes);
  /// Whether commit() would wait for the disk (an fdatasync):
  /// Txn::commit_needs_sync() of the batch's txn. Conservative: false
  /// means it surely does not. Throws txn_finished when the batch is
  /// finished.
  bool commit_needs_sync();
  /// Grows the file so that write_fits(value_bytes) holds, as far as
  /// max_size and the dirty-page bound allow (Txn::reserve_room), and
  /// returns write_fits(value_bytes). May wait for the file system. Throws
  /// txn_finished, and no_space / io_error when the growth fails.
  bool make_room(std::size_t value_bytes);

 private:
  friend class PathStore;
  explicit Batch(std::unique_ptr<detail::PathBatchImpl> impl);
  std::unique_ptr<detail::PathBatchImpl> impl_;
};

/// Reads of one committed state: a read txn kept open across calls, so a
/// caller making many small reads pays for the txn once (the Erlang NIF
/// keeps one per scheduler and renews it after a commit). Reads answer as
/// the PathStore's and see no commit made after snapshot() returned.
/// Move-only; destroying it (or end()) ends the txn. Must not outlive the
/// PathStore or its Env, and must be ended before Env::close (which throws
/// busy while it is live). Use from one thread at a time (any thread).
/// A live snapshot keeps the pages of its state from being reused, so the
/// file grows while writes go on: renew or end snapshots promptly.
/// Every call after end() throws txn_finished.
class PathStore::Snapshot {
 public:
  Snapshot(Snapshot&&) noexcept;
  Snapshot& operator=(Snapshot&&) noexcept;
  ~Snapshot();

  /// Id of the commit this snapshot sees (Txn::id()).
  std::uint64_t id() const;
  /// As PathStore::read_with; the view is valid during the call to `sink`
  /// (in fact until end(), but do not rely on that).
  bool read_with(const PathRef& path, const std::function<void(std::string_view)>& sink);
  std::optional<std::string> read(const PathRef& path);     ///< as PathStore::read
  PathType type(const PathRef& path);                       ///< as PathStore::type
  std::optional<std::string> resolve(const PathRef& path);  ///< as PathStore::resolve
  std::optional<std::vector<std::string>> list(const PathRef& path);  ///< as PathStore::list
  /// As the paged PathStore::list.
  std::optional<ListPage> list(const PathRef& path, std::string_view from, std::size_t limit,
                               Direction direction = Direction::forward);
  /// The entry stored at path taken literally: no link is followed, in a
  /// prefix or at the last segment (POSIX lstat + readlink). nullopt when
  /// nothing is stored there: also for the root, and for a path that only
  /// has entries below it. For tools that copy a store entry by entry
  /// (`alder export-hyperbeam`). Errors as read (invalid_argument for a
  /// NUL byte, key_too_large).
  std::optional<PathEntry> entry(const PathRef& path);
  /// Ends the txn. Never throws; idempotent.
  void end() noexcept;
  /// Not yet ended.
  bool live() const noexcept;

 private:
  friend class PathStore;
  explicit Snapshot(std::unique_ptr<detail::PathSnapshotImpl> impl);
  std::unique_ptr<detail::PathSnapshotImpl> impl_;
};

}  // namespace alder
