// PathStore and PathStore::Batch: open the store's dbs, then run each
// operation in its own txn (or in the batch's write txn).
#include <alder/path_store.hpp>

#include <algorithm>

#include "migrate.h"
#include "store_impl.h"

namespace alder {

using store::Ctx;
using store::checked_path;

namespace {

detail::PathStoreImpl& live(const std::unique_ptr<detail::PathStoreImpl>& p) {
  if (!p) throw Error(ErrorCode::invalid_argument, "path store: use of a moved-from PathStore");
  return *p;
}

/// The layout version recorded in an existing store's meta db ("" if none).
std::string stored_version(Txn& txn, Dbi meta) {
  std::optional<std::string_view> v = txn.get(meta, store::kVersionKey);
  return v ? std::string(*v) : std::string();
}

[[noreturn]] void unsupported_version(const std::string& v) {
  throw Error(ErrorCode::version_mismatch,
              "path store: layout version " + v + " is not supported (this build: " +
                  std::string(store::kLayoutVersion) + ", and converts layout " +
                  std::string(store::kLayout1) + ")");
}

bool has_db(Txn& txn, std::string_view name) {
  std::vector<std::string> dbs = txn.list_dbs();
  return std::find(dbs.begin(), dbs.end(), std::string(name)) != dbs.end();
}

/// Opens the current layout's dbs in txn.
void open_dbs(detail::PathStoreImpl& st, Txn& txn, DbFlags flags) {
  st.tree = txn.open_db(store::kTreeDb, flags);
  st.links = txn.open_db(store::kLinksDb, flags);
  st.meta = txn.open_db(store::kMetaDb, flags);
}

/// Opens the store in env: in a read txn when it exists in the current
/// layout (so a read-only env works), else in one write txn that creates it
/// or converts a layout-1 store (migrate.h). The write txn looks again, as
/// another PathStore may have created or converted it meanwhile.
void open_store(detail::PathStoreImpl& st, Env& env) {
  {
    Txn txn = env.begin_read();
    if (has_db(txn, store::kMetaDb)) {
      Dbi meta = txn.open_db(store::kMetaDb);
      std::string v = stored_version(txn, meta);
      if (v == store::kLayoutVersion) {
        open_dbs(st, txn, DbFlags::none);
        return;
      }
      if (!v.empty() && v != store::kLayout1) unsupported_version(v);
    }
  }
  std::optional<Txn> txn;
  try {
    txn.emplace(env.begin_write());
  } catch (const Error& e) {
    if (e.code() != ErrorCode::read_only) throw;
    Txn probe = env.begin_read();
    if (!has_db(probe, store::kMetaDb)) throw;  // no store to open
    throw Error(ErrorCode::version_mismatch,
                "path store: the file holds a layout-" + std::string(store::kLayout1) +
                    " path store, which is converted to layout " +
                    std::string(store::kLayoutVersion) +
                    " on open, but this env is read-only: open it once writable");
  }
  Dbi meta = txn->open_db(store::kMetaDb, DbFlags::create);
  std::string v = stored_version(*txn, meta);
  if (v == store::kLayout1) {
    store::migrate_layout1(*txn, meta);
  } else if (!v.empty() && v != store::kLayoutVersion) {
    unsupported_version(v);
  }
  open_dbs(st, *txn, DbFlags::create);
  if (v.empty()) txn->put(st.meta, store::kVersionKey, store::kLayoutVersion);
  txn->commit();
}

/// Refuses a write method from the thread holding this store's open batch
/// (it would wait for itself forever in begin_write).
void check_no_own_batch(const detail::PathStoreImpl& st) {
  if (st.batch_owner.load() == std::this_thread::get_id()) {
    throw Error(ErrorCode::busy,
                "path store: this thread has an open Batch on this PathStore; write through it");
  }
}

/// Runs f(ctx) in a fresh write txn and commits it.
template <class F>
void in_write(detail::PathStoreImpl& st, F&& f) {
  check_no_own_batch(st);
  Txn txn = st.env->begin_write();
  Ctx c(st, txn);
  f(c);
  txn.commit();
}

/// Runs f(ctx) in a fresh read txn and returns its (owned) result.
template <class F>
auto in_read(detail::PathStoreImpl& st, F&& f) {
  Txn txn = st.env->begin_read();
  Ctx c(st, txn);
  return f(c);
}

}  // namespace

PathStore::PathStore(Env& env, const PathStoreOptions& options) {
  if (options.max_link_hops < 1 || options.max_link_hops > 4096) {
    throw Error(ErrorCode::invalid_argument, "path store: max_link_hops must be in [1, 4096]");
  }
  auto st = std::make_unique<detail::PathStoreImpl>(env, options);
  st->max_path = (env.max_key_size() - 2) / 2;
  open_store(*st, env);
  impl_ = std::move(st);
}

PathStore::PathStore(PathStore&&) noexcept = default;
PathStore& PathStore::operator=(PathStore&&) noexcept = default;
PathStore::~PathStore() = default;

std::size_t PathStore::max_path_size() const { return live(impl_).max_path; }

void PathStore::write(const PathRef& path, std::string_view value) {
  auto& st = live(impl_);
  auto p = store::checked_norm(st, path.str(), false, "write");
  in_write(st, [&](Ctx& c) { store::op_write(c, p, value); });
}

void PathStore::make_group(const PathRef& path) {
  auto& st = live(impl_);
  auto p = store::checked_norm(st, path.str(), false, "make_group");
  in_write(st, [&](Ctx& c) { store::op_make_group(c, p); });
}

void PathStore::make_link(const PathRef& existing, const PathRef& new_path) {
  auto& st = live(impl_);
  auto target = store::checked_norm(st, existing.str(), false, "make_link target");
  auto p = store::checked_norm(st, new_path.str(), false, "make_link");
  in_write(st, [&](Ctx& c) { store::op_make_link(c, target, p); });
}

std::optional<std::string> PathStore::read(const PathRef& path) {
  auto& st = live(impl_);
  auto p = store::checked_norm(st, path.str(), true, "read");
  return in_read(st, [&](Ctx& c) { return store::op_read(c, p); });
}

bool PathStore::read_with(const PathRef& path,
                          const std::function<void(std::string_view)>& sink) {
  auto& st = live(impl_);
  auto p = store::checked_norm(st, path.str(), true, "read");
  return in_read(st, [&](Ctx& c) {
    auto v = store::op_read_view(c, p);
    if (v) sink(*v);
    return v.has_value();
  });
}

std::vector<std::optional<std::string>> PathStore::read_many(
    std::span<const std::string_view> paths) {
  auto& st = live(impl_);
  std::vector<std::string> norm;
  norm.reserve(paths.size());
  for (std::string_view p : paths) norm.push_back(checked_path(st, p, true, "read_many"));
  return in_read(st, [&](Ctx& c) {
    std::vector<std::optional<std::string>> out;
    out.reserve(norm.size());
    for (const std::string& p : norm) out.push_back(store::op_read(c, p));
    return out;
  });
}

std::vector<std::optional<std::string>> PathStore::read_many(const std::vector<std::string>& paths) {
  std::vector<std::string_view> views(paths.begin(), paths.end());
  return read_many(std::span<const std::string_view>(views));
}

PathType PathStore::type(const PathRef& path) {
  auto& st = live(impl_);
  auto p = store::checked_norm(st, path.str(), true, "type");
  return in_read(st, [&](Ctx& c) { return store::op_type(c, p); });
}

std::optional<std::string> PathStore::resolve(const PathRef& path) {
  auto& st = live(impl_);
  auto p = store::checked_norm(st, path.str(), true, "resolve");
  return in_read(st, [&](Ctx& c) { return store::op_resolve(c, p); });
}

std::optional<std::vector<std::string>> PathStore::list(const PathRef& path) {
  auto& st = live(impl_);
  auto p = store::checked_norm(st, path.str(), true, "list");
  return in_read(st, [&](Ctx& c) { return store::op_list(c, p); });
}

std::optional<ListPage> PathStore::list(const PathRef& path, std::string_view from,
                                        std::size_t limit, Direction direction) {
  auto& st = live(impl_);
  auto p = store::checked_norm(st, path.str(), true, "list");
  return in_read(st, [&](Ctx& c) { return store::op_list_page(c, p, from, limit, direction); });
}

std::vector<std::string> PathStore::match(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  auto& st = live(impl_);
  return in_read(st, [&](Ctx& c) { return store::op_match(c, pairs); });
}

ResolveCacheStats PathStore::cache_stats() const { return live(impl_).cache.stats(); }

// ------------------------------------------------------------------ batches

}  // namespace alder

