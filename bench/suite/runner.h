// Each engine lives in its own forked child process for the whole run, so
// that peak RSS, CPU time and page faults belong to that engine alone. The
// parent drives the children one step at a time over a pipe (schedule.h
// decides the order); results come back one line per figure.
#pragma once

#include "adapter.h"
#include "data.h"
#include "result.h"
#include "workloads.h"

#include <sys/types.h>

#include <string>
#include <vector>

namespace bench {

/// Everything one engine produced.
struct EngineRun {
  std::string name, version, settings_durable, settings_nosync, writer_note, compression;
  std::vector<Result> rounds;   ///< every figure of every round, as measured
  std::vector<Result> results;  ///< one per workload: the median over rounds (aggregate.h)
  bool failed = false;   ///< the child threw, crashed or exited non-zero
  std::string error;     ///< why, when failed
  double wall_s = 0;     ///< seconds the parent waited on this engine's steps
};

/// One engine's child process. Between its steps the child is stopped
/// (SIGSTOP), so that no engine's background threads (compaction, eviction,
/// checkpoints) run while another engine is being timed; it is continued
/// for its own turn, where any work it deferred is charged to it.
class EngineProcess {
 public:
  /// Forks the child, which makes the engine and waits for steps in
  /// config.dir (created by the child, removed when it ends).
  EngineProcess(const EngineInfo& info, const Data& data, const EngineConfig& config);
  /// Ends the child (if still running) and removes its directories.
  ~EngineProcess();
  EngineProcess(const EngineProcess&) = delete;
  EngineProcess& operator=(const EngineProcess&) = delete;

  /// Runs one step in the child; its rows go to run().rounds. Returns false
  /// (run().failed set) when the child failed now or earlier.
  bool step(const std::string& id, const StepArgs& args);
  /// Tells the child to close the engine and exit, and waits for it.
  void finish();

  EngineRun& run() { return run_; }

 private:
  bool read_line(std::string* line);

  EngineRun run_;
  std::string dir_;
  pid_t pid_ = -1;
  int cmd_fd_ = -1, res_fd_ = -1;  // parent's ends: commands out, results in
  std::string buf_;                // results read but not yet split into lines
};

}  // namespace bench
