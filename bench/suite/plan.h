// How much work each workload does, derived from --scale (1.0 = the issue's
// default counts, sized for a 2-core machine to finish in under 10 minutes).
#pragma once

#include <cstdint>
#include <vector>

namespace bench {

/// Operation counts for one run. Counts are operations, sizes are bytes.
struct Plan {
  double scale = 1.0;
  std::uint64_t seed = 42;
  std::uint64_t items = 1'000'000;          ///< bulk-loaded entries (N)
  std::uint64_t key_bytes = 24;
  std::uint64_t value_bytes = 150;
  std::uint64_t durable_commits = 1'000;    ///< single-put durable commits
  std::uint64_t nosync_commits = 50'000;    ///< single-put no-sync commits
  std::uint64_t batch_commits = 100;        ///< durable commits of batch_size puts
  std::uint64_t batch_size = 1'000;
  std::uint64_t reads = 1'000'000;          ///< gets per pass (and per thread count)
  std::uint64_t range_scans = 500'000;
  std::uint64_t range_len = 10;             ///< entries per range scan
  std::vector<unsigned> threads{1, 2, 4, 8};
  std::uint64_t mixed_ops = 100'000;        ///< total over the mixed threads
  unsigned mixed_threads = 2;
  std::uint64_t mixed_min_value = 100, mixed_max_value = 10'240;
  std::uint64_t cache_bytes = std::uint64_t{1} << 30;  ///< per engine
  unsigned repeat = 3;                      ///< rounds of every workload (--repeat)
  std::vector<unsigned> commit_threads{1, 2, 8, 64};  ///< thread-scaling durable writes
  unsigned floor_pages = 0;                 ///< pages per floor commit; 0 = alder's depth + 1
  std::uint64_t page_bytes = 4096;          ///< page size of the floor's writes (alder's default)
  /// Compressible records (text shaped like Debian package stanzas, about
  /// 660 bytes each) of the file-size rows for compressible values.
  std::uint64_t text_items = 50'000;

  /// Commits of the thread-scaling row with t threads: durable_commits
  /// split evenly (at least one per thread), so the row's total work stays
  /// bounded by --scale whatever the thread count.
  std::uint64_t per_thread_commits(unsigned t) const { return durable_commits / t > 0 ? durable_commits / t : 1; }
  std::uint64_t threaded_total() const {
    std::uint64_t n = 0;
    for (const unsigned t : commit_threads) n += per_thread_commits(t) * t;
    return n;
  }
  /// Extra keys (beyond items) the write workloads insert in one round, in
  /// this order: durable, thread-scaling rows, no-sync, batch. Every round
  /// writes its own fresh keys, so each round inserts rather than overwrites.
  std::uint64_t extra() const {
    return durable_commits + threaded_total() + nosync_commits + batch_commits * batch_size;
  }
  /// Index of the first extra key of round r.
  std::uint64_t round_first(unsigned r) const { return items + r * extra(); }
};

/// The default counts multiplied by scale (each at least a small floor so
/// every workload still runs at tiny scales).
Plan make_plan(double scale, std::uint64_t seed);

}  // namespace bench
