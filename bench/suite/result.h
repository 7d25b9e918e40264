// One measured figure, and its one-line text form used on the pipe from
// an engine's child process to the parent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace bench {

/// What one workload on one engine produced. Units: seconds, microseconds
/// (percentiles), bytes (rss, size).
struct Result {
  std::string engine;
  std::string workload;     ///< stable id, e.g. "reads_1"
  std::string kind = "ops";  ///< "ops" (throughput row) or "size" (file size row)
  std::uint64_t ops = 0;    ///< operations done (kind ops)
  double seconds = 0;       ///< wall time of the ops
  double p50_us = 0, p95_us = 0, p99_us = 0;
  std::uint64_t peak_rss = 0;  ///< bytes, VmHWM of the engine's process during the workload
  double cpu_s = 0;            ///< user + system CPU seconds of that process
  std::uint64_t bytes = 0;     ///< kind size: bytes of all files in the engine's directory
  double minor_faults = 0;     ///< page faults inside the timed section (RUSAGE_SELF)
  double major_faults = 0;     ///< (doubles: an aggregate holds a median)
  unsigned round = 0;          ///< which round of --repeat produced it (0-based)
  unsigned rounds = 1;         ///< rounds aggregated into this figure
  double rate_min = 0, rate_max = 0;  ///< aggregate: lowest and highest round's ops/s
  bool ok = true;              ///< consistency check passed
  std::string note;            ///< what was checked, or why it failed

  /// ops / seconds, or 0.
  double rate() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
  /// Faults per operation, or 0.
  double minor_per_op() const { return ops ? minor_faults / static_cast<double>(ops) : 0; }
  double major_per_op() const { return ops ? major_faults / static_cast<double>(ops) : 0; }
};

/// Tab-separated line (no newline); note is stripped of tabs and newlines.
std::string to_line(const Result& r);
/// Inverse of to_line; nullopt for a malformed line.
std::optional<Result> from_line(const std::string& line);

}  // namespace bench
