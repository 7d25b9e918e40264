// On-disk layout of the path store inside alder named dbs (see
// docs/PATH_STORE.md): db names, the entry encoding (kind byte out of band of
// the user's bytes) and the keys of the two indexes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace alder::store {

inline constexpr std::string_view kEntriesDb = "path_store.entries";
inline constexpr std::string_view kChildrenDb = "path_store.children";
inline constexpr std::string_view kLinksDb = "path_store.links";
inline constexpr std::string_view kMetaDb = "path_store.meta";

/// Meta keys: layout version (decimal text) and link generation (8 bytes LE).
inline constexpr std::string_view kVersionKey = "version";
inline constexpr std::string_view kLinkGenKey = "link_gen";
inline constexpr std::string_view kLayoutVersion = "1";

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

/// Key in the children db: parent + '\0' + name.
std::string child_key(std::string_view parent, std::string_view name);
/// Prefix of every child key of parent: parent + '\0'.
std::string child_prefix(std::string_view parent);

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
