// A transaction: a read snapshot or the single writer, and the commit
// protocol (commit()).
//
// The commit protocol (one fdatasync per durable commit) is written down in
// src/txn/writer.h: commit() does its steps 1-3 (seal, save the free space,
// write the pages) and commit_meta() steps 4-6 (meta, sync, publish). A
// failure in 1-3 aborts the txn and leaves the env as it was (pages were
// written only where no snapshot looks). A failure in 4-5 marks the env
// failed: what reached the disk is unknown, so further writes are refused
// until the env is reopened and recovered. With Durability::sync the page
// writes and steps 4-6 belong to the group's flush (src/txn/group_commit.h).
#pragma once

#include <forward_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "btree/tree.h"
#include "compress/codec.h"
#include "txn/env_state.h"
#include "txn/freelist.h"
#include "txn/page_writer.h"

namespace alder::txn {

/// The public figures of a tree.
DbStat db_stat_of(const page::TreeRef& r, uint32_t page_size);

class Txn {
 public:
  /// Begins a read txn. One made with_inline also holds its snapshot's
  /// inline freelist words (inline_words()), taken with the meta from one
  /// EnvState::Published.
  explicit Txn(EnvState& env, bool with_inline = false);
  /// Begins the write txn; it holds `writer` (the writer lock) until it
  /// ends.
  Txn(EnvState& env, Writer::Guard writer);
  ~Txn();
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  bool read_only() const { return !write_; }
  /// alder::Txn::write_room(): bytes of pages this write txn can dirty
  /// before a write spills or grows the file; 0 for read txns.
  uint64_t write_room() const;
  /// alder::Txn::commit_needs_sync(): whether commit() may fdatasync
  /// (conservative; false for read txns and txns that wrote nothing).
  bool commit_needs_sync() const;
  /// alder::Txn::reserve_room(): grows the file so write_room() covers
  /// `bytes` where max_size allows; returns write_room(). Write txns.
  uint64_t reserve_room(uint64_t bytes);
  bool finished() const { return finished_; }
  uint64_t id() const { return id_; }
  /// Bumped by every write; cursors re-seek when it changed.
  uint64_t write_gen() const { return gen_; }
  const btree::Pager& pager() const { return pager_; }
  /// The meta this txn started from (a write txn's working copy).
  const Meta& meta() const { return meta_; }
  /// The snapshot's inline freelist words: read txns made with_inline only.
  const std::vector<uint64_t>& inline_words() const { return *inline_words_; }
  EnvState& env() { return env_; }

  /// Throws txn_finished / env_closed if the txn cannot be used.
  void check_usable() const;
  void check_writable() const;
  void check_key(std::string_view key) const;

  /// opts: DbOptions of Txn::open_db (nullptr: none given).
  Dbi open_db(std::string_view name, bool create, const DbOptions* opts = nullptr);
  std::vector<std::string> list_dbs();
  void drop_db(Dbi dbi, bool delete_db);
  DbStat db_stat(Dbi dbi);

  /// The tree of a db as this txn sees it (stable address for the txn's
  /// life). Throws bad_dbi / unknown_db.
  page::TreeRef* tree_ref(Dbi dbi);

  /// A compressed value is decompressed into memory the txn owns until it
  /// ends or is reset.
  std::optional<std::string_view> get(Dbi dbi, std::string_view key);
  /// The db's codec; nullptr when it stores values raw.
  const compress::Codec* codec(Dbi dbi);
  /// Decompresses a stored compressed value of db dbi into *out; throws
  /// corrupted (naming the db) when it does not decode.
  void decompress(Dbi dbi, std::string_view stored, std::string* out);
  /// See alder::Txn::db_space / db_options.
  DbSpace db_space(Dbi dbi);
  DbOptions db_options(Dbi dbi);
  bool put(Dbi dbi, std::string_view key, std::string_view value, bool no_overwrite,
           bool append);
  bool del(Dbi dbi, std::string_view key);

  /// Write txns: gathers every reusable free page and moves up to about
  /// `budget` pages from the end of the file to free pages nearer its
  /// front, in every tree and dictionary run (src/txn/shrink.h); the
  /// commit then trims the free end. Returns the pages moved. Throws as a
  /// write (the txn is then broken).
  /// gather: load every reusable free page first (the cut is then exact);
  /// otherwise the cut is estimated from the meta's free-page count and
  /// only a few freelist records are loaded.
  uint64_t shrink(uint64_t budget, bool gather);

