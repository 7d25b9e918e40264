// From the rounds of --repeat to one figure per workload: the median, and
// the spread (lowest and highest round) beside it.
#pragma once

#include "result.h"

#include <vector>

namespace bench {

/// One Result per workload id, in order of first appearance. kind "ops"
/// and "time": the median round by ops/s (seconds = ops / median ops/s,
/// so rate() is the median), rate_min / rate_max the extremes; latency
/// percentiles, CPU seconds and faults are the medians of the rounds' own
/// figures; peak RSS the highest. kind "size" and "info": the last round
/// (sizes are not timings: the state after the last round). ok only when
/// every round was ok; the note is the last round's, plus any failing
/// round's.
std::vector<Result> aggregate(const std::vector<Result>& rounds);

/// The median of xs (the mean of the middle two for an even count); 0 when
/// empty.
double median(std::vector<double> xs);

}  // namespace bench
