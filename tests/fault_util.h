// Shared machinery of the fault suites (issue #3): fault hooks for the I/O
// seam (src/io/fault.h), a simulated disk that can lose power, and a seeded
// workload whose every committed state is known by its hash.
//
// Suites: fault_test.cc (countdown faults, full disk), power_loss_test.cc.
// Case counts: ALDER_FAULT_CASES overrides each suite's default (the long
// run, scripts/crash_long.sh, sets it to 1000).
#pragma once

#include <alder/alder.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "env/testing.h"
#include "io/fault.h"
#include "test_util.h"

namespace alder_fault {

using alder::io::FaultHook;
using alder::io::IoOp;
using alder::io::IoVerdict;

using alder_test::case_count;  // test_util.h

/// Every I/O operation from the `fail_from`-th on (0-based) fails with
/// `err`; before that, syncs are skipped (nothing is lost in a countdown
/// test, and fdatasync would only make it slow) and the rest performed.
class CountdownHook : public FaultHook {
 public:
  explicit CountdownHook(uint64_t fail_from = UINT64_MAX, int err = EIO)
      : fail_from_(fail_from), err_(err) {}
  IoVerdict before(IoOp op, int fd, uint64_t arg) override;
  uint64_t ops() const { return ops_; }           ///< operations seen
  uint64_t failures() const { return failures_; } ///< operations failed

 private:
  uint64_t fail_from_;
  int err_;
  uint64_t ops_ = 0;
  uint64_t failures_ = 0;
};

/// Fails chosen kinds of operation with `err` while enabled (a full disk:
/// grow and/or sync answer ENOSPC until space is "freed").
class SelectiveHook : public FaultHook {
 public:
  SelectiveHook(std::vector<IoOp> ops, int err) : ops_(std::move(ops)), err_(err) {}
  IoVerdict before(IoOp op, int fd, uint64_t arg) override;
  bool enabled = true;
  uint64_t failures = 0;

 private:
  std::vector<IoOp> ops_;
  int err_;
};

/// A disk with a volatile write cache, for power-loss tests. The durable
/// image is the file as of the last completed sync. The disk learns what
/// was written by comparing the file with its last look (capture(), done
/// before every write and sync and by the test after each operation); each
/// change is kept as a new version of that page.
///
/// Cutting the power freezes that record; crash_image() then builds what
/// the platter could hold: each page changed since the last sync is left
/// at its durable contents, or set to any of its later versions, and some
/// are torn (a mix of two versions, at sector or at byte granularity). The
/// choice is independent per page, so every reordering of the writes is
/// possible. The file length is the durable one or the current one.
class SimDisk : public FaultHook {
 public:
  /// `path`: the data file, which must exist; its contents now are taken as
  /// durable. `page_size` in bytes.
  SimDisk(const std::string& path, uint32_t page_size);
  ~SimDisk() override;
  SimDisk(const SimDisk&) = delete;
  SimDisk& operator=(const SimDisk&) = delete;

  IoVerdict before(IoOp op, int fd, uint64_t arg) override;

  /// Records pages changed since the last look as new versions.
  void capture();
  /// The power fails during the n-th sync from now (1 = the next), before
  /// that sync completes; 0 disarms.
  void arm_cut_at_sync(uint64_t n) {
    std::lock_guard lk(mu_);
    cut_countdown_ = n;
  }
  /// The power fails now.
  void cut_now();
  /// Each sync takes this long after the disk has recorded what it makes
  /// durable (as a real fdatasync does), without holding the disk: other
  /// threads write meanwhile. For group commit, whose next txns run while a
  /// sync is in flight. Default 0.
  void set_sync_delay_us(unsigned us) {
    std::lock_guard lk(mu_);
    sync_delay_us_ = us;
  }
  bool is_cut() const {
    std::lock_guard lk(mu_);
    return cut_;
  }
  uint64_t syncs_completed() const {
    std::lock_guard lk(mu_);
    return syncs_;
  }
  /// Called after each sync the disk completes (before the engine's call
  /// returns), e.g. to note which commit is now durable.
  std::function<void()> on_sync;

  struct ImageStats {
    uint64_t pages_changed = 0;  ///< pages with versions since the last sync
    uint64_t kept_old = 0;       ///< left at their durable contents
    uint64_t took_new = 0;       ///< set to one of the later versions whole
    uint64_t torn = 0;           ///< a mix of two versions
  };
  /// After a cut: writes a possible post-power-loss file to `out`.
  ImageStats crash_image(const std::string& out, std::mt19937_64& rng) const;

 private:
  std::string read_file() const;
  void capture_locked();
  // Held by every public call: with group commit a sync may come from a
  // thread other than the writer's, while the writer writes.
  mutable std::mutex mu_;
  std::string path_;
  uint32_t ps_;
  int fd_ = -1;
  std::string durable_;  // bytes on the platter as of the last sync
  std::string seen_;     // the file at the last capture
  std::map<uint64_t, std::vector<std::string>> versions_;  // pgno -> since last sync
  uint64_t cut_countdown_ = 0;
  unsigned sync_delay_us_ = 0;
  uint64_t syncs_ = 0;
  bool cut_ = false;
};

/// A seeded stream of write txns over the main db and a named db "side":
/// each commit puts "seq" = its number plus random puts/dels (some values
/// large enough for overflow pages), some txns abort. The model keeps the
/// hash of the state after each commit, so a recovered file can be matched
/// to exactly one committed state.
///
/// With a compression case other than raw, both dbs are created with its
/// DbOptions and most values are text_value()s: compressed values (inline
/// and on overflow runs) mix with raw ones (short, or random bytes that do
/// not shrink). With raw, the stream is the one the suites always ran.
class Workload {
 public:
  using State = std::map<std::string, std::map<std::string, std::string>>;

  explicit Workload(uint64_t seed, const alder_test::CompressionCase& c = alder_test::kRaw);
  /// Creates the initial state (seq 0) in a fresh file at `path` with real
  /// I/O and closes it cleanly.
  void create(const std::string& path, const alder::EnvOptions& o);
  /// Runs the next txn: commits number acked()+1 (or aborts one, when the
  /// stream says so). Sets in_flight() while the commit runs, so a commit
  /// that throws is known to be possibly durable. Rethrows alder::Error.
  void step(alder::Env& env);
  uint64_t acked() const { return acked_; }
  bool in_flight() const { return in_flight_; }
  /// Hash of the state after commit `seq` (0..acked, and acked+1 when in
  /// flight).
  uint64_t hash_of(uint64_t seq) const { return hashes_.at(seq); }
  std::mt19937_64& rng() { return rng_; }

  /// Hash of what an env holds now (every db), comparable with hash_of().
  static uint64_t hash_env(alder::Env& env);
  /// The "seq" an env holds now.
  static uint64_t seq_of(alder::Env& env);
  /// Values an env holds now in both dbs: {stored compressed, stored raw}.
  static std::pair<uint64_t, uint64_t> value_forms(alder::Env& env);

 private:
  static uint64_t hash_state(const State& s);
  std::string value();
  std::mt19937_64 rng_;
  alder::DbOptions db_options_;  // compression of both dbs
  bool text_ = false;            // text_value()s: a compressed case
  State committed_;
  std::vector<uint64_t> hashes_;
  uint64_t acked_ = 0;
  bool in_flight_ = false;
};

/// Opens `path` without faults and checks it: opens, verify() passes, holds
/// a seq in [lo, hi] whose state hash matches the workload's. Returns "" or
/// the problem.
std::string check_recovered(const std::string& path, const Workload& w, uint64_t lo,
                            uint64_t hi);

}  // namespace alder_fault
