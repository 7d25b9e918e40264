// Clocks, latency percentiles, CPU time and peak resident memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace bench {

/// Monotonic time in nanoseconds.
inline std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

/// Latency percentiles, microseconds.
struct Percentiles {
  double p50 = 0, p95 = 0, p99 = 0;
};

/// Per-operation latencies of one workload (one recorder per thread).
class Latencies {
 public:
  /// Reserves and touches room for expected operations, so that recording
  /// them takes no page fault inside a timed section (the fault column
  /// counts the engine's faults, not the recorder's).
  explicit Latencies(std::size_t expected = 0) {
    ns_.resize(expected);
    ns_.clear();
  }
  /// Records one operation that took ns nanoseconds.
  void add(std::uint64_t ns) { ns_.push_back(static_cast<std::uint32_t>(ns > 0xffffffffu ? 0xffffffffu : ns)); }
  /// Appends another thread's recorder.
  void merge(const Latencies& o) { ns_.insert(ns_.end(), o.ns_.begin(), o.ns_.end()); }
  /// Nearest-rank percentiles; all zero when nothing was recorded.
  Percentiles percentiles();
  bool empty() const { return ns_.empty(); }

 private:
  std::vector<std::uint32_t> ns_;
};

/// Process-wide resource use since a mark, for the current process (all its
/// threads, including an engine's background threads).
class Usage {
 public:
  /// Marks the start: remembers CPU time and resets the peak RSS
  /// (/proc/self/clear_refs "5", Linux >= 4.0).
  void start();
  /// CPU seconds (user + system) since start().
  double cpu_seconds() const;
  /// Peak resident set size since start() (VmHWM), bytes.
  static std::uint64_t peak_rss_bytes();
  /// Resident set size now (VmRSS), bytes.
  static std::uint64_t current_rss_bytes();

 private:
  double cpu0_ = 0;
};

/// CPU seconds (user + system) used by this process so far.
double process_cpu_seconds();

/// Page faults of this process so far (getrusage RUSAGE_SELF: every thread,
/// an engine's background threads included, like the CPU time).
struct Faults {
  std::uint64_t minor = 0, major = 0;
};
Faults process_faults();

/// The timed region of one workload: wall time and the page faults taken
/// inside it. start() and stop() bracket exactly what the throughput
/// counts, so set-up outside them (threads, readers) is in neither figure.
class Section {
 public:
  void start() {
    f0_ = process_faults();
    t0_ = now_ns();
  }
  void stop() {
    const std::uint64_t t1 = now_ns();
    const Faults f1 = process_faults();
    seconds_ = static_cast<double>(t1 - t0_) / 1e9;
    minor_ = f1.minor - f0_.minor;
    major_ = f1.major - f0_.major;
  }
  double seconds() const { return seconds_; }
  std::uint64_t minor() const { return minor_; }
  std::uint64_t major() const { return major_; }

 private:
  Faults f0_;
  std::uint64_t t0_ = 0;
  double seconds_ = 0;
  std::uint64_t minor_ = 0, major_ = 0;
};

}  // namespace bench
