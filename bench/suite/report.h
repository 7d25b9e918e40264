// The outputs of a run: a markdown report, a JSON file with every figure,
// a gnuplot chart, and the consistency check behind --check.
#pragma once

#include "machine.h"
#include "plan.h"
#include "runner.h"
#include "workloads.h"

#include <ostream>
#include <string>
#include <vector>

namespace bench {

/// Everything a run knows.
struct Report {
  std::string command;      ///< the command line
  std::string started_utc;  ///< ISO 8601
  std::string dir;          ///< data directory (--dir)
  double total_s = 0;       ///< wall seconds of the whole run
  Plan plan;
  Machine machine;
  std::vector<WorkloadInfo> workloads;
  std::vector<EngineRun> runs;
};

/// The result of workload id in run, or nullptr.
const Result* find_result(const EngineRun& run, const std::string& id);

/// Tables: throughput (ops/s) with alder/LMDB, latency percentiles (us),
/// peak RSS (MiB), CPU seconds, file sizes (MiB), checks.
std::string markdown(const Report& r);
/// Every figure plus the machine, plan and engine settings.
std::string json(const Report& r);
/// Writes chart.dat and chart.gp into out_dir and runs gnuplot to draw
/// chart.png. Returns false (with *why) when gnuplot failed or is missing.
bool write_chart(const Report& r, const std::string& out_dir, std::string* why);
/// True when every engine ran every workload and every count checked out;
/// writes one line per problem (and a summary) to out.
bool check(const Report& r, std::ostream& out);

}  // namespace bench
