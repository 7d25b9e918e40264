// The parts of an open env that transactions use: the file and mapping, the
// published snapshot, the reader table, the writer lock and the writer-owned
// commit state. src/env builds one at open (after recovery) and owns it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alder/alder.hpp"
#include "btree/pager.h"
#include "io/file.h"
#include "txn/flusher.h"
#include "txn/freelist.h"
#include "txn/meta.h"
#include "txn/reader_table.h"
#include "txn/shared_readers.h"

namespace alder::txn {

/// The latest commit's meta, published to readers with a sequence lock
/// (Boehm, "Can seqlocks get along with programming language memory
/// models?", MSPC 2012): the writer makes the count odd, stores the words,
/// makes it even; a reader retries until it sees the same even count on
/// both sides of its copy. Words are relaxed atomics, so there is no data
/// race for the sanitizers to find.
class SnapshotCell {
 public:
  void store(const Meta& m);
  Meta load() const;

 private:
  static constexpr size_t kWords = sizeof(Meta) / 8;
  std::atomic<uint64_t> seq_{0};
  std::atomic<uint64_t> words_[kWords] = {};
};

struct EnvState {
  explicit EnvState(uint32_t psize) : page_size(psize) {}

  std::string path;
  io::File file;
  io::Mapping map;  // read-only, so a stray pointer cannot write
  /// The two meta pages mapped writable (writable envs only). Used for one
  /// thing: putting a slot's old meta back after a failed sync, with a
  /// store that cannot fail where a failing disk would fail a pwrite.
  /// Never written otherwise, so it costs no faults or writeback work.
  io::Mapping meta_map;
  uint32_t page_size;
  uint64_t max_pages = 0;
  Durability durability = Durability::sync;  // map_async already folded in
  bool read_only = false;
  bool verify_checksums = false;  // EnvOptions::verify_checksums
  uint32_t max_dbs = 0;
  uint64_t autosync_bytes = 0;  // 0: auto (see EnvOptions)
  uint64_t spill_bytes = 0;     // resolved: never 0

  // Readers.
  SnapshotCell snapshot;
  std::atomic<uint64_t> current_txnid{0};
  ReaderTable readers;
  /// The lock file's reader table (nullptr: a read-only env that could not
  /// open one, and so holds a shared flock that keeps writers out). A
  /// read-only env registers its readers there and takes its snapshots
  /// from the file (newest_shared()); the writing env adds them to its own.
  std::unique_ptr<SharedReaders> shared;
  std::atomic<int> live_txns{0};
  std::atomic<bool> closed{false};

  // The writer lock (a flag, so a write txn may finish on another thread).
  std::mutex writer_mu;
  std::condition_variable writer_cv;
  bool writer_active = false;

  // Writer-owned: touched only by the holder of the writer lock.
  Meta last;                 // latest committed meta
  std::vector<uint64_t> last_inline;  // its inline freelist words
  int last_slot = 0;         // meta slot (0 or 1) holding `last`
  uint64_t synced_txnid = 0; // newest meta known durable
  int synced_slot = 0;
  uint64_t held_pages = 0;   // freed since the last sync, still in its tree
  uint64_t file_size = 0;    // bytes
  FreelistHint freelist_hint;
  std::unique_ptr<btree::DirtyPages> dirty;  // the write txn's page buffers (their pool)
  std::unique_ptr<Flusher> flusher;  // no_sync envs: background writeback (txn/flusher.h)
  std::vector<uint8_t> meta_scratch, meta_before;  // the commit's meta page, and the slot's old one
  std::atomic<bool> failed{false};  // a meta write or sync failed

  // Dbi table: names of dbs opened so far; index = Dbi, 0 = main ("").
  std::mutex dbi_mu;
  std::vector<std::string> dbi_names{std::string()};

  void lock_writer();
  bool try_lock_writer();
  void unlock_writer();
  /// Makes every committed page and meta durable; writer lock held.
  void sync_locked();
  /// fdatasync of the data file.
  void sync_file();
  /// Makes the file at least `pages` long, growing in steps of 1/8 of the
  /// file (at least 1 MiB) up to max_size, blocks reserved. Writer only.
  void ensure_pages(uint64_t pages);
  void publish(const Meta& m, std::vector<uint64_t> inline_free, int slot);
  /// Read-only env with a lock file: the meta of the writer's newest
  /// commit (per the lock file), read from the file and published to this
  /// env's snapshot cell. Throws map_full when the file grew past this
  /// env's mapping. Thread-safe.
  Meta newest_shared();
  /// Snapshots the writer must respect: this env's readers and the lock
  /// file's, sorted. Writer only.
  std::vector<uint64_t> reader_snapshots();

  /// The latest meta's inline freelist, for verify() (which runs beside the
  /// writer): check `txnid` against the snapshot's.
  struct PublishedInline {
    uint64_t txnid = 0;
    std::shared_ptr<const std::vector<uint64_t>> words;
  };
  PublishedInline published_inline() const;

 private:
  mutable std::mutex inline_mu_;
  PublishedInline published_inline_;
  std::mutex refresh_mu_;  // newest_shared()

 public:
};

}  // namespace alder::txn
