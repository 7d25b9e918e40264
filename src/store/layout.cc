// Entry and index-key encodings: see layout.h and docs/PATH_STORE.md.
#include "layout.h"

#include <alder/alder.hpp>

namespace alder::store {

std::optional<Decoded> decode(std::optional<std::string_view> stored, std::string_view path) {
  if (!stored) return std::nullopt;
  if (!stored->empty()) {
    char k = stored->front();
    if (k == char(Kind::value) || k == char(Kind::group) || k == char(Kind::link)) {
      return Decoded{Kind(k), stored->substr(1)};
    }
  }
  throw Error(ErrorCode::corrupted,
              "path store: entry '" + std::string(path) + "' has no valid kind byte");
}

std::string encode(Kind kind, std::string_view payload) {
  std::string out;
  out.reserve(1 + payload.size());
  out.push_back(char(kind));
  out.append(payload);
  return out;
}

void tree_key(std::string_view norm, std::string& out) {
  out.assign(norm);
  for (char& ch : out) {
    if (ch == '/') ch = '\0';
  }
}

std::string tree_key(std::string_view norm) {
  std::string out;
  tree_key(norm, out);
  return out;
}

std::string path_of_key(std::string_view key) {
  std::string out(key);
  for (char& ch : out) {
    if (ch == '\0') ch = '/';
  }
  return out;
}

std::string link_index_prefix(std::string_view name, std::string_view target) {
  std::string out;
  out.reserve(name.size() + target.size() + 2);
  out.append(name);
  out.push_back('\0');
  out.append(target);
  out.push_back('\0');
  return out;
}

std::string link_index_key(std::string_view name, std::string_view target,
                           std::string_view parent) {
  std::string out = link_index_prefix(name, target);
  out.append(parent);
  return out;
}

std::uint64_t decode_gen(std::optional<std::string_view> stored) {
  if (!stored) return 0;
  if (stored->size() != 8) {
    throw Error(ErrorCode::corrupted, "path store: link generation record has a bad size");
  }
  std::uint64_t g = 0;
  for (int i = 7; i >= 0; --i) g = (g << 8) | static_cast<unsigned char>((*stored)[std::size_t(i)]);
  return g;
}

std::string encode_gen(std::uint64_t gen) {
  std::string out(8, '\0');
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<char>((gen >> (8 * i)) & 0xff);
  return out;
}

}  // namespace alder::store
