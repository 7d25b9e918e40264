// Internal state of a PathStore and the per-transaction context every
// operation runs in. Operations (resolver.cc, writer.cc, reader.cc,
// match.cc) are free functions over a Ctx, so PathStore and Batch share them.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <alder/alder.hpp>
#include <alder/path_store.hpp>

#include "layout.h"
#include "resolve_cache.h"

namespace alder::detail {

struct PathStoreImpl {
  PathStoreImpl(Env& e, const PathStoreOptions& o)
      : env(&e), options(o), cache(o.resolve_cache_entries) {}
  Env* env;
  PathStoreOptions options;
  std::size_t max_path = 0;
  Dbi tree = 0, links = 0, meta = 0;
  store::ResolveCache cache;
  /// Thread that has a Batch open on this store (default id: none).
  std::atomic<std::thread::id> batch_owner{};
};

}  // namespace alder::detail

namespace alder::store {

/// One operation's view of the store: the store state plus the txn it runs
/// in, and what the cache may do in that txn.
struct Ctx {
  Ctx(detail::PathStoreImpl& s, Txn& t) : st(s), txn(t) {}
  detail::PathStoreImpl& st;
  Txn& txn;
  /// Link generation of this txn's snapshot, read lazily.
  std::optional<std::uint64_t> gen;
  /// This (write) txn has changed a link: its state is not any committed
  /// generation's, so it must neither read nor fill the cache.
  bool links_dirty = false;
  /// Link writes made by this txn so far. The parent memo below is valid
  /// only while this is unchanged: resolution depends on links alone (a
  /// value, a group and nothing are all "not a link" to the walk).
  std::uint64_t link_writes = 0;
  /// The last parent a write resolved in this txn (a Batch writing many
  /// entries into one group resolves it once): normalised -> resolved.
  struct {
    bool valid = false;
    std::uint64_t link_writes = 0;
    std::string norm, resolved;
  } parent_memo;
  /// Scratch buffer for tree keys (one lookup at a time).
  std::string key_buf;
  /// Scratch buffers of a write: the resolved path, its tree key and the
  /// encoded entry, reused across the writes of a batch.
  std::string at_buf, put_key, put_val;

  /// The entry stored at a normalised path (no resolution).
  /// A path longer than max_path has no entry (none is ever stored), and is
  /// not handed to the engine, whose key limit it may exceed: resolution can
  /// build such paths from long link targets.
  std::optional<Decoded> entry(std::string_view path) {
    if (path.size() > st.max_path || path.empty()) return std::nullopt;
    tree_key(path, key_buf);
    return decode(txn.get(st.tree, key_buf), path);
  }
  /// The generation the cache may be used with in this txn, or nullopt.
  std::optional<std::uint64_t> cache_gen();
};

/// The outcome of resolving a path.
struct Resolution {
  bool cycle = false;        ///< too many link hops: treat as not found
  std::string path;          ///< resolved path, normalised ("" = root)
  std::optional<Decoded> at; ///< entry at path (never a link); views the txn
};

// resolver.cc
/// Resolves a normalised path, following every prefix link and the last
/// segment. Never writes; iterative; bounded by options.max_link_hops.
Resolution resolve(Ctx& c, std::string_view norm);

/// A checked, normalised path: a view of the caller's string when that was
/// already normalised (the common case: no copy), else an owned copy.
/// Copyable and movable (the view is taken on each use).
class NormPath {
 public:
  explicit NormPath(std::string_view given) : given_(given) {}
  explicit NormPath(std::string owned) : owned_(true), str_(std::move(owned)) {}
  std::string_view view() const { return owned_ ? std::string_view(str_) : given_; }
  operator std::string_view() const { return view(); }

 private:
  bool owned_ = false;
  std::string_view given_;
  std::string str_;
};

// path checks (writer.cc)
/// checked_path without the copy when path is already normalised; the
/// result views path then, so it must not outlive it.
NormPath checked_norm(const detail::PathStoreImpl& st, std::string_view path, bool allow_root,
                      const char* what);
/// Normalised form of a user path; throws key_too_large past max_path and
/// invalid_argument for the root when allow_root is false.
std::string checked_path(const detail::PathStoreImpl& st, std::string_view path, bool allow_root,
                         const char* what);

// writer.cc
void op_write(Ctx& c, std::string_view norm, std::string_view value);
void op_make_group(Ctx& c, std::string_view norm);
void op_make_link(Ctx& c, std::string_view target, std::string_view norm);

// reader.cc
std::optional<std::string> op_read(Ctx& c, std::string_view norm);
/// op_read without the copy: a view into the txn's snapshot.
std::optional<std::string_view> op_read_view(Ctx& c, std::string_view norm);
PathType op_type(Ctx& c, std::string_view norm);
std::optional<std::string> op_resolve(Ctx& c, std::string_view norm);
std::optional<std::vector<std::string>> op_list(Ctx& c, std::string_view norm);
std::optional<ListPage> op_list_page(Ctx& c, std::string_view norm, std::string_view from,
                                     std::size_t limit, Direction dir);

// match.cc
std::vector<std::string> op_match(Ctx& c,
                                  const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace alder::store
