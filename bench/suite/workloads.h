// The workloads of issue #5 (redb's method plus a mixed workload) and of
// issues 11 and 12 (floor row, thread-scaling durable writes), run one step
// at a time against one engine.
#pragma once

#include "adapter.h"
#include "data.h"
#include "result.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bench {

/// A row of the report: stable id and a label with the counts.
struct WorkloadInfo {
  std::string id;
  std::string label;
  std::string kind = "ops";  ///< "ops" or "size"
};

/// Every row the workloads produce, in report order.
std::vector<WorkloadInfo> workload_list(const Plan& plan);

/// What a step needs besides its id.
struct StepArgs {
  unsigned round = 0;        ///< 0-based round of --repeat (picks that round's fresh keys)
  unsigned floor_pages = 1;  ///< pages per floor commit (step writes_durable)
};

/// The steps of a run, in order. A step is the unit the engines take turns
/// at: each runs every round of one step before the next step begins, and
/// a step emits one or more rows (e.g. "reads": reads_1 and reads_2;
/// "writes_durable": writes_durable and floor). "baseline" (the harness's
/// own RSS) is run once before them and is not in the list.
std::vector<std::string> step_list(const Plan& plan);

/// One engine's workloads in its directory config.dir (created here, removed
/// with the Session), run one step at a time; emit gets every row. A step
/// that throws leaves what was emitted so far standing.
class Session {
 public:
  Session(Engine& engine, const Data& data, const EngineConfig& config,
          std::function<void(const Result&)> emit);
  ~Session();
  void run(const std::string& step, const StepArgs& args);

  class Runner;

 private:
  std::string dir_;
  std::unique_ptr<Runner> runner_;
};

}  // namespace bench
