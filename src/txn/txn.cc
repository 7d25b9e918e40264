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
      if (!with_inline_) return env.snapshot.load(&meta_);
      EnvState::Published p = env.published();
      inline_words_ = std::move(p.inline_words);
      meta_ = p.meta;
    };
    take();
    if (renew)
      env.readers.update(reader_slot_, meta_.txnid);
    else
      reader_slot_ = env.readers.acquire(meta_.txnid);
    while (env.current_txnid.load() != meta_.txnid) {
      take();
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
  values_.clear();
}

void Txn::renew() {
  if (write_) throw Error(ErrorCode::invalid_argument, "renew: only a read txn can be renewed");
  if (finished_) throw Error(ErrorCode::txn_finished, "transaction already finished");
  if (env_.closed.load()) throw Error(ErrorCode::env_closed, "env is closed");
  if (!reset_) reset();
  take_snapshot(/*renew=*/true);
  for (size_t i = 0; i < dbs_.size(); i++) *dbs_[i] = DbState{};  // the old snapshot's (addresses stay)
  main_ = DbState{};
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
  // Shrinking (src/txn/shrink.h): the pages this txn copies go below the
  // estimated cut.
  if (shrink_step(w) != ShrinkStep::none) free_->prefer_below(cut_for(meta_.npages - meta_.free_pages));
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

std::optional<Txn::CatalogRecord> Txn::catalog_lookup(std::string_view name) {
  auto v = btree::Tree(pager_, meta_.catalog).get(name);
  if (!v) return std::nullopt;
  CatalogRecord r;
  if (!page::decode_catalog_value(*v, &r.ref, &r.comp))
    btree::throw_corrupted(meta_.catalog.root, "malformed catalog record");
  return r;
}

Txn::DbState& Txn::db_state(Dbi dbi) {
  dbs_.grow_to(dbi);
  return *dbs_[dbi - 1];
}

page::TreeRef* Txn::tree_ref(Dbi dbi) {
  if (dbi == kMainDbi) return &meta_.main;
  // A db this txn already reached: no lock, no copy of its name (a dbi,
  // once opened, names the same db for the env's life).
  if (dbi <= dbs_.size() && dbs_[dbi - 1]->loaded && dbs_[dbi - 1]->exists) return &dbs_[dbi - 1]->ref;
  // A read txn whose catalog another read txn already looked the db up in
  // (src/txn/catalog_cache.h): no descent, no lock. Only a dbi that was
  // opened is ever cached, so the check below is not skipped for others.
  CatalogRecord cached;
  if (!write_ && env_.catalog_cache.find(dbi, meta_.catalog, &cached)) {
    DbState& s = db_state(dbi);
    s.loaded = s.exists = true;
    s.ref = cached.ref;
    s.comp = cached.comp;
    return &s.ref;
  }
  std::string name;
  {
    std::lock_guard lk(env_.dbi_mu);
    if (dbi >= env_.dbi_names.size())
      throw Error(ErrorCode::bad_dbi, "dbi " + std::to_string(dbi) + " was never opened");
    name = env_.dbi_names[dbi];
  }
  DbState& s = db_state(dbi);
  if (!s.loaded) {
    auto r = catalog_lookup(name);
    s.loaded = true;
    s.exists = r.has_value();
    if (r) {
      s.ref = r->ref;
      s.comp = r->comp;
      if (!write_) env_.catalog_cache.store(dbi, meta_.catalog, *r);
    }
  }
  if (!s.exists) throw Error(ErrorCode::unknown_db, "db '" + name + "' does not exist");
  return &s.ref;
}

Dbi Txn::open_db(std::string_view name, bool create, const DbOptions* opts) {
  check_usable();
  page::DbCompression want;
  if (opts) want = settings_of(*opts);  // bad options: nothing changed
  if (name.empty()) {
    if (opts) set_main_compression(*opts);
    return kMainDbi;
  }
  if (name.size() > 511)
    throw Error(ErrorCode::invalid_argument, "db name longer than 511 bytes");
  if (name == page::kMainCompressionKey)
    throw Error(ErrorCode::invalid_argument,
                "the db name \"\\0\" (one zero byte) is reserved: it holds the main db's compression");
  auto found = catalog_lookup(name);
  if (found && opts) check_same(name, found->comp, *opts);
  if (!found) {
    if (!create) throw Error(ErrorCode::unknown_db, "db '" + std::string(name) + "' does not exist");
    check_writable();
    const uint64_t named = meta_.catalog.entries - (main_state().exists ? 1 : 0);
    if (named >= env_.max_dbs)
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
  DbState& s = db_state(dbi);
  s.loaded = true;
  s.exists = true;
  if (found) {
    if (!s.dirty) {
      s.ref = found->ref;
      s.comp = found->comp;
    }
  } else {
    s.ref = page::TreeRef{};
    s.comp = want;
    s.codec.reset();
    s.dirty = true;
    gen_++;
    guarded([&] {
      if (opts && !opts->dictionary.empty()) s.comp.dict = btree::write_run(pager_, opts->dictionary);
      if (s.comp.codec != page::kCodecNone)
        meta_.version = std::max(meta_.version, kCompressionVersion);
      std::string buf;
      return btree::Tree(pager_, meta_.catalog)
                 .put(name, page::catalog_value(s.ref, s.comp, &buf), false, false) !=
             btree::Tree::Put::kept;
    });
  }
  return dbi;
}

page::DbCompression Txn::settings_of(const DbOptions& o) {
  page::DbCompression c;
  const unsigned codec = unsigned(o.compression);
  if (codec > page::kMaxCodec)
    throw Error(ErrorCode::invalid_argument, "unknown compression codec " + std::to_string(codec));
  c.codec = uint8_t(codec);
  if (c.codec == page::kCodecNone) {
    if (o.level || !o.dictionary.empty())
      throw Error(ErrorCode::invalid_argument,
                  "a level or dictionary needs a compression codec (got none)");
    return c;
  }
  if (o.level < -128 || o.level > 127)
    throw Error(ErrorCode::invalid_argument, "compression level out of range");
  c.level = int8_t(o.level);
  c.min_size = o.min_size;
  compress::check_settings(c, o.dictionary.size());
  return c;
}

void Txn::check_same(std::string_view name, const page::DbCompression& have, const DbOptions& o) {
  const page::DbCompression want = settings_of(o);
  auto differ = [&](const std::string& what) {
    throw Error(ErrorCode::invalid_argument,
                "db '" + std::string(name.empty() ? "(main)" : name) + "' was created with " +
                    compression_name(Compression(have.codec)) + " (level " +
                    std::to_string(have.level) + ", min_size " + std::to_string(have.min_size) +
                    (have.dict.vlen ? ", a dictionary" : "") + "); the options ask " + what +
                    ": compression is chosen when a db is created");
  };
  if (want.codec != have.codec)
    differ(std::string("for ") + compression_name(Compression(want.codec)));
  if (want.codec == page::kCodecNone) return;
  if (want.level != have.level || want.min_size != have.min_size)
    differ("level " + std::to_string(want.level) + ", min_size " + std::to_string(want.min_size));
  if (!o.dictionary.empty() &&
      (!have.dict.vlen || btree::read_run(pager_, have.dict) != std::string_view(o.dictionary)))
    differ("for another dictionary");
}

Txn::DbState& Txn::main_state() {
  if (!main_.loaded) {
    auto r = catalog_lookup(page::kMainCompressionKey);
    main_.loaded = true;
    main_.exists = r.has_value();
    if (r) main_.comp = r->comp;
  }
  return main_;
}

void Txn::set_main_compression(const DbOptions& o) {
  DbState& m = main_state();
  if (m.exists || o.compression == Compression::none) {
    check_same("", m.comp, o);
    return;
  }
  check_writable();
  if (meta_.main.entries)
    throw Error(ErrorCode::invalid_argument,
                "the main db already holds entries stored raw: compression is chosen when a "
                "db is created (while the main db is empty)");
  m.comp = settings_of(o);
  m.exists = true;
  gen_++;
  guarded([&] {
    if (!o.dictionary.empty()) m.comp.dict = btree::write_run(pager_, o.dictionary);
    meta_.version = std::max(meta_.version, kCompressionVersion);
    std::string buf;
    btree::Tree(pager_, meta_.catalog)
        .put(page::kMainCompressionKey, page::catalog_value(page::TreeRef{}, m.comp, &buf), false,
             false);
    return true;
  });
}

std::string Txn::db_name(Dbi dbi) {
  std::lock_guard lk(env_.dbi_mu);
  return dbi < env_.dbi_names.size() ? env_.dbi_names[dbi] : std::string();
}

const compress::Codec* Txn::codec(Dbi dbi) {
  DbState* s;
  if (dbi == kMainDbi) {
    s = &main_state();
  } else {
    tree_ref(dbi);
    s = dbs_[dbi - 1];
  }
  if (s->comp.codec == page::kCodecNone) return nullptr;
  if (!s->codec) {
    try {
      s->codec = env_.codecs.get(s->comp, [&] { return btree::read_run(pager_, s->comp.dict); });
    } catch (const Error& e) {
      if (e.code() != ErrorCode::invalid_argument) throw;
      btree::throw_corrupted(s->comp.dict.pgno, "compression settings or dictionary of db '" +
                                                    db_name(dbi) + "' rejected: " + e.what());
    }
  }
  return s->codec.get();
}

void Txn::decompress(Dbi dbi, std::string_view stored, std::string* out) {
  const compress::Codec* c = codec(dbi);
  if (!c)
    throw Error(ErrorCode::corrupted,
                "corrupted value in db '" + db_name(dbi) + "': flagged compressed in a db stored raw");
  try {
    c->decompress(stored, out);
  } catch (const Error& e) {
    throw Error(ErrorCode::corrupted, "db '" + db_name(dbi) + "': " + e.what());
  }
}

std::vector<std::string> Txn::list_dbs() {
  check_usable();
  std::vector<std::string> out;
  btree::TreeCursor c(pager_, meta_.catalog);
  for (bool ok = c.first(); ok; ok = c.next())
    if (c.key() != page::kMainCompressionKey) out.emplace_back(c.key());
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
  DbState& s = *dbs_[dbi - 1];
  if (delete_db) {
    std::string name;
    {
      std::lock_guard lk(env_.dbi_mu);
      name = env_.dbi_names[dbi];
    }
    guarded([&] {
      if (s.comp.dict.vlen) btree::release_run(pager_, s.comp.dict);
      return btree::Tree(pager_, meta_.catalog).del(name);
    });
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
  std::optional<btree::StoredValue> v = btree::Tree(pager_, *tree_ref(dbi)).find(key);
  if (!v) return std::nullopt;
  if (!v->compressed) return v->bytes;
  std::string out;
  decompress(dbi, v->bytes, &out);
  return values_.emplace_front(std::move(out));
}

DbOptions Txn::db_options(Dbi dbi) {
  check_usable();
  tree_ref(dbi);
  const page::DbCompression& c = dbi == kMainDbi ? main_state().comp : dbs_[dbi - 1]->comp;
  DbOptions o;
  o.compression = Compression(c.codec);
  if (c.codec == page::kCodecNone) return o;
  o.level = c.level;
  o.min_size = c.min_size;
  if (c.dict.vlen) o.dictionary = std::string(btree::read_run(pager_, c.dict));
  return o;
}

DbSpace Txn::db_space(Dbi dbi) {
  check_usable();
  const page::TreeRef& r = *tree_ref(dbi);
  const page::DbCompression& c = dbi == kMainDbi ? main_state().comp : dbs_[dbi - 1]->comp;
  DbSpace sp;
  sp.compression = Compression(c.codec);
  sp.level = c.level;
  sp.min_size = c.min_size;
  sp.dictionary_bytes = c.dict.vlen;
  btree::TreeCursor cur(pager_, r);
  for (bool ok = cur.first(); ok; ok = cur.next()) {
    const btree::StoredValue v = cur.stored();
    sp.entries++;
    sp.stored_value_bytes += v.bytes.size();
    sp.raw_value_bytes += v.compressed ? compress::raw_length(v.bytes) : v.bytes.size();
    sp.compressed_values += v.compressed;
    if (cur.on_overflow()) {
      sp.overflow_values++;
      sp.overflow_slack_bytes +=
          page::overflow_run_pages(v.bytes.size(), env_.page_size) * env_.page_size -
          page::kHeaderSize - v.bytes.size();
    }
  }
  return sp;
}

bool Txn::put(Dbi dbi, std::string_view key, std::string_view value, bool no_overwrite,
              bool append) {
  check_writable();
  check_key(key);
  if (value.size() > kMaxValueSize)
    throw Error(ErrorCode::value_too_large,
                "value of " + std::to_string(value.size()) + " bytes exceeds the maximum");
  page::TreeRef* r = tree_ref(dbi);
  const compress::Codec* c = codec(dbi);
  if (dbi != kMainDbi) dbs_[dbi - 1]->dirty = true;
  gen_++;
  return guarded([&] {
    const bool packed = c && c->compress(value, &packed_);
    bool changed = btree::Tree(pager_, *r).put(key, packed ? std::string_view(packed_) : value,
                                               no_overwrite, append, packed) !=
                   btree::Tree::Put::kept;
    spill_if_needed();
    return changed;
  });
}

bool Txn::del(Dbi dbi, std::string_view key) {
  check_writable();
  check_key(key);
  page::TreeRef* r = tree_ref(dbi);
  if (dbi != kMainDbi) dbs_[dbi - 1]->dirty = true;
  gen_++;
  return guarded([&] {
    bool found = btree::Tree(pager_, *r).del(key);
    spill_if_needed();
    return found;
  });
}

uint64_t Txn::write_room() const {
  check_usable();
  if (!write_) return 0;
  // A spill comes once the dirty bytes pass spill_bytes; growth once the
  // high-water mark passes the file's allocated size (ensure_pages). Free
  // pages reused below the mark need neither, so this is a lower bound.
  const uint64_t dirty = pager_.dirty->bytes();
  const uint64_t spill = env_.spill_bytes > dirty ? env_.spill_bytes - dirty : 0;
  const uint64_t used = free_->npages() * uint64_t(env_.page_size);
  const uint64_t file = (**writer_).file_size;
  return std::min(spill, file > used ? file - used : 0);
}

uint64_t Txn::reserve_room(uint64_t bytes) {
  check_writable();
  const uint64_t pages = (bytes + env_.page_size - 1) / env_.page_size;
  // Grows as a write that needs the pages would (ensure_pages: steps of
  // 1/8 of the file), capped at max_size rather than failing there.
  WriterState& w = **writer_;
  ensure_pages(env_, w, std::min(env_.max_pages, free_->npages() + pages));
  return write_room();
}

bool Txn::commit_needs_sync() const {
  check_usable();
  if (!write_ || gen_ == 0) return false;  // such a commit writes nothing
  if (env_.durability != Durability::no_sync) return true;  // sync, no_meta_sync
  // no_sync: commit_meta() syncs once the held-back pages pass the
  // autosync bound. This commit adds the pages it freed that the synced
  // tree references (those freed so far, held_by_sync()), plus what
  // saving the free space and the catalog then frees: at most a few
  // copies of each tree's path, for which the margin below allows four.
  // A commit that shrinks the file moves pages (freeing more) and may end
  // below either high-water mark the bound is taken from: counted as one
  // that may sync.
  const WriterState& w = **writer_;
  if (shrink_step(w) != ShrinkStep::none) return true;
  const uint64_t margin = 4 * (uint64_t(meta_.free.depth) + meta_.catalog.depth + 4);
  const uint64_t may_hold = w.held_pages + free_->held_by_sync() + margin;
  const uint64_t npages = std::min(meta_.npages, free_->npages());
  return may_hold > autosync_limit(env_, npages) / env_.page_size;
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
    WriterState& w = **writer_;
    const ShrinkStep step = shrink_step(w);  // src/txn/shrink.h
    // At most kAutoRelocate pages, or half what the txn itself wrote: a
    // large commit moves as much as it adds.
    const uint64_t budget =
        std::max(kAutoRelocate, pager_.dirty->bytes() / env_.page_size / 2);
    const uint64_t moved =
        step == ShrinkStep::none ? 0 : shrink(budget, step == ShrinkStep::gather);
    btree::Tree catalog(pager_, meta_.catalog);
    for (size_t i = 0; i < dbs_.size(); i++) {
      DbState& s = *dbs_[i];
      if (!s.dirty || !s.exists) continue;
      btree::Tree(pager_, s.ref).finalize();
      std::string name;
      {
        std::lock_guard lk(env_.dbi_mu);
        name = env_.dbi_names[i + 1];
      }
      std::string rec;
      catalog.put(name, page::catalog_value(s.ref, s.comp, &rec), false, false);
    }
    btree::Tree(pager_, meta_.main).finalize();
    meta_.free_pages = free_->save(id_, meta_.free_pages, &inline_free_);
    btree::Tree(pager_, meta_.free).finalize();
    catalog.finalize();
    meta_.npages = free_->npages();
    meta_.txnid = id_;
    if (step == ShrinkStep::gather) {
      w.shrink_state = moved ? ShrinkState::walking : ShrinkState::resting;
      w.shrink_rest_until = id_ + kRestCommits;
    }
    else if (step == ShrinkStep::relocate && (moved == 0 || free_->cut_misses() >= kGatherMisses))
      w.shrink_state = ShrinkState::gather_next;
    if (step == ShrinkStep::gather || meta_.free_pages < w.shrink_mark)
      w.shrink_mark = meta_.free_pages;
    trim_file(env_, w, meta_.npages, false);
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
  values_.clear();
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
