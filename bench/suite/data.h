// The data every engine gets: the same keys, values and operation order,
// generated once from a fixed seed before any engine runs.
#pragma once

#include "plan.h"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

/// Keys 0..items-1 are bulk loaded; then each round of --repeat has its
/// own plan.extra() keys, written by the write workloads in order (durable,
/// thread-scaling, no-sync, batch; see Plan::extra).
struct Data {
  Plan plan;
  std::uint64_t total = 0;              ///< items + extra keys
  std::vector<char> keys, values;       ///< total keys / values, fixed sizes
  std::vector<std::uint32_t> sorted;    ///< [0, items) ordered by key bytes
  std::vector<std::uint32_t> read_order;  ///< plan.reads indices in [0, items)
  std::vector<std::uint32_t> scan_order;  ///< plan.range_scans indices in [0, items)
  std::uint64_t scan_expected = 0;      ///< entries the range scans must see
  std::vector<std::uint32_t> removed;   ///< indices deleted by the removals
  std::vector<std::uint32_t> remaining;  ///< indices left, ordered by key bytes
  std::vector<char> blob;               ///< random bytes for mixed values
  /// plan.text_items compressible records (text_record()) and their keys,
  /// unique package names in random order, for the load_text step.
  std::vector<std::string> text_keys, text_values;

  std::string_view key(std::uint64_t i) const {
    return {keys.data() + i * plan.key_bytes, plan.key_bytes};
  }
  std::string_view value(std::uint64_t i) const {
    return {values.data() + i * plan.value_bytes, plan.value_bytes};
  }
  /// Entries with key >= key(i) among the remaining keys, capped at n.
  std::uint64_t remaining_from(std::uint32_t i, std::uint64_t n) const;
};

/// One record shaped like a stanza of Debian's package index (the fields
/// of /var/lib/apt/lists/*_Packages; about 660 bytes, where the index
/// averages 790): field names, versions, maintainers, dependencies and a
/// one-line description drawn from small vocabularies, so that records
/// repeat one another as the index does, and the index's hex digests, which
/// compress to about half and no further. `name` is the package name (the
/// record's key). Measured against the real index in docs/DECISIONS.md
/// ("Compressed dbs in the suites, and a file-size row").
std::string text_record(std::mt19937_64& rng, const std::string& name);

/// Generates everything for plan. Throws if two random keys collide.
Data make_data(const Plan& plan);

}  // namespace bench
