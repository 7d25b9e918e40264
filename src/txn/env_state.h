// The parts of an open env that transactions use: the configuration, the
// file and mappings, the published snapshot, the reader tables, and the
// Writer (src/txn/writer.h: the writer lock and the state only its holder
// reaches). src/env builds one at open (after recovery) and owns it.
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
#include "compress/codec.h"
#include "io/file.h"
#include "txn/catalog_cache.h"
#include "txn/freelist.h"
#include "txn/group_commit.h"
#include "txn/shrink.h"
#include "txn/meta.h"
#include "txn/reader_table.h"
#include "txn/shared_readers.h"
#include "txn/writer.h"
#include "util/seqlock.h"

namespace alder::txn {

/// The latest commit's meta, published to readers with a sequence lock
/// (src/util/seqlock.h); a reader retries until it has a whole copy.
class SnapshotCell {
 public:
  void store(const Meta& m);
  Meta load() const;
  /// load() into *out: a read txn's begin takes its snapshot with one copy.
  void load(Meta* out) const;

 private:
  static constexpr size_t kWords = sizeof(Meta) / 8;
  util::SeqWords<kWords> words_;
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
  uint64_t shrink_threshold = 0;  // EnvOptions::shrink_threshold (0: auto)
  /// What the meta slots may name (src/txn/shrink.h): the file is never
  /// cut below it.
  MetaBounds meta_bounds;

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

  /// The writer lock and the writer's state (src/txn/writer.h).
  Writer writer;
  /// Which commit is durable; group commit for Durability::sync
  /// (src/txn/group_commit.h). Declared after `writer`, so it is destroyed
  /// (its background thread joined) first.
  GroupCommit group;

  // Dbi table: names of dbs opened so far; index = Dbi, 0 = main ("").
  std::mutex dbi_mu;
  std::vector<std::string> dbi_names{std::string()};
  /// Value codecs of the dbs, shared by all txns (src/compress/codec.h).
  compress::CodecCache codecs;
  /// Named dbs' catalog records, for read txns (src/txn/catalog_cache.h).
  CatalogCache catalog_cache;

  /// fdatasync of the data file.
  void sync_file();
  /// Publishes a commit to readers: the snapshot cell, the published
  /// pair, current_txnid. Called by the writer (commit_meta), at open, and
  /// by newest_shared().
  void publish(const Meta& m, const std::vector<uint64_t>& inline_free);
  /// Read-only env with a lock file: the meta of the writer's newest
  /// commit (per the lock file), read from the file and published to this
  /// env's snapshot cell. Throws map_full when the file grew past this
  /// env's mapping. Thread-safe.
  Meta newest_shared();
  /// Snapshots the writer must respect: this env's readers and the lock
  /// file's, sorted. Writer only.
  std::vector<uint64_t> reader_snapshots();

  /// The latest commit as one immutable pair: its meta and its inline
  /// freelist words. verify() and copy() need both from the same commit;
  /// readers that need only the meta take `snapshot` (lock-free).
  struct Published {
    Meta meta;
    std::shared_ptr<const std::vector<uint64_t>> inline_words;
  };
  Published published() const;

 private:
  mutable std::mutex published_mu_;
  Published published_;  // guarded by published_mu_
  std::mutex refresh_mu_;  // newest_shared()

 public:
};

}  // namespace alder::txn
