// The public C++ API (include/alder/alder.hpp) over the env and txn layers.
#include <algorithm>

#include "alder/alder.hpp"
#include "env/env.h"
#include "page/node.h"

namespace alder {

const char* error_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::ok: return "success";
    case ErrorCode::key_exists: return "key exists";
    case ErrorCode::not_found: return "not found";
    case ErrorCode::empty_key: return "empty key";
    case ErrorCode::key_too_large: return "key too large";
    case ErrorCode::value_too_large: return "value too large";
    case ErrorCode::read_only: return "write in a read-only transaction or env";
    case ErrorCode::txn_finished: return "transaction already finished";
    case ErrorCode::env_closed: return "env is closed";
    case ErrorCode::unknown_db: return "unknown db";
    case ErrorCode::busy: return "busy";
    case ErrorCode::corrupted: return "database corrupted";
    case ErrorCode::not_alder_file: return "not an alder database file";
    case ErrorCode::version_mismatch: return "unsupported file format version";
    case ErrorCode::io_error: return "I/O error";
    case ErrorCode::no_space: return "no space left on device";
    case ErrorCode::map_full: return "database reached max_size";
    case ErrorCode::dbs_full: return "too many named dbs";
    case ErrorCode::invalid_argument: return "invalid argument";
    case ErrorCode::locked: return "database locked by another process";
    case ErrorCode::bad_dbi: return "bad dbi";
    case ErrorCode::append_order: return "append out of order";
    case ErrorCode::env_failed: return "env failed; reopen it";
    case ErrorCode::bad_txn: return "transaction failed midway; abort it";
  }
  return "unknown error";
}

const char* compression_name(Compression c) noexcept {
  switch (c) {
    case Compression::none: return "none";
    case Compression::lz4: return "lz4";
    case Compression::zstd: return "zstd";
  }
  return "unknown";
}

std::string train_dictionary(std::span<const std::string_view> samples, std::size_t max_bytes) {
  return compress::train_dictionary(samples, max_bytes);
}

// ---- Env ------------------------------------------------------------------

Env::Env(std::shared_ptr<detail::EnvImpl> impl) : impl_(std::move(impl)) {}
Env::Env(Env&&) noexcept = default;
Env& Env::operator=(Env&&) noexcept = default;
Env::~Env() = default;  // the EnvImpl closes when the last txn lets go

static detail::EnvImpl& live(const std::shared_ptr<detail::EnvImpl>& impl) {
  if (!impl) throw Error(ErrorCode::env_closed, "env is closed");
  impl->check_open();
  return *impl;
}

Env Env::open(const std::string& path, const EnvOptions& options) {
  return Env(detail::EnvImpl::open(path, options));
}

std::string Env::lock_path(const std::string& path) { return path + "-lock"; }

void Env::copy(const std::string& dst_path,
               const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  live(impl_).copy(dst_path, progress);
}

Txn Env::begin_read() {
  live(impl_);
  return Txn(std::make_unique<detail::TxnImpl>(impl_));
}

static void check_can_write(detail::EnvImpl& e) {
  if (e.state().read_only) throw Error(ErrorCode::read_only, "env was opened read-only");
  if (e.state().writer.failed.load())
    throw Error(ErrorCode::env_failed, "an earlier write failed; reopen the env");
}

Txn Env::begin_write() {
  check_can_write(live(impl_));
  txn::Writer::Guard g = impl_->state().writer.lock();
  impl_->check_open();  // closed while this thread waited: the guard unlocks
  return Txn(std::make_unique<detail::TxnImpl>(impl_, std::move(g)));
}

std::optional<Txn> Env::try_begin_write() {
  check_can_write(live(impl_));
  std::optional<txn::Writer::Guard> g = impl_->state().writer.try_lock();
  if (!g) return std::nullopt;
  impl_->check_open();
  return Txn(std::make_unique<detail::TxnImpl>(impl_, std::move(*g)));
}

void Env::sync() {
  detail::EnvImpl& e = live(impl_);
  if (e.state().read_only) return;
  txn::sync_env(e.state());
}