  /// Commits. wait = false (Durability::sync only): returns once the
  /// commit is the writer chain's head, before it is durable; the env's
  /// GroupCommit makes it durable in the background (wait for it with
  /// GroupCommit::wait). Every other mode ignores `wait`.
  void commit(bool wait = true);
  void abort() noexcept;
  /// Read txns: ends the snapshot but keeps the reader slot (LMDB's
  /// mdb_txn_reset); every use but renew()/abort() then throws
  /// txn_finished. renew() takes the newest commit as the new snapshot
  /// (mdb_txn_renew). Throws invalid_argument for a write txn.
  void reset();
  void renew();
  bool is_reset() const { return reset_; }
  /// Bumped by renew(): cursors of an older snapshot refuse to move.
  uint64_t snapshot_gen() const { return snap_gen_; }

 private:
  struct DbState {
    bool loaded = false;
    bool exists = false;
    bool dirty = false;
    page::TreeRef ref;
    page::DbCompression comp;                      // from the catalog record
    std::shared_ptr<const compress::Codec> codec;  // loaded on first use
  };
  /// The catalog record of a named db (or kMainCompressionKey).
  using CatalogRecord = CatalogCache::Record;
  void init_pager();  // the fields every txn's pager shares
  /// The state of named db `dbi` (> 0), its slot made if this txn has none.
  DbState& db_state(Dbi dbi);
  /// Read txns: registers the newest commit as the snapshot (renew: in the
  /// slot already held).
  void take_snapshot(bool renew);
  std::optional<CatalogRecord> catalog_lookup(std::string_view name);
  /// The main db's compression record (catalog key ""), loaded once.
  DbState& main_state();
  /// DbOptions as a catalog record's settings; throws invalid_argument.
  static page::DbCompression settings_of(const DbOptions& o);
  /// Throws invalid_argument unless the db's settings `have` (dictionary
  /// run `have.dict`) are what `o` asks.
  void check_same(std::string_view name, const page::DbCompression& have, const DbOptions& o);
  /// Gives the main db the compression `o` (open_db("", ..., opts)).
  void set_main_compression(const DbOptions& o);
  std::string db_name(Dbi dbi);
  /// After a write: spills the dirty pages when they pass spill_bytes.
  void spill_if_needed();
  /// What this commit does to shrink the file (src/txn/shrink.h).
  ShrinkStep shrink_step(const WriterState& w) const;
  /// Moves db state `s`'s dictionary run when it lies at or above cut.
  uint64_t relocate_dict(page::DbCompression& comp, uint64_t cut);
  void finish() noexcept;
  /// Runs a tree write; if it throws anything but append_order (which is
  /// raised before any change), the txn is broken (bad_txn).
  template <class F>
  bool guarded(F&& f) {
    try {
      return f();
    } catch (const Error& e) {
      if (e.code() != ErrorCode::append_order) broken_ = true;
      throw;
    } catch (...) {
      broken_ = true;
      throw;
    }
  }

  EnvState& env_;
  bool write_;
  bool finished_ = false;
  bool broken_ = false;  // a write failed midway: only abort is left
  bool committed_ = false;  // a sync-mode commit handed its pages to the chain
  bool with_inline_ = false;  // read txns: keep the snapshot's inline freelist words
  bool reset_ = false;        // read txns: snapshot ended, slot kept (reset())
  uint64_t snap_gen_ = 0;     // renew() count
  uint64_t id_;
  uint64_t gen_ = 0;
  Meta meta_;
  btree::Pager pager_;
  uint32_t reader_slot_ = 0;  // in ReaderTable, or in the lock file (read-only envs)
  std::shared_ptr<const std::vector<uint64_t>> inline_words_;  // with_inline read txns
  // The named dbs' states, index = Dbi - 1, at stable addresses
  // (tree_ref() hands out pointers into them). The first kInline live in
  // the txn itself: a read txn per get of a named db (the path store's
  // pattern) then allocates nothing for it. Not a deque: an empty
  // std::deque allocates (two cost a read txn four mallocs, about 30% of
  // its begin/end).
  class DbStates {
   public:
    size_t size() const { return n_; }
    DbState* operator[](size_t i) { return i < kInline ? &inline_[i] : more_[i - kInline].get(); }
    /// Makes states up to index n - 1.
    void grow_to(size_t n) {
      for (; n_ < n; n_++)
        if (n_ >= kInline) more_.push_back(std::make_unique<DbState>());
    }

   private:
    static constexpr size_t kInline = 4;
    DbState inline_[kInline];
    std::vector<std::unique_ptr<DbState>> more_;
    size_t n_ = 0;
  };
  DbStates dbs_;
  DbState main_;             // the main db's compression (its tree is meta_.main)
  std::forward_list<std::string> values_;  // decompressed values handed out by get() (stable)
  std::string packed_;              // a put's compressed value
  // Writer only.
  std::optional<Writer::Guard> writer_;  // the writer lock, until finish()
  FreeSpace* free_ = nullptr;  // the writer's (WriterState::free_space), between begin() and end()
  std::vector<uint64_t> inline_free_;  // the new meta's inline freelist
  WrittenPages written_;               // spilled and committed pages
};

}  // namespace alder::txn
