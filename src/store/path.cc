// Path syntax: see path.h.
#include "path.h"

#include <alder/alder.hpp>
#include <alder/path_store.hpp>

namespace alder::store {

bool is_normalised(std::string_view path) noexcept {
  if (path.empty()) return true;
  if (path.front() == '/' || path.back() == '/') return false;
  char prev = '\0';
  for (char c : path) {
    if (c == '\0') return false;
    if (c == '/' && prev == '/') return false;
    prev = c;
  }
  return true;
}

std::string normalise(std::string_view path) {
  if (path.find('\0') != std::string_view::npos) {
    throw Error(ErrorCode::invalid_argument, "path store: a path must not contain a NUL byte");
  }
  if (is_normalised(path)) return std::string(path);
  std::string out;
  out.reserve(path.size());
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) {
      if (!out.empty()) out.push_back('/');
      out.append(path.substr(i, j - i));
    }
    i = j + 1;
  }
  return out;
}

void split(std::string_view norm, std::vector<std::string_view>& out) {
  std::size_t i = 0;
  while (i < norm.size()) {
    std::size_t j = norm.find('/', i);
    if (j == std::string_view::npos) j = norm.size();
    out.push_back(norm.substr(i, j - i));
    i = j + 1;
  }
}

void split_reversed(std::string_view norm, std::vector<std::string_view>& out) {
  std::size_t end = norm.size();
  while (end > 0) {
    std::size_t slash = norm.rfind('/', end - 1);
    std::size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
    out.push_back(norm.substr(begin, end - begin));
    if (slash == std::string_view::npos) break;
    end = slash;
  }
}

std::string_view parent_of(std::string_view norm) noexcept {
  std::size_t slash = norm.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : norm.substr(0, slash);
}

std::string_view name_of(std::string_view norm) noexcept {
  std::size_t slash = norm.rfind('/');
  return slash == std::string_view::npos ? norm : norm.substr(slash + 1);
}

std::string child_path(std::string_view parent, std::string_view name) {
  std::string out;
  out.reserve(parent.size() + 1 + name.size());
  out.append(parent);
  if (!parent.empty()) out.push_back('/');
  out.append(name);
  return out;
}

}  // namespace alder::store

namespace alder {

PathRef::PathRef(std::initializer_list<std::string_view> segments)
    : owned_(PathStore::join(std::span<const std::string_view>(segments.begin(), segments.size()))),
      view_(owned_) {}

PathRef::PathRef(std::span<const std::string> segments) {
  std::vector<std::string_view> views(segments.begin(), segments.end());
  owned_ = PathStore::join(views);
  view_ = owned_;
}

std::string PathStore::join(std::span<const std::string_view> segments) {
  std::string out;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(segments[i]);
  }
  return out;
}

std::string PathStore::normalise(std::string_view path) { return store::normalise(path); }

}  // namespace alder
