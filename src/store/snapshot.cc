// PathStore::Snapshot: the store's reads in one read txn kept open across
// calls (path_store.hpp).
#include <alder/path_store.hpp>

#include "store_impl.h"

namespace alder::detail {

struct PathSnapshotImpl {
  PathSnapshotImpl(PathStoreImpl& s, Txn t) : st(s), txn(std::move(t)), ctx(s, txn) {}
  PathStoreImpl& st;
  Txn txn;
  store::Ctx ctx;  // lives as long as the txn: its link generation is read once
  bool live = true;
};

}  // namespace alder::detail

namespace alder {


namespace {

detail::PathSnapshotImpl& live_snapshot(const std::unique_ptr<detail::PathSnapshotImpl>& s) {
  if (!s || !s->live) throw Error(ErrorCode::txn_finished, "path store: the snapshot is ended");
  return *s;
}

}  // namespace

PathStore::Snapshot PathStore::snapshot() {
  if (!impl_) throw Error(ErrorCode::invalid_argument, "path store: use of a moved-from PathStore");
  Txn txn = impl_->env->begin_read();
  return Snapshot(std::make_unique<detail::PathSnapshotImpl>(*impl_, std::move(txn)));
}

PathStore::Snapshot::Snapshot(std::unique_ptr<detail::PathSnapshotImpl> impl)
    : impl_(std::move(impl)) {}
PathStore::Snapshot::Snapshot(Snapshot&&) noexcept = default;
PathStore::Snapshot& PathStore::Snapshot::operator=(Snapshot&& o) noexcept {
  if (this != &o) {
    end();
    impl_ = std::move(o.impl_);
  }
  return *this;
}
PathStore::Snapshot::~Snapshot() { end(); }

std::uint64_t PathStore::Snapshot::id() const { return live_snapshot(impl_).txn.id(); }

bool PathStore::Snapshot::read_with(const PathRef& path,
                                    const std::function<void(std::string_view)>& sink) {
  auto& s = live_snapshot(impl_);
  auto v = store::op_read_view(s.ctx, store::checked_norm(s.st, path.str(), true, "read"));
  if (v) sink(*v);
  return v.has_value();
}

std::optional<std::string> PathStore::Snapshot::read(const PathRef& path) {
  auto& s = live_snapshot(impl_);
  return store::op_read(s.ctx, store::checked_norm(s.st, path.str(), true, "read"));
}

PathType PathStore::Snapshot::type(const PathRef& path) {
  auto& s = live_snapshot(impl_);
  return store::op_type(s.ctx, store::checked_norm(s.st, path.str(), true, "type"));
}

std::optional<std::string> PathStore::Snapshot::resolve(const PathRef& path) {
  auto& s = live_snapshot(impl_);
  return store::op_resolve(s.ctx, store::checked_norm(s.st, path.str(), true, "resolve"));
}

std::optional<std::vector<std::string>> PathStore::Snapshot::list(const PathRef& path) {
  auto& s = live_snapshot(impl_);
  return store::op_list(s.ctx, store::checked_norm(s.st, path.str(), true, "list"));
}

std::optional<ListPage> PathStore::Snapshot::list(const PathRef& path, std::string_view from,
                                                  std::size_t limit, Direction direction) {
  auto& s = live_snapshot(impl_);
  return store::op_list_page(s.ctx, store::checked_norm(s.st, path.str(), true, "list"), from, limit,
                             direction);
}

std::optional<PathEntry> PathStore::Snapshot::entry(const PathRef& path) {
  auto& s = live_snapshot(impl_);
  const auto p = store::checked_norm(s.st, path.str(), true, "entry");
  if (p.view().empty()) return std::nullopt;
  std::optional<store::Decoded> d = s.ctx.entry(p);
  if (!d) return std::nullopt;
  PathEntry e;
  switch (d->kind) {
    case store::Kind::value: e.kind = PathEntry::Kind::value; break;
    case store::Kind::group: e.kind = PathEntry::Kind::group; break;
    case store::Kind::link: e.kind = PathEntry::Kind::link; break;
  }
  if (d->kind != store::Kind::group) e.data.assign(d->payload);
  return e;
}

void PathStore::Snapshot::end() noexcept {
  if (!impl_ || !impl_->live) return;
  impl_->live = false;
  impl_->txn.abort();
}

bool PathStore::Snapshot::live() const noexcept { return impl_ && impl_->live; }

}  // namespace alder
