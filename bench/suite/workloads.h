// The workloads of issue #5 (redb's method plus a mixed workload), run in
// order against one engine.
#pragma once

#include "adapter.h"
#include "data.h"
#include "result.h"

#include <functional>
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

/// Runs every workload on engine in a fresh directory config.dir (created here,
/// removed at the end), calling emit after each one. Throws on an engine
/// error (what was emitted so far stands).
void run_workloads(Engine& engine, const Data& data, const EngineConfig& config,
                   const std::function<void(const Result&)>& emit);

}  // namespace bench
