#include "txn/txn.h"

#include <algorithm>
#include <cstring>

#include "btree/cursor.h"
#include "page/node.h"
#include "page/records.h"
#include "txn/page_writer.h"
#include "util/check.h"

namespace alder::txn {

void Txn::init_pager() {
  pager_.page_size = env_.page_size;
  pager_.map = env_.map.data();
  pager_.verify_checksums = env_.verify_checksums;
}

Txn::Txn(EnvState& env, bool with_inline) : env_(env), write_(false), with_inline_(with_inline) {
  init_pager();
  take_snapshot(/*renew=*/false);
  env.live_txns.fetch_add(1);
}

void Txn::take_snapshot(bool renew) {
  EnvState& env = env_;
  if (env.read_only && env.shared) {
    // Another process may be writing: take the newest commit per the lock
    // file and register it there (shared_readers.h has the protocol).
    meta_ = env.newest_shared();
    if (renew)
      env.shared->update(reader_slot_, meta_.txnid);
    else
      reader_slot_ = env.shared->acquire(meta_.txnid);
    for (;;) {
      Meta now = env.newest_shared();
      if (now.txnid == meta_.txnid) {
        if (!with_inline_) break;
        // newest_shared() published it; a concurrent call may publish a
        // newer one, and then the next round registers that.
        EnvState::Published p = env.published();
        if (p.meta.txnid == meta_.txnid) {
          inline_words_ = std::move(p.inline_words);
          break;
        }
        now = p.meta;
      }
      meta_ = now;
      env.shared->update(reader_slot_, meta_.txnid);
    }
  } else {
    // Register the snapshot, then make sure it is still the newest one (see
    // reader_table.h for why this closes the race with the writer).
    // with_inline: the meta and its words from one published pair (under
    // a mutex, which plain readers skip: they take the seqlock's copy).
    auto take = [&] {
      if (!with_inline_) return env.snapshot.load();
      EnvState::Published p = env.published();
      inline_words_ = std::move(p.inline_words);
      return p.meta;
    };
    meta_ = take();
    if (renew)
      env.readers.update(reader_slot_, meta_.txnid);
    else
      reader_slot_ = env.readers.acquire(meta_.txnid);
    while (env.current_txnid.load() != meta_.txnid) {
      meta_ = take();
      env.readers.update(reader_slot_, meta_.txnid);
    }
  }
  id_ = meta_.txnid;
  pager_.map_pages = meta_.npages;
}

void Txn::reset() {
  if (write_) throw Error(ErrorCode::invalid_argument, "reset: only a read txn can be reset");
  if (finished_) throw Error(ErrorCode::txn_finished, "transaction already finished");
  if (reset_) return;
  if (env_.read_only && env_.shared)
    env_.shared->park(reader_slot_);
  else
    env_.readers.park(reader_slot_);
  reset_ = true;
  inline_words_.reset();
}

void Txn::renew() {
  if (write_) throw Error(ErrorCode::invalid_argument, "renew: only a read txn can be renewed");
  if (finished_) throw Error(ErrorCode::txn_finished, "transaction already finished");
  if (env_.closed.load()) throw Error(ErrorCode::env_closed, "env is closed");
  if (!reset_) reset();
  take_snapshot(/*renew=*/true);
  for (DbState& d : dbs_) d = DbState{};  // tree refs of the old snapshot (addresses stay)
  reset_ = false;
  snap_gen_++;
}

Txn::Txn(EnvState& env, Writer::Guard writer) : env_(env), write_(true) {
  writer_.emplace(std::move(writer));
  WriterState& w = **writer_;
  init_pager();
  meta_ = w.last;
  id_ = meta_.txnid + 1;
  pager_.map_pages = meta_.npages;
  pager_.txnid = id_;
  pager_.dirty = w.dirty.get();
  pager_.dirty_from = w.carried_from ? w.carried_from : id_;
  if (env.durability == Durability::sync) w.dirty->begin_txn();
  // Trees no page reuse may touch: the readers' snapshots, the durable
  // commit (FreeSpace's rule (b)) and the one a group sync is making
  // durable, which counts as a reader (src/txn/group_commit.h).
  const GroupCommit::State sync = env.group.state();
  std::vector<uint64_t> pinned = env.reader_snapshots();
  if (sync.in_flight) pinned.insert(std::upper_bound(pinned.begin(), pinned.end(), sync.in_flight), sync.in_flight);
  free_ = w.free_space.get();
  free_->begin(pager_, meta_.free, [&env, &w](uint64_t pages) { ensure_pages(env, w, pages); },
               meta_.npages, env.max_pages, sync.durable, pinned, w.last_inline);
  pager_.alloc = free_;
  env.live_txns.fetch_add(1);
}

Txn::~Txn() { abort(); }

void Txn::check_usable() const {
  if (finished_) throw Error(ErrorCode::txn_finished, "transaction already finished");
  if (reset_) throw Error(ErrorCode::txn_finished, "read txn was reset: renew() it first");
  if (broken_)
    throw Error(ErrorCode::bad_txn, "an earlier write of this transaction failed midway; abort it");
  if (env_.closed.load()) throw Error(ErrorCode::env_closed, "env is closed");
}

void Txn::check_writable() const {
  check_usable();
  if (!write_) throw Error(ErrorCode::read_only, "write in a read-only transaction");
}

void Txn::check_key(std::string_view key) const {
  if (key.empty()) throw Error(ErrorCode::empty_key, "empty key");
  if (key.size() > page::max_key(env_.page_size))
    throw Error(ErrorCode::key_too_large,
                "key of " + std::to_string(key.size()) + " bytes exceeds the maximum of " +
                    std::to_string(page::max_key(env_.page_size)));
}

std::optional<page::TreeRef> Txn::catalog_lookup(std::string_view name) {
  auto v = btree::Tree(pager_, meta_.catalog).get(name);
  if (!v) return std::nullopt;
  page::TreeRef r;
  if (!page::decode_catalog_value(*v, &r))
    btree::throw_corrupted(meta_.catalog.root, "malformed catalog record");
  return r;
}

page::TreeRef* Txn::tree_ref(Dbi dbi) {
  if (dbi == kMainDbi) return &meta_.main;
  // A db this txn already reached: no lock, no copy of its name (a dbi,
  // once opened, names the same db for the env's life).
  if (dbi <= dbs_.size() && dbs_[dbi - 1].loaded && dbs_[dbi - 1].exists) return &dbs_[dbi - 1].ref;
  std::string name;
  {
    std::lock_guard lk(env_.dbi_mu);
    if (dbi >= env_.dbi_names.size())
      throw Error(ErrorCode::bad_dbi, "dbi " + std::to_string(dbi) + " was never opened");
    name = env_.dbi_names[dbi];
  }
  while (dbs_.size() < dbi) dbs_.emplace_back();
  DbState& s = dbs_[dbi - 1];
  if (!s.loaded) {
    auto r = catalog_lookup(name);
    s.loaded = true;
    s.exists = r.has_value();
    if (r) s.ref = *r;
  }
  if (!s.exists) throw Error(ErrorCode::unknown_db, "db '" + name + "' does not exist");
  return &s.ref;
}

Dbi Txn::open_db(std::string_view name, bool create) {
  check_usable();
  if (name.empty()) return kMainDbi;
  if (name.size() > 511)
    throw Error(ErrorCode::invalid_argument, "db name longer than 511 bytes");
  auto found = catalog_lookup(name);
  if (!found) {
    if (!create) throw Error(ErrorCode::unknown_db, "db '" + std::string(name) + "' does not exist");
    check_writable();
    if (meta_.catalog.entries >= env_.max_dbs)
      throw Error(ErrorCode::dbs_full, "max_dbs (" + std::to_string(env_.max_dbs) + ") reached");
  }
  Dbi dbi;
  {
    std::lock_guard lk(env_.dbi_mu);
    auto& names = env_.dbi_names;
    auto it = std::find(names.begin() + 1, names.end(), name);
    if (it == names.end()) {
      if (names.size() > size_t(env_.max_dbs) * 4 + 64)
        throw Error(ErrorCode::dbs_full, "too many distinct db names opened in this env");
      names.emplace_back(name);
      it = names.end() - 1;
    }
    dbi = Dbi(it - names.begin());
  }
  while (dbs_.size() < dbi) dbs_.emplace_back();
  DbState& s = dbs_[dbi - 1];
  s.loaded = true;
  s.exists = true;
  if (found) {
    if (!s.dirty) s.ref = *found;
  } else {
    s.ref = page::TreeRef{};
    s.dirty = true;
    gen_++;
    guarded([&] {
      return btree::Tree(pager_, meta_.catalog)
                 .put(name, page::catalog_value(s.ref), false, false) !=
             btree::Tree::Put::kept;
    });
  }
  return dbi;
}

std::vector<std::string> Txn::list_dbs() {
  check_usable();
  std::vector<std::string> out;
  btree::TreeCursor c(pager_, meta_.catalog);
  for (bool ok = c.first(); ok; ok = c.next()) out.emplace_back(c.key());
  return out;
}

void Txn::drop_db(Dbi dbi, bool delete_db) {
  check_writable();
  if (dbi == kMainDbi && delete_db)
    throw Error(ErrorCode::invalid_argument, "the main db cannot be deleted, only cleared");
  page::TreeRef* r = tree_ref(dbi);
  gen_++;
  guarded([&] {
    btree::Tree(pager_, *r).clear();
    spill_if_needed();
    return true;
  });
  if (dbi == kMainDbi) return;
  DbState& s = dbs_[dbi - 1];
  if (delete_db) {
    std::string name;
    {
      std::lock_guard lk(env_.dbi_mu);
      name = env_.dbi_names[dbi];
    }
    guarded([&] { return btree::Tree(pager_, meta_.catalog).del(name); });
    s.exists = false;
    s.dirty = false;
  } else {
    s.dirty = true;
  }
}

DbStat db_stat_of(const page::TreeRef& r, uint32_t page_size) {
  DbStat st;
  st.page_size = page_size;
  st.depth = r.depth;
  st.branch_pages = r.branch_pages;
  st.leaf_pages = r.leaf_pages;
  st.overflow_pages = r.overflow_pages;
  st.entries = r.entries;
  return st;
}

DbStat Txn::db_stat(Dbi dbi) {
  check_usable();
  return db_stat_of(*tree_ref(dbi), env_.page_size);
}

std::optional<std::string_view> Txn::get(Dbi dbi, std::string_view key) {
  check_usable();
  check_key(key);
  return btree::Tree(pager_, *tree_ref(dbi)).get(key);
}

bool Txn::put(Dbi dbi, std::string_view key, std::string_view value, bool no_overwrite,
              bool append) {
  check_writable();
  check_key(key);
  if (value.size() > kMaxValueSize)
    throw Error(ErrorCode::value_too_large,
                "value of " + std::to_string(value.size()) + " bytes exceeds the maximum");
  page::TreeRef* r = tree_ref(dbi);
  if (dbi != kMainDbi) dbs_[dbi - 1].dirty = true;
  gen_++;
  return guarded([&] {
    bool changed = btree::Tree(pager_, *r).put(key, value, no_overwrite, append) !=
                   btree::Tree::Put::kept;
    spill_if_needed();
    return changed;
  });
}

bool Txn::del(Dbi dbi, std::string_view key) {
  check_writable();
  check_key(key);
  page::TreeRef* r = tree_ref(dbi);
  if (dbi != kMainDbi) dbs_[dbi - 1].dirty = true;
  gen_++;
  return guarded([&] {
    bool found = btree::Tree(pager_, *r).del(key);
    spill_if_needed();
    return found;
  });
}

void Txn::spill_if_needed() {
  ALDER_DCHECK(write_ && pager_.dirty);
  if (pager_.dirty->bytes() <= env_.spill_bytes) return;
  write_dirty_pages(env_.file, *pager_.dirty, env_.page_size, &written_);
  pager_.dirty->clear();
}

void Txn::commit(bool wait) {
  if (broken_ && !finished_) {
    abort();
    throw Error(ErrorCode::bad_txn, "a write of this transaction failed midway; it was aborted");
  }
  check_usable();
  if (!write_ || gen_ == 0) {
    finish();
    return;
  }
  if (env_.writer.failed.load()) {
    abort();
    throw Error(ErrorCode::env_failed, "an earlier write failed; reopen the env");
  }
  try {
    btree::Tree catalog(pager_, meta_.catalog);
    for (size_t i = 0; i < dbs_.size(); i++) {
      DbState& s = dbs_[i];
      if (!s.dirty || !s.exists) continue;
      btree::Tree(pager_, s.ref).finalize();
      std::string name;
      {
        std::lock_guard lk(env_.dbi_mu);
        name = env_.dbi_names[i + 1];
      }
      catalog.put(name, page::catalog_value(s.ref), false, false);
    }
    btree::Tree(pager_, meta_.main).finalize();
    meta_.free_pages = free_->save(id_, meta_.free_pages, &inline_free_);
    btree::Tree(pager_, meta_.free).finalize();
    catalog.finalize();
    meta_.npages = free_->npages();
    meta_.txnid = id_;
    // Nothing a snapshot can see changes until the meta is written: a
    // failure up to here aborts the txn and leaves the env as it was.
    if (env_.durability != Durability::sync)
      write_dirty_pages(env_.file, *pager_.dirty, env_.page_size, &written_);
  } catch (...) {
    abort();
    throw;
  }
  if (env_.durability == Durability::sync) {
    // Group commit (src/txn/group_commit.h): the txn becomes the chain's
    // head in memory, its pages stay in the writer's buffers (the group's
    // flush writes them, with the pages of the txns after it that change
    // them in place), the writer lock goes to the next writer, and a sync
    // shared with the txns committed meanwhile makes it durable.
    WriterState& w = **writer_;
    w.last = meta_;
    w.last_inline = std::move(inline_free_);
    pager_.dirty->commit_txn();
    if (!w.carried_from) w.carried_from = id_;
    committed_ = true;
    env_.group.committed(id_);
    // The txn ends (the writer lock goes to the next writer) but stays
    // counted as live until the wait is over: it still uses the env.
    env_.live_txns.fetch_add(1);
    finish();
    struct Live {
      EnvState& env;
      ~Live() { env.live_txns.fetch_sub(1); }
    } live{env_};
    if (wait)
      env_.group.wait(env_, id_);
    else
      env_.group.kick(env_);
    return;
  }
  try {
    commit_meta(env_, **writer_, meta_, std::move(inline_free_), free_->held_by_sync(), written_);
  } catch (const Error& e) {
    env_.writer.failed.store(true);
    abort();
    throw Error(e.code() == ErrorCode::no_space ? ErrorCode::no_space : ErrorCode::env_failed,
                std::string("commit failed while writing the meta page or syncing; "
                            "reopen the env: ") + e.what());
  }
  finish();
}

void Txn::abort() noexcept { finish(); }

void Txn::finish() noexcept {
  if (finished_) return;
  finished_ = true;
  if (write_) {
    if (free_) free_->end();  // keeps the freelist hint: still under the writer lock
    free_ = nullptr;
    if (env_.durability != Durability::sync)
      pager_.dirty->clear();
    else if (!committed_)
      pager_.dirty->abort_txn();  // the chain's carried pages as they were
    writer_.reset();  // releases the writer lock
  } else if (env_.read_only && env_.shared) {
    env_.shared->release(reader_slot_);
  } else {
    env_.readers.release(reader_slot_);
  }
  env_.live_txns.fetch_sub(1);
}

}  // namespace alder::txn
