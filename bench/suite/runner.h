// Runs each engine's workloads in its own forked child process, so that
// peak RSS and CPU time belong to that engine alone; results come back
// through a pipe, one line per figure.
#pragma once

#include "adapter.h"
#include "data.h"
#include "result.h"

#include <string>
#include <vector>

namespace bench {

/// Everything one engine produced.
struct EngineRun {
  std::string name, version, settings_durable, settings_nosync;
  std::vector<Result> results;
  bool failed = false;   ///< the child threw, crashed or exited non-zero
  std::string error;     ///< why, when failed
  double wall_s = 0;     ///< seconds for the whole child
};

/// Forks, runs every workload of info's engine in config.dir (a fresh
/// directory that is removed afterwards) and collects the results.
EngineRun run_engine(const EngineInfo& info, const Data& data, const EngineConfig& config);

}  // namespace bench
