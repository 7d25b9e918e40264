#include "schedule.h"

#include "aggregate.h"

#include <iostream>

namespace bench {

std::vector<std::size_t> turn_order(std::size_t n, unsigned r) {
  std::vector<std::size_t> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back((i + r) % n);
  return v;
}

namespace {

// alder's pages per single-put durable commit: one per tree level (the
// copied path) plus the meta page. Taken from the last load round.
unsigned floor_pages_from(const std::vector<std::unique_ptr<EngineProcess>>& procs) {
  for (const auto& p : procs) {
    for (auto it = p->run().rounds.rbegin(); it != p->run().rounds.rend(); ++it) {
      if (it->workload == "tree_depth" && it->ops > 0) return static_cast<unsigned>(it->ops) + 1;
    }
  }
  return 4;  // no engine reported a depth (alder not run): a 3-level tree
}

}  // namespace

void run_schedule(std::vector<std::unique_ptr<EngineProcess>>& procs, Plan* plan) {
  StepArgs args;
  for (auto& p : procs) p->step("baseline", args);
  for (const std::string& id : step_list(*plan)) {
    if (id == "writes_durable" && plan->floor_pages == 0) plan->floor_pages = floor_pages_from(procs);
    args.floor_pages = plan->floor_pages;
    for (unsigned r = 0; r < plan->repeat; ++r) {
      args.round = r;
      std::cerr << "step " << id << ", round " << r + 1 << "/" << plan->repeat << "\n";
      for (const std::size_t i : turn_order(procs.size(), r)) {
        EngineProcess& p = *procs[i];
        if (p.run().failed) continue;
        p.step(id, args);  // the child prints "  [engine] workload" as it goes
        if (p.run().failed) std::cerr << "  [" << p.run().name << "] FAILED: " << p.run().error << "\n";
      }
    }
  }
  for (auto& p : procs) {
    p->finish();
    p->run().results = aggregate(p->run().rounds);
  }
}

}  // namespace bench
