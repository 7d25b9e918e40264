// On-disk layout of the path store inside alder named dbs (see
// docs/PATH_STORE.md, "Layout"): db names, the entry encoding (kind byte out
// of band of the user's bytes), the tree key of a path and the key of the
// link (match) index.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace alder::store {

/// Layout 2: one tree of entries keyed by tree_key(path), the link index and
/// the meta record.
inline constexpr std::string_view kTreeDb = "path_store.tree";
inline constexpr std::string_view kLinksDb = "path_store.links";
inline constexpr std::string_view kMetaDb = "path_store.meta";

/// Meta keys: layout version (decimal text) and link generation (8 bytes LE).
inline constexpr std::string_view kVersionKey = "version";
inline constexpr std::string_view kLinkGenKey = "link_gen";
inline constexpr std::string_view kLayoutVersion = "2";

/// First byte of an entry's stored value.
enum class Kind : char { value = 'v', group = 'g', link = 'l' };

/// An entry read back: kind + payload (the user's value, or the link's
/// normalised target; empty for a group). payload views the txn's data.
struct Decoded {
  Kind kind;
  std::string_view payload;
};

/// Decodes a stored entry; throws corrupted for an empty or unknown record.
std::optional<Decoded> decode(std::optional<std::string_view> stored, std::string_view path);

/// Stored form of an entry: kind byte followed by the payload.
std::string encode(Kind kind, std::string_view payload);

/// The tree key of a normalised path: the path with every '/' replaced by
/// '\0'. Since NUL is the least byte and never part of a name, every key
/// below `p` ("p\0...") sorts right after `p` and before any sibling that
/// extends p's last name ("p-x"): a group's whole subtree is one contiguous
/// key range, its children appear in bytewise name order, and a listing is
/// a scan of that range that skips each child's own subtree.
void tree_key(std::string_view norm, std::string& out);
std::string tree_key(std::string_view norm);
/// The normalised path of a tree key (inverse of tree_key).
std::string path_of_key(std::string_view key);

/// Key in the links (match) index: name + '\0' + target + '\0' + parent,
/// for a link stored at parent/name pointing at target.
std::string link_index_key(std::string_view name, std::string_view target,
                           std::string_view parent);
/// Prefix of every index key of links named name with that target.
std::string link_index_prefix(std::string_view name, std::string_view target);

/// Link generation codec (8 bytes little-endian; absent = 0).
std::uint64_t decode_gen(std::optional<std::string_view> stored);
std::string encode_gen(std::uint64_t gen);

}  // namespace alder::store
