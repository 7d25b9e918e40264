// The order of a run: step by step, each step for --repeat rounds, and in
// each round every engine in turn, the turn order rotated by one engine per
// round. A noisy minute of the shared machine then lands on every engine
// alike instead of on whichever engine happened to run in it.
#pragma once

#include "runner.h"

#include <memory>
#include <vector>

namespace bench {

/// Runs "baseline" once and then every step of step_list(plan) with
/// plan.repeat rounds over procs, then fills each run's results with the
/// medians (aggregate.h). plan.floor_pages 0 is resolved after the load
/// step from the first engine that reports its tree depth (alder: depth +
/// 1 pages per single-put commit), else 4; the resolved value is written
/// back to *plan.
void run_schedule(std::vector<std::unique_ptr<EngineProcess>>& procs, Plan* plan);

/// The turn order of round r over n engines: r, r+1, ..., wrapping.
std::vector<std::size_t> turn_order(std::size_t n, unsigned r);

}  // namespace bench