std::uint64_t Env::compact() {
  detail::EnvImpl& e = live(impl_);
  check_can_write(e);
  return e.compact();
}

void Env::wait_durable(std::uint64_t txnid) {
  detail::EnvImpl& e = live(impl_);
  txn::EnvState& s = e.state();
  if (s.read_only) return;
  const txn::GroupCommit::State st = s.group.state();
  if (txnid > st.head)
    throw Error(ErrorCode::invalid_argument,
                "wait_durable: no commit has id " + std::to_string(txnid) + " (the newest is " +
                    std::to_string(st.head) + ")");
  if (txnid <= st.durable) return;
  txn::sync_env(s, txnid);
}

EnvStat Env::stat() { return live(impl_).stat(); }
std::vector<ReaderInfo> Env::readers() { return live(impl_).readers(); }
void Env::set_slow_reader(std::uint64_t pages, std::function<void(const ReaderInfo&)> fn,
                          std::uint32_t check_every_ms) {
  live(impl_).set_slow_reader(pages, std::move(fn), check_every_ms);
}
std::size_t Env::clear_stale_readers() { return live(impl_).clear_stale_readers(); }
VerifyResult Env::verify() { return live(impl_).verify(); }
std::size_t Env::max_key_size() const { return page::max_key(page_size()); }
std::uint32_t Env::page_size() const { return live(impl_).state().page_size; }
const std::string& Env::path() const { return live(impl_).state().path; }

void Env::close() {
  if (!impl_) return;
  impl_->close();
  impl_.reset();
}

// ---- Txn ------------------------------------------------------------------

Txn::Txn(std::unique_ptr<detail::TxnImpl> impl) : impl_(std::move(impl)) {}
Txn::Txn(Txn&&) noexcept = default;
Txn& Txn::operator=(Txn&&) noexcept = default;
Txn::~Txn() = default;

detail::TxnImpl& Txn::impl() {
  if (!impl_) throw Error(ErrorCode::txn_finished, "transaction already finished");
  return *impl_;
}

static const detail::TxnImpl& live_txn(const std::unique_ptr<detail::TxnImpl>& t) {
  if (!t) throw Error(ErrorCode::txn_finished, "transaction already finished");
  return *t;
}
bool Txn::read_only() const { return live_txn(impl_).core.read_only(); }
std::uint64_t Txn::id() const { return live_txn(impl_).core.id(); }
std::uint64_t Txn::write_room() const { return live_txn(impl_).core.write_room(); }
bool Txn::commit_needs_sync() const { return live_txn(impl_).core.commit_needs_sync(); }
std::uint64_t Txn::reserve_room(std::uint64_t bytes) { return impl().core.reserve_room(bytes); }

Dbi Txn::open_db(std::string_view name, DbFlags flags) {
  return impl().core.open_db(name, flags == DbFlags::create);
}
Dbi Txn::open_db(std::string_view name, DbFlags flags, const DbOptions& options) {
  return impl().core.open_db(name, flags == DbFlags::create, &options);
}
DbSpace Txn::db_space(Dbi dbi) { return impl().core.db_space(dbi); }
DbOptions Txn::db_options(Dbi dbi) { return impl().core.db_options(dbi); }
std::vector<std::string> Txn::list_dbs() { return impl().core.list_dbs(); }
void Txn::drop_db(Dbi dbi) { impl().core.drop_db(dbi, true); }
void Txn::clear_db(Dbi dbi) { impl().core.drop_db(dbi, false); }
DbStat Txn::db_stat(Dbi dbi) { return impl().core.db_stat(dbi); }

std::optional<std::string_view> Txn::get(Dbi dbi, std::string_view key) {
  return impl().core.get(dbi, key);
}

std::vector<std::optional<std::string_view>> Txn::get_many(
    Dbi dbi, std::span<const std::string_view> keys) {
  auto& core = impl().core;
  std::vector<std::optional<std::string_view>> out;
  out.reserve(keys.size());
  for (auto k : keys) out.push_back(core.get(dbi, k));
  return out;
}

