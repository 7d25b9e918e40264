// Path syntax for the path store: normalising, splitting and joining.
//
// A normalised path has no empty segment: no leading, trailing or doubled
// '/'. The root is the empty string. Names never contain '/' or NUL.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace alder::store {

/// Normalised form of path; throws invalid_argument for a NUL byte.
std::string normalise(std::string_view path);

/// True when path is already normalised (and has no NUL byte).
bool is_normalised(std::string_view path) noexcept;

/// Appends the segments of a normalised path to out (none for the root).
void split(std::string_view norm, std::vector<std::string_view>& out);

/// Appends the segments of a normalised path to out in reverse order (last
/// segment first), for use as a stack whose back is the next segment.
void split_reversed(std::string_view norm, std::vector<std::string_view>& out);

/// Parent of a normalised non-root path ("" for a top-level name).
std::string_view parent_of(std::string_view norm) noexcept;

/// Last segment of a normalised non-root path.
std::string_view name_of(std::string_view norm) noexcept;

/// parent + "/" + name, or name when parent is the root.
std::string child_path(std::string_view parent, std::string_view name);

}  // namespace alder::store
