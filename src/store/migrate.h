// Conversion of a path store written in an older layout (docs/PATH_STORE.md,
// "Layout versions").
#pragma once

#include <alder/alder.hpp>

#include <string_view>

namespace alder::store {

/// Layout 1 (alder 0.1 before issue #13): entries keyed by the normalised
/// path in "path_store.entries", a children index "path_store.children".
inline constexpr std::string_view kLayout1 = "1";
inline constexpr std::string_view kV1EntriesDb = "path_store.entries";
inline constexpr std::string_view kV1ChildrenDb = "path_store.children";

/// Rewrites a layout-1 store to the current layout inside the write txn
/// `txn` (which the caller commits): every entry is copied unchanged under
/// its tree key into "path_store.tree", the two layout-1 dbs are dropped,
/// and the meta version becomes the current one. The link index and the
/// link generation are the same in both layouts and stay as they are (no
/// resolution changes). Throws corrupted for an entry without a valid kind
/// byte or with a key that is not a normalised path (the txn must then be
/// aborted: nothing is changed), and the engine's write errors.
void migrate_layout1(Txn& txn, Dbi meta);

}  // namespace alder::store