bool Txn::put(Dbi dbi, std::string_view key, std::string_view value, PutFlags flags) {
  unsigned f = unsigned(flags);
  return impl().core.put(dbi, key, value, f & unsigned(PutFlags::no_overwrite),
                         f & unsigned(PutFlags::append));
}

bool Txn::del(Dbi dbi, std::string_view key) { return impl().core.del(dbi, key); }

Cursor Txn::cursor(Dbi dbi) {
  auto& core = impl().core;
  core.check_usable();
  return Cursor(std::make_unique<detail::CursorImpl>(core, dbi));
}

Range Txn::range(Dbi dbi, std::string_view lo, std::optional<std::string_view> hi,
                 Direction dir) {
  std::optional<std::string> h;
  if (hi) h.emplace(*hi);
  return Range(cursor(dbi), std::string(lo), std::move(h), dir);
}

Range Txn::prefix(Dbi dbi, std::string_view p, Direction dir) {
  // Upper bound: p with its last byte below 0xff incremented, the rest cut.
  std::string hi(p);
  while (!hi.empty() && static_cast<unsigned char>(hi.back()) == 0xff) hi.pop_back();
  std::optional<std::string_view> h;
  if (!hi.empty()) {
    hi.back() = char(static_cast<unsigned char>(hi.back()) + 1);
    h = hi;
  }
  return range(dbi, p, h, dir);
}

void Txn::reset() { impl().core.reset(); }
void Txn::renew() { impl().core.renew(); }

std::uint64_t Txn::commit(CommitFlags flags) {
  detail::TxnImpl& t = impl();
  const std::uint64_t id = t.core.id();
  const bool wrote = !t.core.read_only() && t.core.write_gen() != 0;
  t.core.commit(flags != CommitFlags::no_wait);
  if (wrote) t.env->after_commit();
  return wrote ? id : t.core.meta().txnid;
}

void Txn::commit() {
  detail::TxnImpl& t = impl();
  const bool write = !t.core.read_only();
  t.core.commit();
  std::shared_ptr<detail::EnvImpl> env = t.env;
  impl_.reset();  // the txn is over (its reader slot, the writer lock) before the check
  if (write) env->after_commit();
}

void Txn::abort() noexcept { impl_.reset(); }

// ---- Cursor ---------------------------------------------------------------

namespace detail {

void CursorImpl::revalidate(bool* was_valid, bool* on_same_key) {
  *was_valid = cur.valid();
  *on_same_key = true;
  txn->check_usable();
  if (snap != txn->snapshot_gen())
    throw Error(ErrorCode::txn_finished,
                "cursor of a snapshot ended by Txn::reset(); open a new one after renew()");
  if (txn->write_gen() == gen) return;
  gen = txn->write_gen();
  moves++;
  txn->tree_ref(dbi);  // throws unknown_db if the db was dropped
  if (!cur.valid()) return;
  std::string k(cur.key());
  bool ok = cur.seek(k);
  *on_same_key = ok && cur.key() == k;
}

std::string_view CursorImpl::value() {
  const btree::StoredValue v = cur.stored();
  if (!v.compressed) return v.bytes;
  if (buf_moves != moves) {
    txn->decompress(dbi, v.bytes, &value_buf);
    buf_moves = moves;
  }
  return value_buf;
}

}  // namespace detail

Cursor::Cursor(std::unique_ptr<detail::CursorImpl> impl) : impl_(std::move(impl)) {}
Cursor::Cursor(Cursor&&) noexcept = default;
Cursor& Cursor::operator=(Cursor&&) noexcept = default;
Cursor::~Cursor() = default;

static detail::CursorImpl& cursor_impl(const std::unique_ptr<detail::CursorImpl>& c) {
  if (!c) throw Error(ErrorCode::invalid_argument, "cursor was moved from");
  return *c;
}

#define ALDER_CURSOR_REPOSITION(c) \
  bool was_valid, same;            \
  (c).revalidate(&was_valid, &same)