namespace alder::detail {

struct PathBatchImpl {
  PathBatchImpl(PathStoreImpl& s, Txn t) : st(s), txn(std::move(t)), ctx(s, txn) {}
  ~PathBatchImpl() { release(); }
  void release() noexcept {
    if (owner_set) {
      st.batch_owner.store(std::thread::id{});
      owner_set = false;
    }
  }
  PathStoreImpl& st;
  Txn txn;
  store::Ctx ctx;  // lives as long as the txn: keeps links_dirty for the batch
  bool open = true;
  bool owner_set = false;
};

}  // namespace alder::detail

namespace alder {

namespace {

/// The batch of write txn `txn`, owned by the calling thread.
std::unique_ptr<detail::PathBatchImpl> batch_on(detail::PathStoreImpl& st, Txn txn) {
  auto b = std::make_unique<detail::PathBatchImpl>(st, std::move(txn));
  st.batch_owner.store(std::this_thread::get_id());
  b->owner_set = true;
  return b;
}

}  // namespace

PathStore::Batch PathStore::begin_batch() {
  auto& st = live(impl_);
  check_no_own_batch(st);
  return Batch(batch_on(st, st.env->begin_write()));
}

std::optional<PathStore::Batch> PathStore::try_begin_batch() {
  auto& st = live(impl_);
  check_no_own_batch(st);
  std::optional<Txn> txn = st.env->try_begin_write();
  if (!txn) return std::nullopt;
  return Batch(batch_on(st, std::move(*txn)));
}

void PathStore::commit_batch(Batch& b) { b.commit(); }

PathStore::Batch::Batch(std::unique_ptr<detail::PathBatchImpl> impl) : impl_(std::move(impl)) {}
PathStore::Batch::Batch(Batch&&) noexcept = default;
PathStore::Batch& PathStore::Batch::operator=(Batch&& o) noexcept {
  if (this != &o) {
    abort();
    impl_ = std::move(o.impl_);
  }
  return *this;
}
PathStore::Batch::~Batch() { abort(); }

namespace {

detail::PathBatchImpl& open_batch(const std::unique_ptr<detail::PathBatchImpl>& b) {
  if (!b || !b->open) throw Error(ErrorCode::txn_finished, "path store: the batch is finished");
  return *b;
}

}  // namespace

void PathStore::Batch::write(const PathRef& path, std::string_view value) {
  auto& b = open_batch(impl_);
  auto p = store::checked_norm(b.st, path.str(), false, "write");
  store::op_write(b.ctx, p, value);
}

void PathStore::Batch::make_group(const PathRef& path) {
  auto& b = open_batch(impl_);
  auto p = store::checked_norm(b.st, path.str(), false, "make_group");
  store::op_make_group(b.ctx, p);
}

void PathStore::Batch::make_link(const PathRef& existing, const PathRef& new_path) {
  auto& b = open_batch(impl_);
  auto target = store::checked_norm(b.st, existing.str(), false, "make_link target");
  auto p = store::checked_norm(b.st, new_path.str(), false, "make_link");
  store::op_make_link(b.ctx, target, p);
}

std::optional<std::string> PathStore::Batch::read(const PathRef& path) {
  auto& b = open_batch(impl_);
  return store::op_read(b.ctx, store::checked_norm(b.st, path.str(), true, "read"));
}

PathType PathStore::Batch::type(const PathRef& path) {
  auto& b = open_batch(impl_);
  return store::op_type(b.ctx, store::checked_norm(b.st, path.str(), true, "type"));
}

std::optional<std::string> PathStore::Batch::resolve(const PathRef& path) {
  auto& b = open_batch(impl_);
  return store::op_resolve(b.ctx, store::checked_norm(b.st, path.str(), true, "resolve"));
}

std::optional<std::vector<std::string>> PathStore::Batch::list(const PathRef& path) {
  auto& b = open_batch(impl_);
  return store::op_list(b.ctx, store::checked_norm(b.st, path.str(), true, "list"));
}

void PathStore::Batch::commit() { commit(CommitFlags::none); }

std::uint64_t PathStore::Batch::commit(CommitFlags flags) {
  auto& b = open_batch(impl_);
  b.open = false;
  b.release();
  return b.txn.commit(flags);  // on failure the engine aborts the txn
}

void PathStore::Batch::abort() noexcept {
  if (!impl_ || !impl_->open) return;
  impl_->open = false;
  impl_->release();
  impl_->txn.abort();
}

bool PathStore::Batch::open() const noexcept { return impl_ && impl_->open; }

bool PathStore::Batch::commit_needs_sync() { return open_batch(impl_).txn.commit_needs_sync(); }

namespace {

/// Bytes of pages a store write of a value of value_bytes may dirty (what
/// Batch::write_fits asks of Txn::write_room).
std::uint64_t write_need(detail::PathBatchImpl& b, std::size_t value_bytes) {
  constexpr std::uint64_t kUpdates = 6;  // store::put_entry makes at most four
  const std::uint64_t ps = b.st.env->page_size();
  std::uint32_t depth = 0;
  for (Dbi d : {b.st.tree, b.st.links, b.st.meta}) depth = std::max(depth, b.txn.db_stat(d).depth);
  // Per update: a copy and a split on each level, and a new root level.
  const std::uint64_t per_update = 2 * (std::uint64_t(depth) + 1);
  // The value's overflow run, with room for the entry's kind tag.
  const std::uint64_t value = (std::uint64_t(value_bytes) + 64 + ps - 1) / ps;
  return (value + kUpdates * per_update) * ps;
}

}  // namespace

bool PathStore::Batch::write_fits(std::size_t value_bytes) {
  auto& b = open_batch(impl_);
  return b.txn.write_room() >= write_need(b, value_bytes);
}

bool PathStore::Batch::make_room(std::size_t value_bytes) {
  auto& b = open_batch(impl_);
  const std::uint64_t need = write_need(b, value_bytes);
  return b.txn.reserve_room(need) >= need;
}

}  // namespace alder