bool Cursor::first() {
  auto& c = cursor_impl(impl_);
  ALDER_CURSOR_REPOSITION(c);
  c.moves++;
  return c.cur.first();
}
bool Cursor::last() {
  auto& c = cursor_impl(impl_);
  ALDER_CURSOR_REPOSITION(c);
  c.moves++;
  return c.cur.last();
}
bool Cursor::next() {
  auto& c = cursor_impl(impl_);
  ALDER_CURSOR_REPOSITION(c);
  c.moves++;
  if (was_valid && !same) return c.cur.valid();  // landed on the following key
  return c.cur.next();
}
bool Cursor::prev() {
  auto& c = cursor_impl(impl_);
  ALDER_CURSOR_REPOSITION(c);
  c.moves++;
  if (was_valid && !same) return c.cur.valid() ? c.cur.prev() : c.cur.last();
  return c.cur.prev();
}
bool Cursor::seek(std::string_view key) {
  auto& c = cursor_impl(impl_);
  ALDER_CURSOR_REPOSITION(c);
  c.moves++;
  if (key.empty()) return c.cur.first();  // every key is >= ""
  c.txn->check_key(key);
  return c.cur.seek(key);
}
bool Cursor::find(std::string_view key) {
  auto& c = cursor_impl(impl_);
  ALDER_CURSOR_REPOSITION(c);
  c.moves++;
  if (key.empty()) {  // no key is empty
    c.cur.invalidate();
    return false;
  }
  c.txn->check_key(key);
  return c.cur.find(key);
}
bool Cursor::valid() const {
  if (!impl_ || impl_->txn->finished() || impl_->txn->is_reset() ||
      impl_->snap != impl_->txn->snapshot_gen())
    return false;
  return impl_->cur.valid();
}

static void require_position(detail::CursorImpl& c) {
  if (!c.cur.valid()) throw Error(ErrorCode::invalid_argument, "cursor is not positioned");
}

std::string_view Cursor::key() const {
  auto& c = cursor_impl(impl_);
  ALDER_CURSOR_REPOSITION(c);
  require_position(c);
  return c.cur.key();
}
std::string_view Cursor::value() const {
  auto& c = cursor_impl(impl_);
  ALDER_CURSOR_REPOSITION(c);
  require_position(c);
  return c.value();
}

bool Cursor::put(std::string_view key, std::string_view value, PutFlags flags) {
  auto& c = cursor_impl(impl_);
  unsigned f = unsigned(flags);
  bool written = c.txn->put(c.dbi, key, value, f & unsigned(PutFlags::no_overwrite),
                            f & unsigned(PutFlags::append));
  c.gen = c.txn->write_gen();
  c.moves++;
  c.cur.find(key);
  return written;
}

void Cursor::del() {
  auto& c = cursor_impl(impl_);
  c.txn->check_writable();
  ALDER_CURSOR_REPOSITION(c);
  require_position(c);
  std::string k(c.cur.key());
  c.txn->del(c.dbi, k);
  c.gen = c.txn->write_gen();
  c.moves++;
  c.cur.seek(k);
}

#undef ALDER_CURSOR_REPOSITION

// ---- Range ----------------------------------------------------------------

bool Range::in_range() const {
  if (!cursor_.valid()) return false;
  std::string_view k = cursor_.key();
  if (dir_ == Direction::forward) return !hi_ || k < std::string_view(*hi_);
  return k >= std::string_view(lo_);
}

Range::iterator Range::begin() {
  bool ok;
  if (dir_ == Direction::forward) {
    ok = cursor_.seek(lo_);
  } else if (hi_ && hi_->empty()) {
    ok = false;  // no key is below ""
  } else if (hi_) {
    ok = cursor_.seek(*hi_) ? cursor_.prev() : cursor_.last();
  } else {
    ok = cursor_.last();
  }
  iterator it;
  it.cur_ = &cursor_;
  it.range_ = this;
  it.done_ = !(ok && in_range());
  return it;
}

Range::iterator& Range::iterator::operator++() {
  bool ok = range_->dir_ == Direction::forward ? cur_->next() : cur_->prev();
  done_ = !(ok && range_->in_range());
  return *this;
}

}  // namespace alder
